"""Contribution scores, the leaderboard and the ambassador shortlist.

The score formula
-----------------
A customer's score for a company is the sum, over the facts below that concern the company's
products, of ``weight × 0.5 ** (age_in_days / HALF_LIFE_DAYS)``: a fact loses half its worth every
90 days. A period filter (30 days, 90 days, 1 year) only keeps facts of that period; "all time"
keeps every fact.

=====================  ======  ===========================================================
fact                   weight  dated at
=====================  ======  ===========================================================
idea submitted              3  the idea's creation (merged duplicates do not count)
vote their idea got         1  the vote (self-votes, votes carried over by a merge and
                               votes from a "twin" account do not count, see below)
their idea planned          8  the status change that set the idea's current status
their idea in progress     12  idem
their idea shipped         25  idem
helpful comment             5  the comment (a customer comment the team marked helpful)
rating given                2  the rating
=====================  ======  ===========================================================

An idea counts once for its current status: planned, in progress *or* shipped.

Anti-gaming: a vote does not count when the voter is the idea's author, or when the voter's and
the author's accounts were created less than ``TWIN_MINUTES`` apart from the same address (the
address is only kept as an HMAC, in ``account_origins``). Members of the company are not its
customers and are not ranked for it.

Scores are computed in SQL (one DELETE and one INSERT … SELECT over a UNION ALL of the fact rows,
with the weights and the decay computed in the database) into ``contribution_scores``, which the
leaderboard reads with a handful of indexed queries. ``refresh_scores`` rebuilds one company's rows;
the worker's ``refresh_contribution_scores`` task rebuilds every company's every 15 minutes, and marketing can
recompute from the leaderboard. See docs/ambassadors.md.
"""

import csv
import hashlib
import hmac
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.orm import aliased

from cocreate import events
from cocreate.ambassadors.models import AccountOrigin, Candidate, ContributionScore, ScoreRun, State
from cocreate.auth.models import User
from cocreate.companies.models import Company, Membership
from cocreate.extensions import UTCDateTime, db, utcnow
from cocreate.i18n import _, _l, format_number, ngettext
from cocreate.ideas.models import Comment, Idea, Status, StatusChange, Vote
from cocreate.maturity.models import Rating
from cocreate.products.models import Product, Version
from cocreate.refusal import N_, Refused

HALF_LIFE_DAYS = 90
TWIN_MINUTES = 30
WEIGHTS = {"ideas": 3, "votes": 1, "planned": 8, "in_progress": 12, "shipped": 25, "helpful": 5, "ratings": 2}
KINDS = tuple(WEIGHTS)
PERIODS = {0: _l("All time"), 30: _l("Last 30 days"), 90: _l("Last 90 days"), 365: _l("Last year")}
SORTS = {"score": _l("Score"), "recent": _l("Recently active"), "ideas": _l("Most ideas"),
         "shipped": _l("Most shipped")}
PER_PAGE = 25
INVITATIONS_PATH = "/me/invitations"  # where a customer answers; linked from notifications
ALL_PRODUCTS = 0


class AmbassadorError(Refused):
    """A shortlist change that is not allowed; the message says why."""


# --- Sign-up origins ---------------------------------------------------------------------------------

def address_hash(address: str, secret: str | bytes | None = None) -> str:
    """HMAC-SHA256 of the address with the app's SECRET_KEY: comparable, not reversible without the key."""
    key = secret if secret is not None else current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, address.strip().encode(), hashlib.sha256).hexdigest()


def record_origin(user: User, address: str | None) -> AccountOrigin | None:
    """Remember where an account signed up from (hashed). Without an address there is nothing to keep."""
    if not address:
        return None
    origin = AccountOrigin(user_id=user.id, ip_hash=address_hash(address), created_at=user.created_at or utcnow())
    db.session.add(origin)
    db.session.flush()
    return origin


# --- Computing scores --------------------------------------------------------------------------------

def _days_between(later, earlier, dialect: str):
    if dialect == "sqlite":
        return sa.func.julianday(later) - sa.func.julianday(earlier)
    return sa.extract("epoch", later - earlier) / 86400.0


