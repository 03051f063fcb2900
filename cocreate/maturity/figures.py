"""Maturity figures and the stage rule (see MATURITY.md), as plain pure functions.

Scores are 1-5; every grade is on the 10-point scale (2 x mean). Derived figures are rounded to
6 decimals so that a value that is mathematically exactly on a threshold (e.g. a lower bound of
7.0) meets it despite float noise; comparisons round both sides the same way.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

STAGES = ("Prototype", "Below par", "Good enough", "Good", "Excellent")
PROTOTYPE, BELOW_PAR, GOOD_ENOUGH, GOOD, EXCELLENT = STAGES
_PLACES = 6


@dataclass(frozen=True)
class Thresholds:
    """Stage thresholds; defaults from MATURITY.md, a company may override any of them."""

    min_raters: int = 10
    good_enough: float = 7.0
    good: float = 8.0
    good_weakest: float = 7.0
    excellent: float = 9.0
    excellent_weakest: float = 8.0
    promises_kept: float = 0.9
    response_hours: float = 48.0
    blind_spot_gap: float = 2.0
    min_touchpoint_ratings: int = 3
    top_ideas: int = 5


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Rating:
    """One customer's rating of one version; skipped touchpoints are absent from ``scores``."""

    rater_id: int
    scores: Mapping[int, int]
    expected: int | None = None
    returning: bool = False


@dataclass(frozen=True)
class Promise:
    """A promised delivery date of an idea and when it actually shipped (None = not yet)."""

    promised_on: date
    shipped_on: date | None


@dataclass(frozen=True)
class TopIdea:
    """One of the most-voted open ideas."""

    idea_id: int
    title: str
    votes: int
    has_official_response: bool


@dataclass(frozen=True)
class TouchpointGrade:
    """Customers' and the team's grade of one touchpoint; ``gap`` is self - customers."""

    touchpoint_id: int
    name: str
    grade: float | None
    n: int
    self_grade: float | None
    gap: float | None
    blind_spot: bool


@dataclass(frozen=True)
class Figures:
    """Every figure of one product's current version."""

    raters: int
    grade: float | None
    lower: float | None
    touchpoints: list[TouchpointGrade]
    weakest: TouchpointGrade | None
    gap_first: float | None
    gap_returning: float | None
    promises_kept: float | None
    promises_due: int
    median_response_hours: float | None
    top_ideas: list[TopIdea]
    unanswered_top_ideas: int


@dataclass(frozen=True)
class Verdict:
    """The stage reached and, in words with numbers, what blocks the next one."""

    stage: str
    blockers: list[str]


def _r(x: float) -> float:
    return round(x, _PLACES)


def _meets(value: float, needed: float) -> bool:
    return _r(value) >= _r(needed)


def grade(scores: Iterable[int]) -> float | None:
    """2 x the mean of 1-5 scores; None when there are none."""
    values = list(scores)
    return 2 * statistics.fmean(values) if values else None


def rater_grade(rating: Rating) -> float | None:
    """One rater's grade over the touchpoints they scored; None when they skipped all."""
    return grade(rating.scores.values())


def lower_bound(grades: Sequence[float]) -> float | None:
    """mean - s / sqrt(n) of the raters' grades; None when n < 2 (the sample sd is undefined)."""
    if len(grades) < 2:
        return None
    return _r(statistics.fmean(grades) - statistics.stdev(grades) / math.sqrt(len(grades)))


