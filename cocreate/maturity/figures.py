"""Maturity figures and the stage rule (see MATURITY.md), as plain pure functions.

Scores are 1-5; every grade is on the 10-point scale (2 x mean). Derived figures are rounded to
6 decimals so that a value that is mathematically exactly on a threshold (e.g. a lower bound of
7.0) meets it despite float noise; comparisons round both sides the same way.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from cocreate import numbers
from cocreate.i18n import _, _l, format_number, ngettext
from cocreate.products.touchpoint_names import localized

# English values: stored in the database, compared in code, used by the API. Pages show stage_label(stage).
STAGES = ("Prototype", "Below par", "Good enough", "Good", "Excellent")
PROTOTYPE, BELOW_PAR, GOOD_ENOUGH, GOOD, EXCELLENT = STAGES
_PLACES = 6

_STAGE_LABELS = {
    PROTOTYPE: _l("Prototype"),
    BELOW_PAR: _l("Below par"),
    GOOD_ENOUGH: _l("Good enough"),
    GOOD: _l("Good"),
    EXCELLENT: _l("Excellent"),
}


def stage_label(stage: str | None) -> str:
    """A stage's name in the language of the request (an unknown value is shown as it is)."""
    if stage is None:
        return ""
    label = _STAGE_LABELS.get(stage)
    return stage if label is None else str(label)


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
    # Excellent: no touchpoint where more than this share of raters felt a negative emotion (emotions.py) ...
    negative_share: float = 0.1
    # ... and no miss (misses.py) left unanswered for longer than this many hours.
    miss_response_hours: float = 24.0


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Rating:
    """One customer's rating of one version; skipped touchpoints are absent from ``scores``."""

    rater_id: int
    scores: Mapping[int, int]
    expected: int | None = None
    returning: bool = False
    # What they felt: emotion key per touchpoint id, emotions.WHOLE (0) for the whole version.
    emotions: Mapping[int, str] = field(default_factory=dict)


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
    # The name per language (Touchpoint.names), for the pages; not a figure, so equal grades compare equal.
    names: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # What the raters who named an emotion for this touchpoint felt (key -> raters), and the share negative.
    emotions: dict[str, int] = field(default_factory=dict, hash=False)
    negative_share: float | None = None


@dataclass(frozen=True)
class MissFact:
    """One miss (cocreate/misses): a customer rated a touchpoint 1-2, or two points below what they expected."""

    touchpoint_id: int
    opened_at: datetime
    first_answer_at: datetime | None
    closed_at: datetime | None
    score: int
    rerated_score: int | None  # their score of the touchpoint on the version the team named as the fix
    recovered_at: datetime | None


@dataclass(frozen=True)
class MissFigures:
    """The misses of a product (``touchpoint_id`` None) or of one of its touchpoints, at one moment."""

    touchpoint_id: int | None
    opened: int
    open: int
    unanswered_overdue: int
    median_answer_hours: float | None
    answered_within_hour: float | None
    recovered: float | None
    uplift: float | None


NO_MISSES = MissFigures(None, 0, 0, 0, None, None, None, None)


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
    # The emotion layer (emotions.py): what the raters felt about the version as a whole (key -> raters), the share
    # of delight and of negative emotions among them, and the same two shares on the previous version.
    emotions: dict[str, int] = field(default_factory=dict)
    delight_share: float | None = None
    negative_share: float | None = None
    previous_delight_share: float | None = None
    previous_negative_share: float | None = None
    previous_emotions: dict[str, int] = field(default_factory=dict)
    # Misses and their recovery (cocreate/misses), over every version: the product's, and per touchpoint.
    misses: MissFigures = NO_MISSES
    miss_touchpoints: list[MissFigures] = field(default_factory=list)


# Kinds of blocker: what keeps a product from the next stage.
RATERS, NO_LOWER, LOWER, NO_WEAKEST, WEAKEST, PROMISES, NO_RESPONSES, RESPONSE, TOP_IDEAS = (
    "raters", "no_lower", "lower", "no_weakest", "weakest", "promises", "no_responses", "response", "top_ideas")
