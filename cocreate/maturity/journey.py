"""The journey, side by side: a heat map of touchpoints x versions, from stored cell tallies.

Each cell is one touchpoint on one version, for all raters, first-time or returning raters: the grade (2 x the mean
score), its lower bound and the number of raters (``figures.cell_figures``), coloured by the stage band its lower
bound reaches (``figures.cell_band``) and named in words too, so it reads without colour. The team's
self-assessment is the optional second layer: its grade in each cell and the blind spots where it runs ahead.

The tallies (``CellTally``: n, sum and sum of squares of the counted scores, per version, touchpoint and
first-time/returning) move with every rating through ``stored.move`` (``move_cells``), are rebuilt with the other
sums, and ``flask maturity verify`` compares them with the ratings (``differences``). A page view reads them, one
query, and computes nothing from ratings.

Touchpoints follow the customer's journey: each may carry a journey stage (``STAGES``), and the map orders them
by stage, then by their own order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from cocreate.database import add_to
from cocreate.extensions import db
from cocreate.i18n import _l
from cocreate.maturity import figures
from cocreate.maturity.models import CellTally, Rating, RatingScore, SelfScore
from cocreate.products.models import Product, Touchpoint, Version
from cocreate.refusal import N_, Refused

if TYPE_CHECKING:
    from cocreate.maturity.stored import Contribution

# The stages of a customer's journey, in order; a touchpoint without one comes last.
STAGES = {
    "first_contact": _l("First contact"),
    "offer": _l("Offer"),
    "order": _l("Order"),
    "delivery": _l("Delivery"),
    "after_sales": _l("After-sales"),
    "support": _l("Support"),
}
GROUPS = ("all", "first", "returning")
VERSIONS_SHOWN = 8  # the newest versions side by side; older ones are on the maturity page's history

Key = tuple[int, int, bool]  # version, touchpoint, returning
Sums = tuple[int, int, int]  # n, total, squares


# --------------------------------------------------------------------------- the tallies

def _parts(part: Contribution | None, sign: int) -> dict[Key, Sums]:
    if part is None:
        return {}
    return {(0, tp_id, part.returning): (sign, sign * score, sign * score * score)
            for tp_id, score in part.scores.items()}


def move_cells(version_id: int, before: Contribution | None, after: Contribution | None) -> None:
    """Take ``before``'s scores out of the version's cells and put ``after``'s in (called by ``stored.move``)."""
    delta: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for parts in (_parts(before, -1), _parts(after, 1)):
        for key, values in parts.items():
            for i, value in enumerate(values):
                delta[key][i] += value
    add_to(CellTally.__table__, [  # one statement for every cell the rating moves
        {"version_id": version_id, "touchpoint_id": tp_id, "is_returning": returning, "n": n, "total": total,
         "squares": squares}
        for (_, tp_id, returning), (n, total, squares) in sorted(delta.items()) if not n == total == squares == 0])


def raw_cells(version_ids: Sequence[int]) -> dict[Key, Sums]:
    """The cells counted from the ratings that count (``stored.counted_ratings``), one query."""
    from cocreate.maturity.stored import counted_ratings

    if not version_ids:
        return {}
    return {(v, tp, bool(r)): (n, int(total), int(squares)) for v, tp, r, n, total, squares in db.session.execute(
        sa.select(Rating.version_id, RatingScore.touchpoint_id, Rating.returning, sa.func.count(),
                  sa.func.sum(RatingScore.score), sa.func.sum(RatingScore.score * RatingScore.score))
        .join(Rating, Rating.id == RatingScore.rating_id)
        .where(Rating.version_id.in_(version_ids), counted_ratings())
        .group_by(Rating.version_id, RatingScore.touchpoint_id, Rating.returning))}


def stored_cells(version_ids: Sequence[int]) -> dict[Key, Sums]:
    if not version_ids:
        return {}
    return {(v, tp, bool(r)): (n, total, squares) for v, tp, r, n, total, squares in db.session.execute(
        sa.select(CellTally.version_id, CellTally.touchpoint_id, CellTally.returning, CellTally.n, CellTally.total,
                  CellTally.squares).where(CellTally.version_id.in_(version_ids), CellTally.n != 0))}