def _events(company_id: int, dialect: str):
    """Every scored fact of the company's products as rows (user_id, product_id, kind, weight, at)."""
    products = sa.select(Product.id).where(Product.company_id == company_id)

    def kind(name: str):
        return sa.literal_column(f"'{name}'", sa.String)

    def weight(name: str):
        return sa.literal_column(str(WEIGHTS[name]), sa.Float)

    ideas = (sa.select(Idea.author_id.label("user_id"), Idea.product_id.label("product_id"),
                       kind("ideas").label("kind"), weight("ideas").label("weight"), Idea.created_at.label("at"))
             .where(Idea.product_id.in_(products), Idea.author_id.is_not(None), Idea.status != Status.MERGED))

    voter, author = aliased(AccountOrigin), aliased(AccountOrigin)
    twin = (sa.select(sa.literal(1))
            .where(voter.user_id == Vote.user_id, author.user_id == Idea.author_id, voter.ip_hash == author.ip_hash,
                   sa.func.abs(_days_between(voter.created_at, author.created_at, dialect)) * 1440 < TWIN_MINUTES)
            .exists())
    votes = (sa.select(Idea.author_id, Idea.product_id, kind("votes"), weight("votes"), Vote.created_at)
             .join(Idea, Idea.id == Vote.idea_id)
             .where(Idea.product_id.in_(products), Idea.author_id.is_not(None), Vote.user_id != Idea.author_id,
                    Vote.merged_from_id.is_(None), ~twin))

    reached = (sa.select(sa.func.max(StatusChange.created_at))
               .where(StatusChange.idea_id == Idea.id, StatusChange.to_status == Idea.status)
               .correlate(Idea).scalar_subquery())
    progress_weight = sa.case(*[(Idea.status == Status(name), WEIGHTS[name])
                                for name in ("planned", "in_progress", "shipped")], else_=0)
    progressed = (sa.select(Idea.author_id, Idea.product_id, sa.cast(Idea.status, sa.String), progress_weight,
                            sa.func.coalesce(reached, Idea.created_at))
                  .where(Idea.product_id.in_(products), Idea.author_id.is_not(None),
                         Idea.status.in_([Status.PLANNED, Status.IN_PROGRESS, Status.SHIPPED])))

    helpful = (sa.select(Comment.author_id, Idea.product_id, kind("helpful"), weight("helpful"), Comment.created_at)
               .join(Idea, Idea.id == Comment.idea_id)
               .where(Idea.product_id.in_(products), Comment.author_id.is_not(None), Comment.helpful.is_(True),
                      Comment.is_team.is_(False), Comment.deleted_at.is_(None)))

    ratings = (sa.select(Rating.user_id, Version.product_id, kind("ratings"), weight("ratings"), Rating.created_at)
               .join(Version, Version.id == Rating.version_id)
               .where(Version.product_id.in_(products)))

    return sa.union_all(ideas, votes, progressed, helpful, ratings).cte("events")