NEGATIVE_EMOTIONS, UNANSWERED_MISSES = "negative_emotions", "unanswered_misses"


def _one_decimal(x: float) -> str:
    return numbers.grade(x, machine=True)


def _hours(x: float) -> str:
    return f"{numbers.hours_value(x):.1f}".removesuffix(".0")


_ENGLISH = {
    RATERS: lambda v: f"needs {v['missing']} more rater{'s' * (v['missing'] != 1)} ({v['raters']} of {v['needed']})",
    NO_LOWER: lambda v: f"no lower bound yet: needs at least 2 raters ({v['raters']} so far)",
    LOWER: lambda v: f"lower bound {_one_decimal(v['lower'])}, needs {_one_decimal(v['needed'])}",
    NO_WEAKEST: lambda v: f"no touchpoint has {v['ratings']} ratings yet",
    WEAKEST: lambda v: f"{v['touchpoint']} {_one_decimal(v['grade'])}, needs {_one_decimal(v['needed'])}",
    PROMISES: lambda v: (f"promises kept {v['percent']} % ({v['kept']} of {v['due']}), "
                         f"needs {v['needed']:g} %"),
    NO_RESPONSES: lambda v: "no team responses yet",
    RESPONSE: lambda v: f"median first response {_hours(v['hours'])} h, needs ≤ {v['needed']:g} h",
    TOP_IDEAS: lambda v: (f"{v['unanswered']} of {v['top']} top ideas "
                          f"{'has' if v['unanswered'] == 1 else 'have'} no official response"),
    NEGATIVE_EMOTIONS: lambda v: (f"{v['touchpoint']}: {v['percent']:g} % of raters felt {v['emotion']}, "
                                  f"needs ≤ {v['needed']:g} %"),
    UNANSWERED_MISSES: lambda v: (f"{v['misses']} miss{'es' * (v['misses'] != 1)} unanswered for more than "
                                  f"{v['hours']:g} h"),
}


