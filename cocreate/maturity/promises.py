"""Promises and response times per product and per company, in a fixed number of queries.

The shares and medians come from cocreate/maturity/figures.py (the board uses the same rules):
- promises kept: of the promises that are due (shipped, or promised_on < today), the share shipped on
  or before the promised date (``figures.promises_kept``). A promise is every date an idea was ever given
  (its status history and its current date, ``given``): moving a date later does not unmake the first
  promise, which is broken if its day passes unshipped — broken promises stay on the record (the ledger);
- response time: ``first_response_at - created_at`` of the ideas the team has answered; the ideas
  still waiting are listed apart, longest first, with the time they have waited so far.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from cocreate.extensions import db, utcnow
from cocreate.ideas.models import CLOSED, Idea, Status, StatusChange
from cocreate.maturity import figures
from cocreate.products.models import Product

WAITING_SHOWN = 10
LEDGER_PAGE = 50


def given(product_ids: Sequence[int]) -> sa.Subquery:
    """Every promise the products' ideas were given, one row per (idea, date): the idea's current promised date
    and each date its status history set. Columns product_id, idea_id, promised_on, shipped_on (the idea's)."""
    current = (sa.select(Idea.product_id, Idea.id.label("idea_id"), Idea.promised_on.label("promised_on"),
                         Idea.shipped_on)
               .where(Idea.product_id.in_(product_ids), Idea.promised_on.is_not(None)))
    history = (sa.select(Idea.product_id, Idea.id.label("idea_id"), StatusChange.promised_on.label("promised_on"),
                         Idea.shipped_on)
               .join(StatusChange, StatusChange.idea_id == Idea.id)
               .where(Idea.product_id.in_(product_ids), StatusChange.promised_on.is_not(None)))
    return sa.union(current, history).subquery("given")


def promises_of(product_ids: Sequence[int]) -> dict[int, list[figures.Promise]]:
    """Each product's promises, as ``figures.promises_kept`` counts them (one query)."""
    result: dict[int, list[figures.Promise]] = defaultdict(list)
    if not product_ids:
        return result
    rows = given(product_ids)
    for product_id, promised_on, shipped_on in db.session.execute(
            sa.select(rows.c.product_id, rows.c.promised_on, rows.c.shipped_on)):
        result[product_id].append(figures.Promise(promised_on, shipped_on))
    return result


@dataclass(frozen=True)
class LedgerEntry:
    """One promise on a product's public ledger."""

    idea_id: int
    title: str
    promised_on: date
    made_at: datetime | None  # when the date was first given (None: before status history was kept)
    shipped_on: date | None
    moved_to: date | None     # the idea's promise now, when this date was replaced by another
    outcome: str              # kept, broken or open (figures.promise_outcome)
    days: int                 # early, late or left, by the outcome


def ledger_query(product: Product) -> tuple[sa.Select, tuple[sa.ColumnElement, sa.ColumnElement]]:
    """The product's promises as rows for ``entries_of``, unordered; and the columns of their order (the promised
    date, then the idea, both latest first)."""
    rows = given([product.id])
    made = (sa.select(sa.func.min(StatusChange.created_at))
            .where(StatusChange.idea_id == rows.c.idea_id, StatusChange.promised_on == rows.c.promised_on)
            .correlate(rows).scalar_subquery())
    statement = (sa.select(rows.c.idea_id, Idea.title, rows.c.promised_on, made, rows.c.shipped_on, Idea.promised_on)
                 .join(Idea, Idea.id == rows.c.idea_id))
    return statement, (rows.c.promised_on, rows.c.idea_id)


def entries_of(found: Iterable[Sequence], today: date | None = None) -> list[LedgerEntry]:
    """Rows of ``ledger_query`` as ledger entries, judged on ``today``."""
    today = today or utcnow().date()
    entries = []
    for idea_id, title, promised_on, made_at, shipped_on, now_promised in found:
        outcome, days = figures.promise_outcome(promised_on, shipped_on, today)
        moved = now_promised if now_promised is not None and now_promised != promised_on else None
        entries.append(LedgerEntry(idea_id, title, promised_on, made_at, shipped_on, moved, outcome, days))
    return entries


def ledger(product: Product, page: int = 1, today: date | None = None) -> tuple[list[LedgerEntry], bool]:
    """A page of the product's promises, latest promised date first; and whether another page follows."""
    statement, (promised_on, idea_id) = ledger_query(product)
    found = db.session.execute(statement.order_by(promised_on.desc(), idea_id.desc())
                               .limit(LEDGER_PAGE + 1).offset((page - 1) * LEDGER_PAGE)).all()
    return entries_of(found[:LEDGER_PAGE], today), len(found) > LEDGER_PAGE


def percentile_hours(durations: Iterable[timedelta], q: float) -> float | None:
    """The q-quantile (0..1) of the durations in hours, interpolated linearly between ranks."""
    hours = sorted(d.total_seconds() / 3600 for d in durations)
    if not hours:
        return None
    k = (len(hours) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return round(hours[lo] + (hours[hi] - hours[lo]) * (k - lo), 6)


@dataclass
class Report:
    """The figures of one product, or of a company's products together."""

    overdue: list[Idea] = field(default_factory=list)
    promises: list[figures.Promise] = field(default_factory=list)
    response_times: list[timedelta] = field(default_factory=list)
    waiting: list[Idea] = field(default_factory=list)
    today: date = field(default_factory=lambda: utcnow().date())

    @property
    def kept(self) -> float | None:
        return figures.promises_kept(self.promises, self.today)[0]

    @property
    def due(self) -> int:
        return figures.promises_kept(self.promises, self.today)[1]

    @property
    def median_hours(self) -> float | None:
        return figures.median_hours(self.response_times)

    @property
    def p90_hours(self) -> float | None:
        return percentile_hours(self.response_times, 0.9)

    @property
    def answered(self) -> int:
        return len(self.response_times)


def reports(products: Sequence[Product], today: date | None = None,
            now: datetime | None = None) -> dict[int, Report]:
    """Every product's report in four queries, whatever the number of products and ideas."""
    today = today or utcnow().date()
    now = now or utcnow()
    result = {p.id: Report(today=today) for p in products}
    ids = list(result)
    if not ids:
        return result
    for product_id, given_promises in promises_of(ids).items():
        result[product_id].promises = given_promises
    for idea in db.session.scalars(
        sa.select(Idea).where(Idea.product_id.in_(ids), Idea.promised_on < today, Idea.shipped_on.is_(None),
                              Idea.status.not_in([Status.SHIPPED, Status.DECLINED, Status.MERGED]))
        .order_by(Idea.promised_on, Idea.id)
    ):
        result[idea.product_id].overdue.append(idea)
    for product_id, created_at, first_response_at in db.session.execute(
        sa.select(Idea.product_id, Idea.created_at, Idea.first_response_at)
        .where(Idea.product_id.in_(ids), Idea.first_response_at.is_not(None))
    ):
        if first_response_at is not None:  # always, by the WHERE
            result[product_id].response_times.append(max(first_response_at - created_at, timedelta(0)))
    rank = sa.func.row_number().over(partition_by=Idea.product_id,
                                     order_by=(Idea.created_at, Idea.id)).label("rank")
    ranked = (sa.select(Idea.id, rank)
              .where(Idea.product_id.in_(ids), Idea.first_response_at.is_(None), Idea.status.not_in(CLOSED))
              .subquery())
    for idea in db.session.scalars(
        sa.select(Idea).join(ranked, ranked.c.id == Idea.id).where(ranked.c.rank <= WAITING_SHOWN)
        .options(joinedload(Idea.author)).order_by(Idea.created_at, Idea.id)
    ):
        result[idea.product_id].waiting.append(idea)
    return result


def combined(parts: Iterable[Report], today: date | None = None) -> Report:
    """A company's figures: all its products' promises and response times together."""
    total = Report(today=today or utcnow().date())
    for part in parts:
        total.overdue += part.overdue
        total.promises += part.promises
        total.response_times += part.response_times
        total.waiting += part.waiting
    total.overdue.sort(key=lambda i: (i.promised_on, i.id))
    total.waiting = sorted(total.waiting, key=lambda i: (i.created_at, i.id))[:WAITING_SHOWN]
    return total


def waited(idea: Idea, now: datetime | None = None) -> timedelta:
    return (now or utcnow()) - idea.created_at


def team_digest(products: Sequence[Product], since: datetime, today: date | None = None) -> dict[int, dict]:
    """Per product: new ideas since ``since``, the five most-voted unanswered, overdue promises."""
    today = today or utcnow().date()
    ids = [p.id for p in products]
    found: dict[int, dict] = {pid: {"new": [], "unanswered": [], "overdue": []} for pid in ids}
    if not ids:
        return found
    for idea in db.session.scalars(sa.select(Idea).where(Idea.product_id.in_(ids), Idea.created_at >= since,
                                                          Idea.status != Status.MERGED)
                                   .order_by(Idea.created_at.desc(), Idea.id.desc())):
        found[idea.product_id]["new"].append(idea)
    rank = sa.func.row_number().over(partition_by=Idea.product_id,
                                     order_by=(Idea.vote_count.desc(), Idea.id)).label("rank")
    ranked = (sa.select(Idea.id, rank)
              .where(Idea.product_id.in_(ids), Idea.first_response_at.is_(None), Idea.status.not_in(CLOSED))
              .subquery())
    for idea in db.session.scalars(sa.select(Idea).join(ranked, ranked.c.id == Idea.id)
                                   .where(ranked.c.rank <= 5).order_by(ranked.c.rank)):
        found[idea.product_id]["unanswered"].append(idea)
    overdue = reports(products, today)
    for pid in ids:
        found[pid]["overdue"] = overdue[pid].overdue
    return found


def group_by_company(products: Sequence[Product]) -> dict[int, list[Product]]:
    grouped: dict[int, list[Product]] = defaultdict(list)
    for product in products:
        grouped[product.company_id].append(product)
    return grouped