def _scores_select(company_id: int, now: datetime, dialect: str):
    """Per period, customer and product: each kind's count, decayed points and last date (``facts``,
    computed once), then pivoted into one row per customer and product and one per customer."""
    events = _events(company_id, dialect)
    raw_age = _days_between(sa.literal(now, UTCDateTime), events.c.at, dialect)
    age = sa.case((raw_age < 0, 0.0), else_=raw_age)
    aged = (sa.select(*events.c, age.label("age"), (events.c.weight * sa.func.exp(-math.log(2) / HALF_LIFE_DAYS * age))
                      .label("points"))
            .cte("aged").prefix_with("MATERIALIZED"))
    member = (sa.select(Membership.id)
              .where(Membership.company_id == company_id, Membership.user_id == aged.c.user_id).exists())
    points = aged.c.points
    per_period = []
    for days in PERIODS:
        inside = sa.true() if days == 0 else aged.c.age <= days
        per_period += [sa.func.sum(sa.case((inside, 1), else_=0)).label(f"n_{days}"),
                       sa.func.sum(sa.case((inside, points), else_=0.0)).label(f"pts_{days}"),
                       sa.func.max(sa.case((inside, aged.c.at), else_=sa.null())).label(f"last_{days}")]
    grouped = (sa.select(aged.c.user_id, aged.c.product_id, aged.c.kind, *per_period)
               .where(~member).group_by(aged.c.user_id, aged.c.product_id, aged.c.kind)
               .cte("grouped").prefix_with("MATERIALIZED"))
    facts = sa.union_all(*[
        sa.select(sa.literal_column(str(days), sa.Integer).label("days"), grouped.c.user_id, grouped.c.product_id,
                  grouped.c.kind, grouped.c[f"n_{days}"].label("n"), grouped.c[f"pts_{days}"].label("pts"),
                  grouped.c[f"last_{days}"].label("last_at"))
        .where(grouped.c[f"n_{days}"] > 0)
        for days in PERIODS]).subquery("facts")

    def aggregate(by_product: bool):
        columns = [
            sa.literal(company_id).label("company_id"),
            (facts.c.product_id if by_product else sa.literal(ALL_PRODUCTS)).label("product_id"),
            facts.c.days.label("period_days"),
            facts.c.user_id.label("user_id"),
            sa.func.sum(facts.c.pts).label("total"),
        ]
        for name in KINDS:
            columns.append(sa.func.sum(sa.case((facts.c.kind == name, facts.c.n), else_=0)).label(f"{name}_n"))
            columns.append(sa.func.sum(sa.case((facts.c.kind == name, facts.c.pts), else_=0.0))
                           .label(f"{name}_pts"))
        columns.append(sa.func.max(facts.c.last_at).label("last_active_at"))
        group = [facts.c.days, facts.c.user_id] + ([facts.c.product_id] if by_product else [])
        return sa.select(*columns).group_by(*group)

    scored = sa.union_all(aggregate(True), aggregate(False)).subquery("scored")
    rank = sa.func.rank().over(partition_by=[scored.c.product_id, scored.c.period_days],
                               order_by=scored.c.total.desc())
    return sa.select(*scored.c, rank.label("rank"))


def refresh_scores(company: Company, now: datetime | None = None) -> datetime:
    """Rebuild the company's score rows (all products, every period) in two statements; flushes only."""
    now = now or utcnow()
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":  # SQLite built without its math functions lacks exp(): lend it Python's
        try:
            connection.exec_driver_sql("SELECT exp(0)")
        except sa.exc.OperationalError:
            driver = connection.connection.driver_connection  # the sqlite3 connection (None only once closed)
            if driver is not None:
                driver.create_function("exp", 1, math.exp, deterministic=True)
    db.session.execute(sa.delete(ContributionScore).where(ContributionScore.company_id == company.id))
    select = _scores_select(company.id, now, dialect)
    db.session.execute(sa.insert(ContributionScore).from_select([c.name for c in select.selected_columns], select))
    counts = {f"{product_id}:{days}": n for product_id, days, n in db.session.execute(
        sa.select(ContributionScore.product_id, ContributionScore.period_days, sa.func.count())
        .where(ContributionScore.company_id == company.id)
        .group_by(ContributionScore.product_id, ContributionScore.period_days))}
    run = db.session.get(ScoreRun, company.id)
    if run is None:
        db.session.add(ScoreRun(company_id=company.id, computed_at=now, counts=counts))
    else:
        run.computed_at, run.counts = now, counts
    db.session.flush()
    return now


def refresh_all(now: datetime | None = None) -> int:
    companies = list(db.session.scalars(sa.select(Company).order_by(Company.id)))
    for company in companies:
        refresh_scores(company, now)
    return len(companies)


def computed_at(company: Company) -> datetime | None:
    return db.session.scalar(sa.select(ScoreRun.computed_at).where(ScoreRun.company_id == company.id))


# --- Reading scores ----------------------------------------------------------------------------------

