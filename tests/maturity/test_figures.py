"""Pins every maturity rule of MATURITY.md at its edges."""

import math
import statistics
from dataclasses import replace
from datetime import date, timedelta

import pytest

from cocreate.maturity.figures import (
    STAGES,
    Figures,
    Promise,
    Rating,
    Thresholds,
    TopIdea,
    TouchpointGrade,
    Verdict,
    compute,
    expectation_gaps,
    grade,
    lower_bound,
    median_hours,
    promises_kept,
    rater_grade,
    stage,
    touchpoint_grades,
    trend,
    weakest_touchpoint,
)

TODAY = date(2025, 6, 15)
TPS = [(1, "First impression"), (2, "Ease of use"), (3, "Delivery")]


def tp(name: str = "Delivery", grade_: float | None = 8.6, n: int = 10) -> TouchpointGrade:
    return TouchpointGrade(3, name, grade_, n, None, None, False)


def idea(i: int, answered: bool = True) -> TopIdea:
    return TopIdea(i, f"Idea {i}", 20 - i, answered)


def excellent(**changes: object) -> Figures:
    """Figures that just reach Excellent; override one field to probe one rule."""
    weakest = tp()
    fig = Figures(
        raters=12,
        grade=9.6,
        lower=9.2,
        touchpoints=[weakest],
        weakest=weakest,
        gap_first=0.4,
        gap_returning=-0.2,
        promises_kept=None,
        promises_due=0,
        median_response_hours=24.0,
        top_ideas=[idea(i) for i in range(5)],
        unanswered_top_ideas=0,
    )
    return replace(fig, **changes)


def compute_(ratings: list[Rating], **kw: object) -> Figures:
    args: dict = dict(
        touchpoints=TPS, self_scores={}, promises=[], response_times=[], top_ideas=[], today=TODAY
    )
    args.update(kw)
    return compute(ratings, **args)


# --- grades -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"), [([], None), ([3, 4], 7.0), ([5], 10.0), ([1, 2, 2], 10 / 3)]
)
def test_grade_is_twice_the_mean(scores, expected):
    assert grade(scores) == expected


def test_skipped_touchpoint_leaves_rater_grade_and_touchpoint_count_out():
    rating = Rating(1, {1: 5, 3: 3})  # touchpoint 2 skipped, not scored as 0
    assert rater_grade(rating) == 8.0
    tps = touchpoint_grades([rating, Rating(2, {1: 4, 2: 2, 3: 4})], TPS, {})
    assert [(t.touchpoint_id, t.n, t.grade) for t in tps] == [(1, 2, 9.0), (2, 1, 4.0), (3, 2, 7.0)]


def test_rater_who_skipped_everything_is_not_a_rater():
    ratings = [Rating(i, {1: 4}) for i in range(9)] + [Rating(99, {})]
    fig = compute_(ratings)
    assert fig.raters == 9
    assert stage(fig).stage == "Prototype"


def test_one_rating_per_rater_the_last_one_counts():
    fig = compute_([Rating(1, {1: 1}), Rating(1, {1: 5}), Rating(2, {1: 5})])
    assert (fig.raters, fig.grade, fig.touchpoints[0].n) == (2, 10.0, 2)


@pytest.mark.parametrize(
    ("grades", "expected"), [([], None), ([8.0], None), ([6.0, 8.0], 6.0), ([7.0] * 10, 7.0)]
)
def test_lower_bound_is_mean_minus_standard_error_and_none_below_two_raters(grades, expected):
    assert lower_bound(grades) == expected


# Rater grades 2, 5, 5, 10 x 6 and 22/3: mean 119/15, sample variance 10 * (14/15)^2,
# so lower = 119/15 - 14/15 = 7.0 exactly.
EDGE_RATINGS = (
    [Rating(1, {1: 1}), Rating(2, {1: 2, 2: 3}), Rating(3, {1: 3, 2: 2})]
    + [Rating(10 + i, {1: 5, 2: 5, 3: 5}) for i in range(6)]
    + [Rating(20, {1: 4, 2: 4, 3: 3})]
)


