"""The leaderboard: contribution scores read back a page at a time, with a readable breakdown (the formula:
scores.py)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from cocreate import numbers
from cocreate.ambassadors.models import Candidate, ContributionScore, ScoreRun, State
from cocreate.ambassadors.scores import ALL_PRODUCTS, KINDS
from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db
from cocreate.i18n import _l, ngettext
from cocreate.memo import Memo
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


def breakdown(score: ContributionScore | sa.Row) -> list[str]:
    """What a score is made of, in words: ["3 ideas (9 pts)", "1 shipped (25 pts)", …]."""
    parts = []
    for name in KINDS:
        count = getattr(score, f"{name}_n")
        if count:
            parts.append(LABELS[name](count, shown_points(getattr(score, f"{name}_pts"))))
    return parts


class ScoreCells(NamedTuple):
    """A row's cells that come from the score run (rank; score, breakdown, products), rendered once per run."""
    rank: Markup
    scores: Markup


@dataclass
class BoardRow:
    rank: int
    user_id: int
    name: str
    email: str | None  # None unless the customer agreed to be contacted
    opted_in: bool
    score: sa.Row  # a BOARD_ROW: the score's columns
    state: State | None = None
    joined: datetime | None = None  # with the id, tells apart customers with the same display name
    cells: ScoreCells | None = None

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
    company_id: int = 0
    product_id: int = ALL_PRODUCTS
    period: int = 0

    @property
    def live(self) -> tuple:
        """What the rows show that is not the score run's: who is on the page, as they are now (the key of the
        rows kept by ambassadors/board.html, with the run's stamp and the selection)."""
        return tuple((row.user_id, row.rank, row.name, row.joined, row.opted_in, row.email, row.state)
                     for row in self.rows)

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


# A page of the board as plain rows (no entities), built once: the score's columns, and the customer's name and
# consent as they are now (consent may change between score runs: it is never cached).
BOARD_ROW = (
    sa.select(ContributionScore.rank, ContributionScore.user_id, ContributionScore.total,
              *[getattr(ContributionScore, f"{kind}_{part}") for kind in KINDS for part in ("n", "pts")],
              User.name, contact_email().label("email"), User.contact_opt_in.label("opted_in"),
              User.created_at.label("joined"))
    .join(User, User.id == ContributionScore.user_id)
)
ORDERS: dict[str, tuple[sa.UnaryExpression, ...]] = {
    "score": (ContributionScore.total.desc(),),
    "recent": (ContributionScore.last_active_at.desc(),),
    "ideas": (ContributionScore.ideas_n.desc(), ContributionScore.total.desc()),
    "shipped": (ContributionScore.shipped_n.desc(), ContributionScore.total.desc()),
}


def leaderboard(company: Company, *, product_id: int = ALL_PRODUCTS, period: int = 0, sort: str = "score",
                page: int = 1, per_page: int = PER_PAGE, opted_in_only: bool = False) -> Board:
    """One page of the company's ranked customers (plain rows with their shortlist state), in three queries
    whatever the page size. `score_cells` adds the cells rendered once per score run."""
    selection = {"company": company.id, "product": product_id, "period": period}
    run = db.session.execute(_RUN, selection).first()
    if opted_in_only:  # consent changes between refreshes: count it live
        total = db.session.execute(_OPTED_IN_TOTAL, selection).scalar_one()
    else:
        total = run.counts.get(f"{product_id}:{period}", 0) if run else 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    sort = sort if sort in ORDERS else "score"
    found = db.session.execute(_PAGES[sort, opted_in_only],
                               {**selection, "limit": per_page, "offset": (page - 1) * per_page}).all()
    rows = [BoardRow(rank=r.rank, user_id=r.user_id, name=r.name, email=r.email, opted_in=r.opted_in, score=r,
                     joined=r.joined) for r in found]
    if rows:
        states = dict(db.session.execute(_STATES, {"company": company.id,
                                                   "ids": [row.user_id for row in rows]}).all())
        for row in rows:
            row.state = states.get(row.user_id)
    return Board(rows=rows, total=total, page=page, per_page=per_page, computed_at=run.computed_at if run else None,
                 company_id=company.id, product_id=product_id, period=period)


# The board's statements, built once with bind parameters (building one cost as much as running it): the score
# run, a page of each order with or without the consent filter, the live count of those who agreed, the states.
_SELECTION = (ContributionScore.company_id == sa.bindparam("company"),
              ContributionScore.product_id == sa.bindparam("product"),
              ContributionScore.period_days == sa.bindparam("period"))
_RUN = sa.select(ScoreRun.computed_at, ScoreRun.counts).where(ScoreRun.company_id == sa.bindparam("company"))
_OPTED_IN_TOTAL = (sa.select(sa.func.count()).select_from(ContributionScore)
                   .join(User, User.id == ContributionScore.user_id)
                   .where(*_SELECTION, User.contact_opt_in.is_(True)))
# Ties in the order go by user id, descending: with the score index (company, product, period, total, user_id)
# read backwards, PostgreSQL takes the first page straight from the index, with no sort.
_PAGES = {
    (sort, opted_in_only): BOARD_ROW.where(*_SELECTION, *([User.contact_opt_in.is_(True)] if opted_in_only else []))
    .order_by(*order, ContributionScore.user_id.desc()).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    for sort, order in ORDERS.items() for opted_in_only in (False, True)
}
_STATES = sa.select(Candidate.user_id, Candidate.state).where(
    Candidate.company_id == sa.bindparam("company"), Candidate.user_id.in_(sa.bindparam("ids", expanding=True)))


# The score cells of a row depend only on the score run (its stamp), the selection, the language and the names of
# the company's products: rendered once and kept (cocreate.memo), so a page view renders only the live cells.
CELLS = Memo(20_000)


def score_cells(board: Board, products: Sequence[Product]) -> None:
    """Put on each row its score cells: from memory, else rendered now (one query for the products every missing
    row contributed to, whatever their number)."""
    locale = str(get_locale())
    names = tuple((p.id, p.name) for p in products)
    keys = {row.user_id: ("board", locale, board.company_id, board.computed_at, board.product_id, board.period,
                          names, row.user_id) for row in board.rows}
    missing = [row.user_id for row in board.rows if keys[row.user_id] not in CELLS]
    contributed: dict[int, list[str]] = defaultdict(list)
    if missing:
        by_id = dict(names)
        for user_id, product_id in db.session.execute(
            sa.select(ContributionScore.user_id, ContributionScore.product_id)
            .where(ContributionScore.company_id == board.company_id, ContributionScore.period_days == board.period,
                   ContributionScore.product_id != ALL_PRODUCTS, ContributionScore.user_id.in_(missing))
        ):
            if product_id in by_id:
                contributed[user_id].append(by_id[product_id])
    macros: Any = current_app.jinja_env.get_template("ambassadors/_score_cells.html").module  # its two macros
    for row in board.rows:
        row.cells = CELLS.get(keys[row.user_id], lambda row=row: ScoreCells(  # type: ignore[misc]
            Markup(macros.rank(row)),  # noqa: S704 - rendered by Jinja with autoescape  # nosec B704
            Markup(macros.scores(row, sorted(contributed[row.user_id])))))  # noqa: S704  # nosec B704


def company_products(company: Company) -> list[Product]:
    return list(db.session.scalars(_PRODUCTS, {"company": company.id}))


_PRODUCTS = sa.select(Product).where(Product.company_id == sa.bindparam("company")).order_by(Product.name)