# What each kind of fact reads as, with its count and points, in the page's language.
LABELS = {
    "ideas": lambda n, pts: ngettext("%(num)d idea (%(points)s pts)", "%(num)d ideas (%(points)s pts)", n,
                                     points=pts),
    "votes": lambda n, pts: ngettext("%(num)d vote received (%(points)s pts)",
                                     "%(num)d votes received (%(points)s pts)", n, points=pts),
    "planned": lambda n, pts: ngettext("%(num)d planned (%(points)s pts)", "%(num)d planned (%(points)s pts)", n,
                                       points=pts),
    "in_progress": lambda n, pts: ngettext("%(num)d in progress (%(points)s pts)",
                                           "%(num)d in progress (%(points)s pts)", n, points=pts),
    "shipped": lambda n, pts: ngettext("%(num)d shipped (%(points)s pts)", "%(num)d shipped (%(points)s pts)", n,
                                       points=pts),
    "helpful": lambda n, pts: ngettext("%(num)d helpful comment (%(points)s pts)",
                                       "%(num)d helpful comments (%(points)s pts)", n, points=pts),
    "ratings": lambda n, pts: ngettext("%(num)d rating (%(points)s pts)", "%(num)d ratings (%(points)s pts)", n,
                                       points=pts),
}


def points(value: float) -> str:
    """Points for the CSV export (machine format: always "12.5")."""
    return f"{round(value, 1):g}"


def shown_points(value: float) -> str:
    """Points for people: "12.5" in English, "12,5" in Dutch and Italian."""
    return format_number(round(value, 1))


def breakdown(score: ContributionScore) -> list[str]:
    """What a score is made of, in words: ["3 ideas (9 pts)", "1 shipped (25 pts)", …]."""
    parts = []
    for name in KINDS:
        count = getattr(score, f"{name}_n")
        if count:
            parts.append(LABELS[name](count, shown_points(getattr(score, f"{name}_pts"))))
    return parts


@dataclass
class BoardRow:
    rank: int
    user_id: int
    name: str
    email: str | None  # None unless the customer agreed to be contacted
    opted_in: bool
    score: ContributionScore
    products: list[Product] = field(default_factory=list)
    state: State | None = None

    @property
    def breakdown(self) -> list[str]:
        return breakdown(self.score)


@dataclass
class Board:
    rows: list[BoardRow]
    total: int
    page: int
    per_page: int
    computed_at: datetime | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def contact_email():
    """The e-mail address only for customers who opted in; NULL for everyone else, decided in SQL."""
    return sa.case((User.contact_opt_in.is_(True), User.email), else_=sa.null())


def leaderboard(company: Company, products: Sequence[Product], *, product_id: int = ALL_PRODUCTS,
                period: int = 0, sort: str = "score", page: int = 1, per_page: int = PER_PAGE,
                opted_in_only: bool = False) -> Board:
    """One page of the company's ranked customers, in five queries whatever the page size."""
    where = [ContributionScore.company_id == company.id, ContributionScore.product_id == product_id,
             ContributionScore.period_days == period]
    if opted_in_only:
        where.append(User.contact_opt_in.is_(True))
    orders: dict[str, list[sa.UnaryExpression]] = {
        "score": [ContributionScore.total.desc()],
        "recent": [ContributionScore.last_active_at.desc()],
        "ideas": [ContributionScore.ideas_n.desc(), ContributionScore.total.desc()],
        "shipped": [ContributionScore.shipped_n.desc(), ContributionScore.total.desc()],
    }
    order = orders.get(sort, orders["score"])
    run = db.session.scalar(sa.select(ScoreRun).where(ScoreRun.company_id == company.id))
    if opted_in_only:  # consent changes between refreshes: count it live
        total = db.session.execute(sa.select(sa.func.count()).select_from(ContributionScore)
                                   .join(User, User.id == ContributionScore.user_id).where(*where)).scalar_one()
    else:
        total = run.counts.get(f"{product_id}:{period}", 0) if run else 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    found = db.session.execute(
        sa.select(ContributionScore, User.name, contact_email().label("email"), User.contact_opt_in)
        .join(User, User.id == ContributionScore.user_id).where(*where)
        .order_by(*order, ContributionScore.user_id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    rows = [BoardRow(rank=s.rank, user_id=s.user_id, name=name, email=email, opted_in=opted_in, score=s)
            for s, name, email, opted_in in found]
    ids = [row.user_id for row in rows]
    if ids:
        by_id = {p.id: p for p in products}
        contributed = defaultdict(list)
        for user_id, pid in db.session.execute(
            sa.select(ContributionScore.user_id, ContributionScore.product_id)
            .where(ContributionScore.company_id == company.id, ContributionScore.period_days == period,
                   ContributionScore.product_id != ALL_PRODUCTS, ContributionScore.user_id.in_(ids))
        ):
            if pid in by_id:
                contributed[user_id].append(by_id[pid])
        states = dict(db.session.execute(sa.select(Candidate.user_id, Candidate.state).where(
            Candidate.company_id == company.id, Candidate.user_id.in_(ids))).all())
        for row in rows:
            row.products = sorted(contributed[row.user_id], key=lambda p: p.name)
            row.state = states.get(row.user_id)
    return Board(rows=rows, total=total, page=page, per_page=per_page, computed_at=run.computed_at if run else None)


def company_products(company: Company) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.company_id == company.id).order_by(Product.name)))