def test_lower_bound_exactly_7_is_good_enough_despite_float_noise():
    grades = [rater_grade(r) for r in EDGE_RATINGS]
    naive = statistics.fmean(grades) - statistics.stdev(grades) / math.sqrt(len(grades))
    assert naive != 7.0  # the raw float arithmetic misses the edge: this case exercises the rounding
    fig = compute_(EDGE_RATINGS)
    assert (fig.raters, fig.grade, fig.lower) == (10, 7.933333, 7.0)
    assert stage(fig).stage == "Good enough"


def test_lower_bound_just_below_7_is_below_par():
    ratings = [*EDGE_RATINGS[:-1], Rating(20, {1: 4, 2: 3, 3: 3})]  # last rater 22/3 -> 20/3
    fig = compute_(ratings)
    assert 6.9 < fig.lower < 7.0
    assert stage(fig) == Verdict("Below par", ["lower bound 6.9, needs 7.0"])


def test_failing_value_never_displays_as_the_threshold():
    assert stage(excellent(lower=6.96)).blockers == ["lower bound 6.9, needs 7.0"]


@pytest.mark.parametrize(("raters", "expected"), [(9, "Prototype"), (10, "Excellent")])
def test_nine_raters_is_prototype_ten_is_judged(raters, expected):
    assert stage(excellent(raters=raters)).stage == expected


def test_prototype_lists_only_the_raters_blocker():
    verdict = stage(excellent(raters=6, lower=5.0, weakest=None, median_response_hours=None))
    assert verdict == Verdict("Prototype", ["needs 4 more raters (6 of 10)"])
    assert stage(excellent(raters=9)).blockers == ["needs 1 more rater (9 of 10)"]


def test_no_lower_bound_with_a_single_rater_is_below_par():
    verdict = stage(excellent(raters=1, lower=None), Thresholds(min_raters=1))
    assert verdict.stage == "Below par"
    assert verdict.blockers == ["no lower bound yet: needs at least 2 raters (1 so far)"]


# --- touchpoints ------------------------------------------------------------------------------


def test_touchpoint_with_only_two_ratings_is_not_the_weakest():
    ratings = [Rating(1, {1: 4, 2: 1, 3: 4}), Rating(2, {1: 4, 2: 1, 3: 3}), Rating(3, {1: 5, 3: 4})]
    tps = touchpoint_grades(ratings, TPS, {})
    assert tps[1].grade == 2.0 and tps[1].n == 2
    assert weakest_touchpoint(tps).name == "Delivery"
    assert weakest_touchpoint(tps, Thresholds(min_touchpoint_ratings=2)).name == "Ease of use"


def test_no_touchpoint_with_enough_ratings_blocks_good():
    verdict = stage(excellent(lower=8.5, weakest=None))
    assert verdict.stage == "Good enough"
    assert verdict.blockers == ["no touchpoint has 3 ratings yet"]


@pytest.mark.parametrize(
    ("self_score", "scores", "gap", "blind"),
    [
        (5, [4, 4, 4], 2.0, True),
        (5, [4] * 19 + [5], 1.9, False),  # customers 8.1
        (3, [4, 4, 4], -2.0, False),  # customers rate higher than the team: not a blind spot
    ],
)
def test_blind_spot_from_a_gap_of_two_grade_points(self_score, scores, gap, blind):
    ratings = [Rating(i, {3: s}) for i, s in enumerate(scores)]
    [delivery] = touchpoint_grades(ratings, [(3, "Delivery")], {3: self_score})
    assert (delivery.self_grade, delivery.gap, delivery.blind_spot) == (2.0 * self_score, gap, blind)


def test_touchpoint_without_self_score_or_ratings_has_no_gap():
    [first, ease, _] = touchpoint_grades([Rating(1, {1: 3})], TPS, {2: 4})
    assert (first.grade, first.self_grade, first.gap, first.blind_spot) == (6.0, None, None, False)
    assert (ease.grade, ease.n, ease.self_grade, ease.gap) == (None, 0, 8.0, None)