@dataclass(frozen=True)
class Blocker:
    """One rule of the next stage that does not hold, as data: a kind and its numbers (already rounded
    the way they are shown). ``str()`` is the English sentence of the API and the recorded history;
    ``text()`` the same sentence in the language of the request, so the cached figures hold no words."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return _ENGLISH[self.kind](self.values)

    def text(self) -> str:
        v = self.values
        # Translators: what keeps a product from the next stage, on the board's cards; shown with a capital first
        # letter.
        if self.kind == RATERS:
            return ngettext("needs %(missing)s more rater (%(raters)s of %(needed)s)",
                            "needs %(missing)s more raters (%(raters)s of %(needed)s)", v["missing"],
                            missing=format_number(v["missing"]), raters=format_number(v["raters"]),
                            needed=format_number(v["needed"]))
        if self.kind == NO_LOWER:
            return _("no lower bound yet: needs at least 2 raters (%(raters)s so far)",
                     raters=format_number(v["raters"]))
        if self.kind == LOWER:
            return _("lower bound %(grade)s, needs %(needed)s", grade=numbers.grade(v["lower"]),
                     needed=numbers.grade(v["needed"]))
        if self.kind == NO_WEAKEST:
            return ngettext("no touchpoint has %(ratings)s rating yet", "no touchpoint has %(ratings)s ratings yet",
                            v["ratings"], ratings=format_number(v["ratings"]))
        if self.kind == WEAKEST:
            # Translators: a touchpoint's name, its grade, and the grade the next stage needs.
            return _("%(touchpoint)s %(grade)s, needs %(needed)s", touchpoint=localized({"name": v["touchpoint"],
                                                                       "names": v.get("names")}),
                     grade=numbers.grade(v["grade"]), needed=numbers.grade(v["needed"]))
        if self.kind == PROMISES:
            return _("promises kept %(percent)s %% (%(kept)s of %(due)s), needs %(needed)s %%",
                     percent=format_number(v["percent"]), kept=format_number(v["kept"]), due=format_number(v["due"]),
                     needed=format_number(v["needed"]))
        if self.kind == NO_RESPONSES:
            return _("no team responses yet")
        if self.kind == RESPONSE:
            return _("median first response %(hours)s h, needs ≤ %(needed)s h",
                     hours=format_number(numbers.hours_value(v["hours"])),
                     needed=format_number(v["needed"]))
        if self.kind == TOP_IDEAS:
            return ngettext("%(unanswered)s of %(top)s top ideas has no official response",
                            "%(unanswered)s of %(top)s top ideas have no official response", v["unanswered"],
                            unanswered=format_number(v["unanswered"]), top=format_number(v["top"]))
        if self.kind == NEGATIVE_EMOTIONS:
            from cocreate.maturity.emotions import BY_KEY

            found = BY_KEY.get(v["emotion"])
            # Translators: e.g. "Delivery: 30 % of raters felt dissatisfaction, needs ≤ 10 %"; the emotion is the
            # most named negative one.
            return _("%(touchpoint)s: %(percent)s %% of raters felt %(emotion)s, needs ≤ %(needed)s %%",
                     touchpoint=localized({"name": v["touchpoint"], "names": v.get("names")}),
                     percent=format_number(v["percent"]),
                     emotion=str(found.label).lower() if found else v["emotion"], needed=format_number(v["needed"]))
        if self.kind == UNANSWERED_MISSES:
            return ngettext("%(misses)s miss unanswered for more than %(hours)s h",
                            "%(misses)s misses unanswered for more than %(hours)s h", v["misses"],
                            misses=format_number(v["misses"]), hours=format_number(v["hours"]))
        return str(self)


@dataclass(frozen=True)
class Verdict:
    """The stage reached and what blocks the next one: ``blockers`` in English words with numbers (the API,
    the recorded history), ``reasons`` the same as data, for pages in any language (``Blocker.text()``)."""

    stage: str
    blockers: list[str]
    reasons: list[Blocker] = field(default_factory=list, compare=False)


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
    touchpoints: Sequence[tuple[int, str] | tuple[int, str, Mapping[str, str]]],
    self_scores: Mapping[int, int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[TouchpointGrade]:
    """Customers' vs self grade per touchpoint, in the given order.

    A blind spot is a gap (self - customers) >= ``blind_spot_gap``: the team rates itself higher.
    Scores for touchpoints not in ``touchpoints`` are ignored.
    """
    ratings = list(ratings)
    result = []
    for tp_id, name, *names in touchpoints:
        scores = [r.scores[tp_id] for r in ratings if tp_id in r.scores]
        customers = grade(scores)
        own = self_scores.get(tp_id)
        self_grade = None if own is None else 2.0 * own
        gap, blind = self_gap(self_grade, customers, thresholds)
        result.append(TouchpointGrade(tp_id, name, customers, len(scores), self_grade, gap, blind,
                                      dict(names[0]) if names else {}))
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


def cell_figures(n: int, total: int, squares: int) -> tuple[float | None, float | None]:
    """One heat-map cell from its tallies (n scores, their sum and sum of squares): (grade, lower bound), both on
    the 10-point scale like every grade. The grade is 2 x the mean score (None without scores); the lower bound is
    the grade less one standard error of the raters' grades, exactly as the product's (None under 2 scores)."""
    if n <= 0:
        return None, None
    grade = Fraction(2 * total, n)
    if n < 2:
        return _r(float(grade)), None
    variance = 4 * (Fraction(squares) - Fraction(total * total, n)) / (n - 1)  # of the grades (2 x score)
    return _r(float(grade)), _r(float(grade) - math.sqrt(max(variance, Fraction(0))) / math.sqrt(n))


def cell_band(lower: float | None, n: int, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The stage band a cell's lower bound reaches, for its colour and its word: "excellent", "good",
    "good-enough" or "below"; "few" under the touchpoint minimum of ratings (like the weakest-touchpoint rule)."""
    if lower is None or n < thresholds.min_touchpoint_ratings:
        return "few"
    for band, needed in (("excellent", thresholds.excellent), ("good", thresholds.good),
                         ("good-enough", thresholds.good_enough)):
        if _meets(lower, needed):
            return band
    return "below"