# --- The shortlist -----------------------------------------------------------------------------------

TRANSITIONS: dict[State, frozenset[State]] = {
    State.CANDIDATE: frozenset({State.INVITED, State.WITHDRAWN}),
    State.INVITED: frozenset({State.ACCEPTED, State.DECLINED, State.WITHDRAWN}),
    State.ACCEPTED: frozenset({State.WITHDRAWN}),
    State.DECLINED: frozenset(),
    State.WITHDRAWN: frozenset(),
}


def _move(candidate: Candidate, to: State) -> None:
    if to not in TRANSITIONS[candidate.state]:
        raise AmbassadorError(_refusal(candidate, to))
    candidate.state = to
    candidate.updated_at = utcnow()


def _refusal(candidate: Candidate, to: State) -> str:
    if to == State.INVITED and candidate.state != State.CANDIDATE:
        return _("%(name)s was invited already (%(state)s).", name=candidate.user.name,
                 state=candidate.state.label.lower())
    return _("An invitation that is %(state)s cannot become %(to)s.", state=candidate.state.label.lower(),
             to=to.label.lower())


def is_member(company_id: int, user_id: int) -> bool:
    return db.session.scalar(sa.select(Membership.id).where(
        Membership.company_id == company_id, Membership.user_id == user_id)) is not None


def add_candidate(company: Company, user: User, added_by: User, note: str = "") -> Candidate:
    """Put a customer on the company's shortlist; the unique (company, user) constraint keeps it once."""
    if is_member(company.id, user.id):
        raise AmbassadorError(N_("%(name)s is a member of %(company)s, not a customer."),
                              name=user.name, company=company.name)
    candidate = Candidate(company_id=company.id, user_id=user.id, user=user, added_by_id=added_by.id,
                          note=note.strip(), state=State.CANDIDATE)
    try:
        with db.session.begin_nested():
            db.session.add(candidate)
    except sa.exc.IntegrityError:
        raise AmbassadorError(N_("%(name)s is on the shortlist already."), name=user.name) from None
    return candidate


def set_note(candidate: Candidate, note: str) -> None:
    candidate.note = note.strip()
    candidate.updated_at = utcnow()
    db.session.flush()


def invite(candidate: Candidate, url: str | None = None) -> None:
    """Invite a shortlisted customer, once, and only if they agreed to be contacted."""
    if candidate.state == State.CANDIDATE and not candidate.user.contact_opt_in:
        raise AmbassadorError(N_("%(name)s has not agreed to be contacted about ambassador programmes."),
                              name=candidate.user.name)
    _move(candidate, State.INVITED)
    candidate.invited_at = utcnow()
    db.session.flush()
    _notify(candidate, url)


def answer(candidate: Candidate, user: User, accept: bool) -> None:
    """Only the invited customer answers their own invitation."""
    if candidate.user_id != user.id:
        raise AmbassadorError(N_("Only the invited customer can answer this invitation."))
    if candidate.state != State.INVITED:
        raise AmbassadorError(N_("This invitation is %(state)s; there is nothing to answer."),
                              state=candidate.state.label.lower())
    _move(candidate, State.ACCEPTED if accept else State.DECLINED)
    candidate.answered_at = utcnow()
    db.session.flush()