@pytest.mark.parametrize(("weakest", "expected"), [(6.8, "Good enough"), (7.0, "Good")])
def test_good_requires_weakest_touchpoint_7_even_with_a_high_lower_bound(weakest, expected):
    verdict = stage(excellent(lower=8.9, weakest=tp(grade_=weakest)))
    assert verdict.stage == expected
    if expected == "Good enough":
        assert verdict.blockers == ["Delivery 6.8, needs 7.0"]


def test_excellent_requires_weakest_touchpoint_8():
    assert stage(excellent(weakest=tp(grade_=7.9))) == Verdict("Good", ["Delivery 7.9, needs 8.0"])


def test_excellent_has_no_blockers_and_good_lists_all_of_them():
    assert stage(excellent()) == Verdict(STAGES[-1], [])
    verdict = stage(
        excellent(
            lower=8.7,
            weakest=tp(grade_=7.5),
            promises_kept=0.8,
            promises_due=5,
            median_response_hours=60.0,
            unanswered_top_ideas=2,
        )
    )
    assert verdict.stage == "Good"
    assert verdict.blockers == [
        "lower bound 8.7, needs 9.0",
        "Delivery 7.5, needs 8.0",
        "promises kept 80 % (4 of 5), needs 90 %",
        "median first response 60 h, needs ≤ 48 h",
        "2 of 5 top ideas have no official response",
    ]


# --- expectations ---------------------------------------------------------------------------------


def test_expectation_gap_split_by_first_time_and_returning():
    ratings = [
        Rating(1, {1: 4, 2: 5}, expected=4),  # 9.0 vs 8.0
        Rating(2, {1: 3}, expected=4),  # 6.0 vs 8.0
        Rating(3, {1: 1}),  # no expectation: left out
        Rating(4, {1: 5}, expected=3, returning=True),  # 10.0 vs 6.0
    ]
    assert expectation_gaps(ratings) == (-0.5, 4.0)
    assert expectation_gaps(ratings[2:3]) == (None, None)


# --- promises ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("promises", "expected"),
    [
        ([], (None, 0)),
        ([Promise(TODAY - timedelta(days=1), None)], (0.0, 1)),  # due, unshipped: broken
        ([Promise(TODAY, None)], (None, 0)),  # due today, not passed yet: ignored
        ([Promise(TODAY + timedelta(days=9), None)], (None, 0)),  # not yet due: ignored
        ([Promise(date(2025, 5, 1), date(2025, 5, 2))], (0.0, 1)),  # shipped late: broken
        ([Promise(date(2025, 5, 1), date(2025, 5, 1))], (1.0, 1)),  # shipped on the day: kept
        ([Promise(TODAY + timedelta(days=9), TODAY)], (1.0, 1)),  # shipped early: kept
    ],
)
def test_promises_kept(promises, expected):
    assert promises_kept(promises, TODAY) == expected


def test_no_promises_at_all_still_reaches_excellent():
    fig = compute_([Rating(i, {1: 5, 2: 5, 3: 5}) for i in range(10)], response_times=[timedelta(hours=3)])
    assert (fig.promises_kept, fig.promises_due) == (None, 0)
    assert stage(fig).stage == "Excellent"


@pytest.mark.parametrize(("kept", "expected"), [(9, "Excellent"), (8, "Good")])
def test_promises_kept_90_percent_passes_80_fails(kept, expected):
    promises = [Promise(date(2025, 5, 1), date(2025, 4, 1))] * kept
    promises += [Promise(date(2025, 5, 1), None)] * (10 - kept)
    share, due = promises_kept(promises, TODAY)
    verdict = stage(excellent(promises_kept=share, promises_due=due))
    assert verdict.stage == expected
    if expected == "Good":
        assert verdict.blockers == ["promises kept 80 % (8 of 10), needs 90 %"]


# --- responsiveness and top ideas -------------------------------------------------------------