def touchpoint_grades(
    ratings: Iterable[Rating],
    touchpoints: Sequence[tuple[int, str]],
    self_scores: Mapping[int, int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[TouchpointGrade]:
    """Customers' vs self grade per touchpoint, in the given order.

    A blind spot is a gap (self - customers) >= ``blind_spot_gap``: the team rates itself higher.
    Scores for touchpoints not in ``touchpoints`` are ignored.
    """
    ratings = list(ratings)
    result = []
    for tp_id, name in touchpoints:
        scores = [r.scores[tp_id] for r in ratings if tp_id in r.scores]
        customers = grade(scores)
        own = self_scores.get(tp_id)
        self_grade = None if own is None else 2.0 * own
        gap = None if customers is None or self_grade is None else _r(self_grade - customers)
        blind = gap is not None and _meets(gap, thresholds.blind_spot_gap)
        result.append(TouchpointGrade(tp_id, name, customers, len(scores), self_grade, gap, blind))
    return result


def weakest_touchpoint(
    tps: Iterable[TouchpointGrade], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> TouchpointGrade | None:
    """Lowest-graded touchpoint with >= ``min_touchpoint_ratings`` ratings (first one on a tie)."""
    eligible = [t for t in tps if t.grade is not None and t.n >= thresholds.min_touchpoint_ratings]
    return min(eligible, key=lambda t: t.grade or 0.0, default=None)


def _expectation_gap(ratings: Iterable[Rating]) -> float | None:
    pairs = [
        (g, 2 * r.expected) for r in ratings if r.expected is not None and (g := rater_grade(r)) is not None
    ]
    if not pairs:
        return None
    return _r(statistics.fmean(g for g, _ in pairs) - statistics.fmean(e for _, e in pairs))


def expectation_gaps(ratings: Iterable[Rating]) -> tuple[float | None, float | None]:
    """(first-time, returning) mean experienced - mean expected, on the 10 scale.

    Only raters who gave an expected score and scored at least one touchpoint count.
    """
    ratings = list(ratings)
    return (
        _expectation_gap(r for r in ratings if not r.returning),
        _expectation_gap(r for r in ratings if r.returning),
    )


def promises_kept(promises: Iterable[Promise], today: date) -> tuple[float | None, int]:
    """(share kept, number due). Due = shipped, or unshipped with its date passed (< today).

    Kept = shipped on or before the promised date. Share is None when nothing is due.
    """
    due = [p for p in promises if p.shipped_on is not None or p.promised_on < today]
    if not due:
        return None, 0
    kept = sum(1 for p in due if p.shipped_on is not None and p.shipped_on <= p.promised_on)
    return _r(kept / len(due)), len(due)


def median_hours(durations: Iterable[timedelta]) -> float | None:
    """Median of the durations in hours; None when there are none."""
    hours = [d.total_seconds() / 3600 for d in durations]
    return _r(statistics.median(hours)) if hours else None


def compute(
    ratings: Iterable[Rating],
    touchpoints: Sequence[tuple[int, str]],
    self_scores: Mapping[int, int],
    promises: Iterable[Promise],
    response_times: Iterable[timedelta],
    top_ideas: Iterable[TopIdea],
    today: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Figures:
    """All figures of one version. ``top_ideas`` (already the top open ones) is passed through.

    One rating per rater counts (the last one given for a rater id). A rater who skipped every
    touchpoint gave no grade and is not counted among ``raters``.
    """
    unique = list({r.rater_id: r for r in ratings}.values())
    grades = [g for r in unique if (g := rater_grade(r)) is not None]
    tps = touchpoint_grades(unique, touchpoints, self_scores, thresholds)
    gap_first, gap_returning = expectation_gaps(unique)
    kept, due = promises_kept(promises, today)
    ideas = list(top_ideas)
    return Figures(
        raters=len(grades),
        grade=_r(statistics.fmean(grades)) if grades else None,
        lower=lower_bound(grades),
        touchpoints=tps,
        weakest=weakest_touchpoint(tps, thresholds),
        gap_first=gap_first,
        gap_returning=gap_returning,
        promises_kept=kept,
        promises_due=due,
        median_response_hours=median_hours(response_times),
        top_ideas=ideas,
        unanswered_top_ideas=sum(1 for i in ideas if not i.has_official_response),
    )


def _down(x: float) -> str:
    """One decimal, truncated down, so a failing value never displays as the threshold."""
    return f"{math.floor(round(x * 10, _PLACES)) / 10:.1f}"


def _up_hours(x: float) -> str:
    return f"{math.ceil(round(x * 10, _PLACES)) / 10:.1f}".removesuffix(".0")


def _raters_blockers(fig: Figures, t: Thresholds) -> list[str]:
    missing = t.min_raters - fig.raters
    if missing <= 0:
        return []
    return [f"needs {missing} more rater{'s' * (missing != 1)} ({fig.raters} of {t.min_raters})"]


def _lower_blockers(fig: Figures, needed: float) -> list[str]:
    if fig.lower is None:
        return [f"no lower bound yet: needs at least 2 raters ({fig.raters} so far)"]
    return [] if _meets(fig.lower, needed) else [f"lower bound {_down(fig.lower)}, needs {needed:.1f}"]


def _weakest_blockers(fig: Figures, needed: float, t: Thresholds) -> list[str]:
    w = fig.weakest
    if w is None or w.grade is None:
        return [f"no touchpoint has {t.min_touchpoint_ratings} ratings yet"]
    return [] if _meets(w.grade, needed) else [f"{w.name} {_down(w.grade)}, needs {needed:.1f}"]


def _excellent_extra_blockers(fig: Figures, t: Thresholds) -> list[str]:
    out = []
    share = fig.promises_kept
    if share is not None and not _meets(share, t.promises_kept):
        kept = round(share * fig.promises_due)
        pct = math.floor(round(share * 100, _PLACES))
        out.append(f"promises kept {pct} % ({kept} of {fig.promises_due}), needs {t.promises_kept * 100:g} %")
    hours = fig.median_response_hours
    if hours is None:
        out.append("no team responses yet")
    elif _r(hours) > _r(t.response_hours):
        out.append(f"median first response {_up_hours(hours)} h, needs ≤ {t.response_hours:g} h")
    if n := fig.unanswered_top_ideas:
        verb = "has" if n == 1 else "have"
        out.append(f"{n} of {len(fig.top_ideas)} top ideas {verb} no official response")
    return out


def stage(fig: Figures, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Verdict:
    """The highest stage whose rules all hold, and the blockers of the next stage up.

    Stages form a ladder: each also requires the rules of the stages below it (the same as the
    table with default thresholds; keeps odd custom thresholds sane). A rule holds when it yields
    no blocker. Decisions beyond the table:
    - no lower bound (fewer than 2 raters, only possible with min_raters < 2): Below par;
    - no touchpoint with enough ratings: the weakest-touchpoint rule does not hold;
    - no promise due: the promises rule holds (the table's "when any promise exists");
    - no team response data at all: Excellent is NOT reached ("no team responses yet") -
      responsiveness to the community must be shown, not assumed.
    """
    t = thresholds
    ladder = [
        (BELOW_PAR, _raters_blockers(fig, t)),
        (GOOD_ENOUGH, _lower_blockers(fig, t.good_enough)),
        (GOOD, _lower_blockers(fig, t.good) + _weakest_blockers(fig, t.good_weakest, t)),
        (
            EXCELLENT,
            _lower_blockers(fig, t.excellent)
            + _weakest_blockers(fig, t.excellent_weakest, t)
            + _excellent_extra_blockers(fig, t),
        ),
    ]
    reached = PROTOTYPE
    for name, blockers in ladder:
        if blockers:
            return Verdict(reached, blockers)
        reached = name
    return Verdict(reached, [])


def trend(current: float | None, previous: float | None) -> str:
    """Against the previous grade: "up", "down", "flat" (|diff| < 0.05), "new" (either is None)."""
    if current is None or previous is None:
        return "new"
    diff = _r(current - previous)
    if abs(diff) < 0.05:
        return "flat"
    return "up" if diff > 0 else "down"
