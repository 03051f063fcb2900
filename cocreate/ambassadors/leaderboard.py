"""The leaderboard: contribution scores read back a page at a time, with a readable breakdown (the formula:
scores.py)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from cocreate import numbers
from cocreate.ambassadors.models import Candidate, ContributionScore, ScoreRun, State
from cocreate.ambassadors.scores import ALL_PRODUCTS, KINDS
from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db
from cocreate.i18n import _l, ngettext
from cocreate.products.models import Product

SORTS = {"score": _l("Score"), "recent": _l("Recently active"), "ideas": _l("Most ideas"),
         "shipped": _l("Most shipped")}
PER_PAGE = 25


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
    """Points for the CSV export: "41.8", the same figure the leaderboard shows (cocreate.numbers.points)."""
    return numbers.points(value, machine=True)


def shown_points(value: float) -> str:
    """Points for people: "12.5" in English, "12,5" in Dutch and Italian (cocreate.numbers.points)."""
    return numbers.points(value)


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