def rebuild_cells(version_ids: Sequence[int]) -> None:
    """The versions' cells counted again from their ratings (with ``stored.rebuild``)."""
    if not version_ids:
        return
    db.session.execute(sa.delete(CellTally).where(CellTally.version_id.in_(version_ids)))
    db.session.add_all(CellTally(version_id=v, touchpoint_id=tp, returning=r, n=n, total=total, squares=squares)
                       for (v, tp, r), (n, total, squares) in raw_cells(version_ids).items())
    db.session.flush()


def differences(version_ids: Sequence[int], names: Mapping[int, str]) -> list[str]:
    """Cells whose stored tallies disagree with the ratings (for ``flask maturity verify``)."""
    stored, raw = stored_cells(version_ids), raw_cells(version_ids)
    return [f"{names.get(key[0], key[0])}: journey cell (touchpoint {key[1]}, "
            f"{'returning' if key[2] else 'first-time'}) stored {stored.get(key)} but the ratings give {raw.get(key)}"
            for key in sorted(set(stored) | set(raw)) if stored.get(key) != raw.get(key)]


# --------------------------------------------------------------------------- the map

@dataclass(frozen=True)
class Cell:
    raters: int
    grade: float | None
    lower: float | None
    band: str                  # figures.cell_band: excellent, good, good-enough, below, or few
    self_grade: float | None   # the team's grade of this touchpoint on this version, when it has one
    blind_spot: bool           # the team's grade runs ahead of the customers' by the blind-spot gap or more


@dataclass(frozen=True)
class Row:
    touchpoint: Touchpoint
    stage: str | None
    cells: list[Cell]


@dataclass(frozen=True)
class Heatmap:
    versions: list[Version]
    rows: list[Row]
    group: str

    @property
    def staged(self) -> bool:
        return any(row.stage for row in self.rows)


def journey_order(touchpoints: Iterable[Touchpoint]) -> list[Touchpoint]:
    """Touchpoints by journey stage (none last), then by their own order."""
    rank = {stage: i for i, stage in enumerate(STAGES)}
    return sorted(touchpoints, key=lambda t: (rank.get(t.journey_stage or "", len(rank)), t.position, t.id))


def heatmap(product: Product, group: str = "all", thresholds: figures.Thresholds = figures.DEFAULT_THRESHOLDS,
            today=None) -> Heatmap:
    """The product's active touchpoints x its newest released versions (oldest left), for ``group``'s raters;
    two queries (cells, self-scores)."""
    today = today or date.today()
    group = group if group in GROUPS else "all"
    versions = sorted((v for v in product.versions if v.released_on <= today), key=lambda v: (v.released_on, v.id))
    versions = versions[-VERSIONS_SHOWN:]
    ids = [v.id for v in versions]
    cells = stored_cells(ids)
    own = {(v, tp): score for v, tp, score in db.session.execute(
        sa.select(SelfScore.version_id, SelfScore.touchpoint_id, SelfScore.score)
        .where(SelfScore.version_id.in_(ids)))} if ids else {}
    wanted = {"all": (False, True), "first": (False,), "returning": (True,)}[group]
    rows = []
    for tp in journey_order(t for t in product.touchpoints if t.active):
        row = []
        for version in versions:
            n = total = squares = 0
            for returning in wanted:
                dn, dt, ds = cells.get((version.id, tp.id, returning), (0, 0, 0))
                n, total, squares = n + dn, total + dt, squares + ds
            grade, lower = figures.cell_figures(n, total, squares)
            score = own.get((version.id, tp.id))
            self_grade = None if score is None else 2.0 * score
            _gap, blind = figures.self_gap(self_grade, grade, thresholds)
            row.append(Cell(n, grade, lower, figures.cell_band(lower, n, thresholds), self_grade, blind))
        rows.append(Row(tp, tp.journey_stage if tp.journey_stage in STAGES else None, row))
    return Heatmap(versions, rows, group)


def set_stages(product: Product, stages: Mapping[int, str | None]) -> None:
    """The journey stage of each of the product's touchpoints (None: no stage); unknown ones are refused."""
    own = {t.id: t for t in product.touchpoints}
    if any(tp_id not in own for tp_id in stages) or any(s is not None and s not in STAGES for s in stages.values()):
        raise Refused(N_("Choose a stage from the list for touchpoints of this product."))
    for tp_id, stage in stages.items():
        own[tp_id].journey_stage = stage
    db.session.flush()