def self_gap(self_grade: float | None, customers: float | None,
             thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[float | None, bool]:
    """The team's grade of a touchpoint less its customers' (None without both), and whether that is a blind spot:
    the team grades it the blind-spot gap or more above its customers (the board's one rule, for every page)."""
    if self_grade is None or customers is None:
        return None, False
    gap = _r(self_grade - customers)
    return gap, _meets(gap, thresholds.blind_spot_gap)


def kept_count(share: float | None, due: int) -> int:
    """How many promises were kept, from the stored (share, due) of ``promises_kept``: exact, since the share is
    kept to six places and no product has a million promises."""
    return 0 if share is None else round(share * due)


def promise_reliability(kept: int, due: int) -> float | None:
    """A lower bound on the share of promises kept, as the grade has one: the Wilson score interval's lower end
    at one standard error (z = 1), so few promises prove little. 1 of 1 gives 0.5, 14 of 15 gives 0.838,
    0 due gives None. The badge shows it beside the plain count ("kept 14 of 15")."""
    if due <= 0:
        return None
    p, n, z2 = kept / due, due, 1.0
    centre = p + z2 / (2 * n)
    margin = math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return _r(max(0.0, (centre - margin) / (1 + z2 / n)))


def promise_outcome(promised_on: date, shipped_on: date | None, today: date) -> tuple[str, int]:
    """One promise on the ledger: ("kept", days early), ("broken", days late) or ("open", days left).

    The rule of ``promises_kept``: kept when shipped on or before the date; broken when shipped after it, or not
    shipped and the date has passed (late by the days since); open until then. A promise whose date was later
    moved keeps its own date: moving a date does not unmake the first promise."""
    if shipped_on is not None:
        if shipped_on <= promised_on:
            return "kept", (promised_on - shipped_on).days
        return "broken", (shipped_on - promised_on).days
    if promised_on < today:
        return "broken", (today - promised_on).days
    return "open", (promised_on - today).days


def median_hours(durations: Iterable[timedelta]) -> float | None:
    """Median of the durations in hours; None when there are none."""
    hours = [d.total_seconds() / 3600 for d in durations]
    return _r(statistics.median(hours)) if hours else None


# --------------------------------------------------------------------------- the emotion layer

def emotion_counts(picks: Iterable[str | None]) -> dict[str, int]:
    """How many raters named each emotion (None: named none), in the fixed order of emotions.EMOTIONS."""
    from cocreate.maturity.emotions import KEYS

    found: dict[str, int] = {}
    for key in picks:
        if key is not None:
            found[key] = found.get(key, 0) + 1
    return {key: found[key] for key in KEYS if found.get(key)}


def emotion_shares(counts: Mapping[str, int]) -> tuple[float | None, float | None]:
    """(share of delight, share of negative emotions) among the raters who named one; (None, None) when none did."""
    from cocreate.maturity.emotions import DELIGHT_KEYS, NEGATIVE_KEYS

    total = sum(counts.values())
    if not total:
        return None, None
    delight = sum(n for key, n in counts.items() if key in DELIGHT_KEYS)
    negative = sum(n for key, n in counts.items() if key in NEGATIVE_KEYS)
    return _r(delight / total), _r(negative / total)


def most_named_negative(counts: Mapping[str, int]) -> str | None:
    """The negative emotion named most often (the first in the fixed order on a tie); None without any."""
    from cocreate.maturity.emotions import KEYS, NEGATIVE_KEYS

    ranked = [(-counts.get(key, 0), KEYS.index(key), key) for key in NEGATIVE_KEYS if counts.get(key)]
    return min(ranked)[2] if ranked else None


def with_emotions(tp: TouchpointGrade, counts: Mapping[str, int]) -> TouchpointGrade:
    return replace(tp, emotions=dict(counts), negative_share=emotion_shares(counts)[1])


# --------------------------------------------------------------------------- misses and their recovery

def open_misses(misses: Iterable[MissFact]) -> int:
    """Misses not closed yet (answered or not)."""
    return sum(1 for m in misses if m.closed_at is None)


def median_answer_hours(misses: Iterable[MissFact]) -> float | None:
    """Median time from a miss to the team's first answer, in hours, over the answered misses; None when none is."""
    return median_hours(m.first_answer_at - m.opened_at for m in misses if m.first_answer_at is not None)


def answered_within_hour(misses: Iterable[MissFact], now: datetime) -> float | None:
    """Share of the misses answered within 60 minutes (exactly 60 counts). A miss younger than an hour and not
    answered yet is not counted (it may still make it); None when no miss counts."""
    hour = timedelta(hours=1)
    decided = [m for m in misses if m.first_answer_at is not None or now - m.opened_at > hour]
    if not decided:
        return None
    quick = sum(1 for m in decided if m.first_answer_at is not None and m.first_answer_at - m.opened_at <= hour)
    return _r(quick / len(decided))


def unanswered_overdue(misses: Iterable[MissFact], now: datetime, hours: float) -> int:
    """Misses nobody answered for longer than ``hours`` (exactly ``hours`` is not late yet)."""
    limit = timedelta(hours=hours)
    return sum(1 for m in misses if m.first_answer_at is None and now - m.opened_at > limit)


def share_recovered(misses: Iterable[MissFact]) -> float | None:
    """Of the misses the team closed (naming the version that fixes them), the share recovered: the customer's new
    score reached what they expected. None when none is closed."""
    closed = [m for m in misses if m.closed_at is not None]
    if not closed:
        return None
    return _r(sum(1 for m in closed if m.recovered_at is not None) / len(closed))


def recovery_uplift(misses: Iterable[MissFact]) -> float | None:
    """Mean gain, in grade points (2 x the 1-5 difference), of the customers who rated the touchpoint again on the
    fixing version: their new score minus the missed one. None when nobody rated again."""
    gains = [2 * (m.rerated_score - m.score) for m in misses if m.rerated_score is not None]
    return _r(statistics.fmean(gains)) if gains else None


def miss_figures(misses: Iterable[MissFact], now: datetime, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 touchpoint_id: int | None = None) -> MissFigures:
    """Every miss figure of these misses at ``now``."""
    found = list(misses)
    return MissFigures(touchpoint_id, len(found), open_misses(found),
                       unanswered_overdue(found, now, thresholds.miss_response_hours), median_answer_hours(found),
                       answered_within_hour(found, now), share_recovered(found), recovery_uplift(found))


def misses_by_touchpoint(misses: Iterable[MissFact], now: datetime, touchpoint_ids: Sequence[int],
                         thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[MissFigures, list[MissFigures]]:
    """The product's miss figures and those of each touchpoint that had a miss, in the touchpoints' order (misses
    of retired touchpoints count for the product only)."""
    found = list(misses)
    per = [miss_figures([m for m in found if m.touchpoint_id == tp_id], now, thresholds, tp_id)
           for tp_id in touchpoint_ids if any(m.touchpoint_id == tp_id for m in found)]
    return miss_figures(found, now, thresholds), per


def compute(
    ratings: Iterable[Rating],
    touchpoints: Sequence[tuple[int, str] | tuple[int, str, Mapping[str, str]]],
    self_scores: Mapping[int, int],
    promises: Iterable[Promise],
    response_times: Iterable[timedelta],
    top_ideas: Iterable[TopIdea],
    today: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    misses: tuple[MissFigures, list[MissFigures]] = (NO_MISSES, []),
) -> Figures:
    """All figures of one version. ``top_ideas`` (already the top open ones) and ``misses`` are passed through.

    One rating per rater counts (the last one given for a rater id). A rater who skipped every
    touchpoint gave no grade and is not counted among ``raters``.
    """
    unique = list({r.rater_id: r for r in ratings}.values())
    grades = [g for r in unique if (g := rater_grade(r)) is not None]
    tps = [with_emotions(tp, emotion_counts(r.emotions.get(tp.touchpoint_id) for r in unique if tp.touchpoint_id in
                                            r.scores))
           for tp in touchpoint_grades(unique, touchpoints, self_scores, thresholds)]
    felt = emotion_counts(r.emotions.get(0) for r in unique)
    delight, negative = emotion_shares(felt)
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
        emotions=felt,
        delight_share=delight,
        negative_share=negative,
        misses=misses[0],
        miss_touchpoints=list(misses[1]),
    )


def _down(x: float) -> float:
    """One decimal, rounded down, as every page writes a grade (cocreate.numbers)."""
    return numbers.down(x)


def _up_hours(x: float) -> float:
    return numbers.hours_value(x)


def _raters_blockers(fig: Figures, t: Thresholds) -> list[Blocker]:
    missing = t.min_raters - fig.raters
    if missing <= 0:
        return []
    return [Blocker(RATERS, {"missing": missing, "raters": fig.raters, "needed": t.min_raters})]


def _lower_blockers(fig: Figures, needed: float) -> list[Blocker]:
    if fig.lower is None:
        return [Blocker(NO_LOWER, {"raters": fig.raters})]
    return [] if _meets(fig.lower, needed) else [Blocker(LOWER, {"lower": _down(fig.lower), "needed": needed})]


def _weakest_blockers(fig: Figures, needed: float, t: Thresholds) -> list[Blocker]:
    w = fig.weakest
    if w is None or w.grade is None:
        return [Blocker(NO_WEAKEST, {"ratings": t.min_touchpoint_ratings})]
    if _meets(w.grade, needed):
        return []
    return [Blocker(WEAKEST, {"touchpoint": w.name, "names": w.names, "grade": _down(w.grade), "needed": needed})]


def _excellent_extra_blockers(fig: Figures, t: Thresholds) -> list[Blocker]:
    out = []
    share = fig.promises_kept
    if share is not None and not _meets(share, t.promises_kept):
        kept = round(share * fig.promises_due)
        pct = numbers.percent_value(share)
        out.append(Blocker(PROMISES, {"percent": pct, "kept": kept, "due": fig.promises_due,
                                      "needed": t.promises_kept * 100}))
    hours = fig.median_response_hours
    if hours is None:
        out.append(Blocker(NO_RESPONSES))
    elif _r(hours) > _r(t.response_hours):
        out.append(Blocker(RESPONSE, {"hours": _up_hours(hours), "needed": t.response_hours}))
    if n := fig.unanswered_top_ideas:
        out.append(Blocker(TOP_IDEAS, {"unanswered": n, "top": len(fig.top_ideas)}))
    out.extend(_emotion_blockers(fig, t))
    if late := fig.misses.unanswered_overdue:
        out.append(Blocker(UNANSWERED_MISSES, {"misses": late, "hours": t.miss_response_hours}))
    return out


def _emotion_blockers(fig: Figures, t: Thresholds) -> list[Blocker]:
    """A touchpoint where more than ``negative_share`` of the raters who named an emotion felt a negative one
    (exactly at the threshold holds), counted once ``min_touchpoint_ratings`` raters named one."""
    out = []
    for tp in fig.touchpoints:
        named = sum(tp.emotions.values())
        share = tp.negative_share
        if share is None or named < t.min_touchpoint_ratings or _r(share) <= _r(t.negative_share):
            continue
        out.append(Blocker(NEGATIVE_EMOTIONS, {  # the percent rounded up: never shown as within the limit
            "touchpoint": tp.name, "names": tp.names, "percent": math.ceil(round(share * 100, _PLACES)),
            "emotion": most_named_negative(tp.emotions), "needed": round(t.negative_share * 100, 6)}))
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
            return Verdict(reached, [str(b) for b in blockers], blockers)
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


# --------------------------------------------------------------------------- running sums (stored figures)

@dataclass(frozen=True)
class Sums:
    """Running sums of one version's ratings, enough for every rating figure without the ratings themselves.

    Exact fractions (a rater's grade is 2 x S / k), so adding and taking away ratings one at a time never
    drifts. Only raters with a grade (at least one active touchpoint scored) count in ``raters`` and the grade
    sums; ``first`` and ``returning`` hold (n, sum of grades, sum of 2 x expected) of the raters with a grade and
    an expected score; ``touchpoints`` maps a touchpoint to (number of scores, sum of scores).
    """

    raters: int = 0
    grade_sum: Fraction = Fraction(0)
    grade_squares: Fraction = Fraction(0)
    first: tuple[int, Fraction, int] = (0, Fraction(0), 0)
    returning: tuple[int, Fraction, int] = (0, Fraction(0), 0)
    touchpoints: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    # touchpoint id (emotions.WHOLE = 0 for the whole version) -> emotion key -> raters who named it
    emotions: Mapping[int, Mapping[str, int]] = field(default_factory=dict)


def exact_grade(scores: Iterable[int]) -> Fraction | None:
    """A rater's grade as an exact fraction (2 x the mean of the scores); None when there are none."""
    values = list(scores)
    return Fraction(2 * sum(values), len(values)) if values else None


def _mean_gap(group: tuple[int, Fraction, int]) -> float | None:
    n, grades, expected = group
    return None if n == 0 else _r(float(grades / n) - expected / n)


def compute_from_sums(
    sums: Sums,
    touchpoints: Sequence[tuple[int, str] | tuple[int, str, Mapping[str, str]]],
    self_scores: Mapping[int, int],
    promises: tuple[float | None, int],
    median_response_hours: float | None,
    top_ideas: Iterable[TopIdea],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    misses: tuple[MissFigures, list[MissFigures]] = (NO_MISSES, []),
) -> Figures:
    """The same Figures as ``compute``, from running sums (rating part) and the product's idea facts."""
    n = sums.raters
    mean = sums.grade_sum / n if n else None
    lower = None
    if n >= 2 and mean is not None:
        variance = (sums.grade_squares - sums.grade_sum * sums.grade_sum / n) / (n - 1)
        lower = _r(float(mean) - math.sqrt(max(variance, Fraction(0))) / math.sqrt(n))
    tps = []
    for tp_id, name, *names in touchpoints:
        count, total = sums.touchpoints.get(tp_id, (0, 0))
        customers = 2 * (total / count) if count else None
        own = self_scores.get(tp_id)
        self_grade = None if own is None else 2.0 * own
        gap, blind = self_gap(self_grade, customers, thresholds)
        tps.append(with_emotions(TouchpointGrade(tp_id, name, customers, count, self_grade, gap, blind,
                                                 dict(names[0]) if names else {}),
                                 emotion_counts_of(sums.emotions.get(tp_id, {}))))
    felt = emotion_counts_of(sums.emotions.get(0, {}))
    delight, negative = emotion_shares(felt)
    ideas = list(top_ideas)
    kept, due = promises
    return Figures(
        raters=n,
        grade=_r(float(mean)) if mean is not None else None,
        lower=lower,
        touchpoints=tps,
        weakest=weakest_touchpoint(tps, thresholds),
        gap_first=_mean_gap(sums.first),
        gap_returning=_mean_gap(sums.returning),
        promises_kept=kept,
        promises_due=due,
        median_response_hours=median_response_hours,
        top_ideas=ideas,
        unanswered_top_ideas=sum(1 for i in ideas if not i.has_official_response),
        emotions=felt,
        delight_share=delight,
        negative_share=negative,
        misses=misses[0],
        miss_touchpoints=list(misses[1]),
    )


def emotion_counts_of(counts: Mapping[str, int]) -> dict[str, int]:
    """Stored counts in the fixed order of the emotions, zero counts left out (as ``emotion_counts`` gives them)."""
    from cocreate.maturity.emotions import KEYS

    return {key: counts[key] for key in KEYS if counts.get(key)}


def with_previous(fig: Figures, previous: Figures | None) -> Figures:
    """The figures with the previous version's delight and negative shares beside them (how the mix moved)."""
    if previous is None:
        return fig
    return replace(fig, previous_delight_share=previous.delight_share, previous_negative_share=previous.negative_share,
                   previous_emotions=dict(previous.emotions))