def test_median_hours():
    assert median_hours([]) is None
    assert median_hours([timedelta(hours=100), timedelta(minutes=30), timedelta(days=2)]) == 48.0
    assert median_hours([timedelta(hours=1), timedelta(hours=2)]) == 1.5


@pytest.mark.parametrize(
    ("hours", "expected", "blockers"),
    [
        (48.0, "Excellent", []),
        (49.0, "Good", ["median first response 49 h, needs ≤ 48 h"]),
        (48.01, "Good", ["median first response 48.1 h, needs ≤ 48 h"]),
        (None, "Good", ["no team responses yet"]),  # responsiveness must be shown, not assumed
    ],
)
def test_median_first_response_within_48_hours(hours, expected, blockers):
    assert stage(excellent(median_response_hours=hours)) == Verdict(expected, blockers)


def test_one_unanswered_top_idea_blocks_excellent():
    ideas = [idea(i, answered=i != 3) for i in range(5)]
    ratings = [Rating(i, {1: 5, 2: 5, 3: 5}) for i in range(10)]
    fig = compute_(ratings, response_times=[timedelta(days=1)], top_ideas=ideas)
    assert fig.top_ideas == ideas and fig.unanswered_top_ideas == 1
    assert stage(fig) == Verdict("Good", ["1 of 5 top ideas has no official response"])


# --- custom thresholds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fig", "thresholds", "default_stage", "custom_stage"),
    [
        (excellent(raters=6), Thresholds(min_raters=5), "Prototype", "Excellent"),
        (excellent(lower=6.8), Thresholds(good_enough=6.5), "Below par", "Good enough"),
        (excellent(lower=8.5), Thresholds(good=8.6), "Good", "Good enough"),
        (excellent(median_response_hours=70.0), Thresholds(response_hours=72), "Good", "Excellent"),
        (excellent(promises_kept=0.75, promises_due=4), Thresholds(promises_kept=0.75), "Good", "Excellent"),
        (excellent(weakest=tp(grade_=8.6)), Thresholds(excellent_weakest=9.0), "Excellent", "Good"),
    ],
)
def test_custom_thresholds_change_the_outcome(fig, thresholds, default_stage, custom_stage):
    assert stage(fig).stage == default_stage
    assert stage(fig, thresholds).stage == custom_stage


def test_custom_thresholds_appear_in_blockers():
    assert stage(excellent(raters=3), Thresholds(min_raters=5)).blockers == ["needs 2 more raters (3 of 5)"]
    assert stage(excellent(lower=8.8), Thresholds(excellent=9.5)).blockers == ["lower bound 8.8, needs 9.5"]


def test_custom_blind_spot_gap():
    ratings = [Rating(1, {3: 4}), Rating(2, {3: 5})]  # customers 9.0, self 10.0: gap 1.0
    assert not touchpoint_grades(ratings, [(3, "Delivery")], {3: 5})[0].blind_spot
    assert touchpoint_grades(ratings, [(3, "Delivery")], {3: 5}, Thresholds(blind_spot_gap=1.0))[0].blind_spot


# --- trend --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (7.5, None, "new"),
        (None, 7.5, "new"),
        (7.34, 7.3, "flat"),
        (7.26, 7.3, "flat"),
        (7.35, 7.3, "up"),  # |diff| is 0.05, not < 0.05, despite float noise
        (7.0, 7.5, "down"),
    ],
)
def test_trend(current, previous, expected):
    assert trend(current, previous) == expected


NOISY_NINE = sum([9 / 15] * 15)  # 8.999999999999998: a lower bound stored or computed elsewhere
NOISY_NINETY_PERCENT = 0.3 * 3  # 0.8999999999999999


@pytest.mark.parametrize(
    "fig", [excellent(lower=NOISY_NINE), excellent(promises_kept=NOISY_NINETY_PERCENT, promises_due=10)]
)
def test_hand_built_figures_with_float_noise_still_meet_their_threshold(fig):
    assert NOISY_NINE < 9 and NOISY_NINETY_PERCENT < 0.9
    assert stage(fig).stage == "Excellent"