def withdraw(candidate: Candidate) -> None:
    _move(candidate, State.WITHDRAWN)
    db.session.flush()


def _notify(candidate: Candidate, url: str | None) -> None:
    """In-site notification, and an e-mail as the customer's notification settings say."""
    company = candidate.company or db.session.get(Company, candidate.company_id)
    events.ambassador_invited.send(candidate, company=company, url=url or INVITATIONS_PATH)


@dataclass
class ShortlistEntry:
    candidate: Candidate
    name: str
    email: str | None
    opted_in: bool
    total: float | None


def shortlist(company: Company) -> list[ShortlistEntry]:
    """The company's shortlist with each customer's all-time score, in one query."""
    score = aliased(ContributionScore)
    found = db.session.execute(
        sa.select(Candidate, User.name, contact_email(), User.contact_opt_in, score.total)
        .join(User, User.id == Candidate.user_id)
        .outerjoin(score, sa.and_(score.company_id == Candidate.company_id, score.user_id == Candidate.user_id,
                                  score.product_id == ALL_PRODUCTS, score.period_days == 0))
        .where(Candidate.company_id == company.id)
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
    ).all()
    return [ShortlistEntry(c, name, email, opted_in, total) for c, name, email, opted_in, total in found]


def entry(candidate: Candidate) -> ShortlistEntry:
    return next(e for e in shortlist(candidate.company) if e.candidate.id == candidate.id)


def invitations_of(user: User) -> list[Candidate]:
    """What the customer can see: invitations sent to them (never the internal shortlist)."""
    return list(db.session.scalars(
        sa.select(Candidate).where(Candidate.user_id == user.id, Candidate.invited_at.is_not(None))
        .options(sa.orm.joinedload(Candidate.company))
        .order_by(Candidate.invited_at.desc())
    ))


def ambassador_of(user_id: int | None) -> list[Company]:
    """The companies whose ambassador the user is, memoised for the request."""
    if user_id is None:
        return []
    cache = g.setdefault("_ambassador_of", {})
    if user_id not in cache:
        cache[user_id] = list(db.session.scalars(
            sa.select(Company).join(Candidate, Candidate.company_id == Company.id)
            .where(Candidate.user_id == user_id, Candidate.state == State.ACCEPTED).order_by(Company.name)))
    return cache[user_id]


def is_ambassador(user_id: int | None, company_id: int) -> bool:
    return any(c.id == company_id for c in ambassador_of(user_id))


def ambassador_ids(company_id: int) -> frozenset[int]:
    """The company's accepted ambassadors, one query per request (for badges next to many names)."""
    cache = g.setdefault("_ambassador_ids", {})
    if company_id not in cache:
        cache[company_id] = frozenset(db.session.scalars(sa.select(Candidate.user_id).where(
            Candidate.company_id == company_id, Candidate.state == State.ACCEPTED)))
    return cache[company_id]


# --- CSV export --------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ["Name", "E-mail", "State", "Score (all time)", "Note", "Shortlisted on", "Invited on"]


def csv_cell(value) -> str:
    """Text for a spreadsheet cell; a leading = + - @ (a formula to Excel) gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def shortlist_csv(company: Company) -> tuple[str, int]:
    """The shortlist as CSV text (with a BOM, so Excel reads UTF-8) and how many were left out.

    Only customers who agreed to be contacted are exported; the others are left out entirely.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    left_out = 0
    for e in shortlist(company):
        if not e.opted_in or e.email is None:
            left_out += 1
            continue
        c = e.candidate
        writer.writerow([csv_cell(v) for v in (
            e.name, e.email, c.state.english_label, points(e.total or 0.0), c.note, c.created_at.date().isoformat(),
            c.invited_at.date().isoformat() if c.invited_at else "")])
    return buffer.getvalue(), left_out


def left_out_of_export(entries: Sequence[ShortlistEntry]) -> int:
    return sum(1 for e in entries if not e.opted_in)
