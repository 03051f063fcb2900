"""The figures of the emotion layer and of misses (issue 17), pinned at their edges: exactly at the threshold, no
data, one rater."""

from datetime import UTC, datetime, timedelta

from cocreate.maturity import figures
from cocreate.maturity.emotions import EMOTIONS, NEGATIVE_KEYS
from cocreate.maturity.figures import MissFact, Thresholds
from cocreate.misses.models import is_miss

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
T = Thresholds()


def miss(tp=1, *, ago=timedelta(hours=3), answered_after=None, closed=False, score=2, rerated=None,
         recovered=False) -> MissFact:
    opened = NOW - ago
    return MissFact(tp, opened, None if answered_after is None else opened + answered_after,
                    NOW if closed else None, score, rerated, NOW if recovered else None)


# --------------------------------------------------------------------------- the set of emotions

def test_the_set_has_8_to_14_emotions_each_with_a_word_and_a_text_alternative():
    assert 8 <= len(EMOTIONS) <= 14
    assert len({e.key for e in EMOTIONS}) == len(EMOTIONS)
    assert all(str(e.label) and str(e.alt) for e in EMOTIONS)
    assert NEGATIVE_KEYS and all(not e.delight for e in EMOTIONS if e.negative)


def test_emotion_shares_no_data_one_rater_and_mixed():
    assert figures.emotion_shares({}) == (None, None)
    assert figures.emotion_shares({"joy": 1}) == (1.0, 0.0)
    assert figures.emotion_shares({"satisfaction": 1}) == (0.0, 0.0)  # pleasant, not delight
    assert figures.emotion_shares({"joy": 1, "admiration": 1, "boredom": 1, "satisfaction": 1}) == (0.5, 0.25)


def test_emotion_counts_keep_the_fixed_order_and_leave_out_nobody():
    assert figures.emotion_counts(["fear", None, "joy", "fear"]) == {"joy": 1, "fear": 2}
    assert list(figures.emotion_counts(["fear", "joy"])) == ["joy", "fear"]


def _figures_with(tp_emotions: dict[str, int]) -> figures.Figures:
    tp = figures.with_emotions(figures.TouchpointGrade(7, "Delivery", 9.6, 12, None, None, False), tp_emotions)
    return figures.Figures(raters=12, grade=9.6, lower=9.4, touchpoints=[tp], weakest=tp, gap_first=None,
                           gap_returning=None, promises_kept=None, promises_due=0, median_response_hours=1.0,
                           top_ideas=[], unanswered_top_ideas=0)


def test_negative_share_exactly_at_the_threshold_is_excellent_above_it_blocks():
    at = _figures_with({"joy": 9, "dissatisfaction": 1})  # 10 %: needs ≤ 10 %
    assert figures.stage(at, T).stage == figures.EXCELLENT
    above = _figures_with({"joy": 7, "dissatisfaction": 2, "fear": 1})  # 30 %
    verdict = figures.stage(above, T)
    assert verdict.stage == figures.GOOD
    assert verdict.blockers == ["Delivery: 30 % of raters felt dissatisfaction, needs ≤ 10 %"]


def test_negative_share_needs_enough_raters_who_named_an_emotion():
    two = _figures_with({"disgust": 2})  # 100 % negative, but only 2 named one (min_touchpoint_ratings 3)
    assert figures.stage(two, T).stage == figures.EXCELLENT
    three = _figures_with({"disgust": 3})
    assert figures.stage(three, T).blockers == ["Delivery: 100 % of raters felt disgust, needs ≤ 10 %"]


def test_the_company_threshold_for_negative_emotions_applies():
    fig = _figures_with({"joy": 7, "dissatisfaction": 3})
    assert figures.stage(fig, Thresholds(negative_share=0.3)).stage == figures.EXCELLENT
    assert figures.stage(fig, Thresholds(negative_share=0.29)).stage == figures.GOOD


def test_a_share_just_above_the_limit_is_shown_rounded_up_never_as_the_limit():
    fig = _figures_with({"joy": 1000 - 101, "sadness": 101})  # 10.1 %
    assert figures.stage(fig, T).blockers == ["Delivery: 11 % of raters felt sadness, needs ≤ 10 %"]


# --------------------------------------------------------------------------- misses

def test_what_is_a_miss():
    assert is_miss(1, None) and is_miss(2, None) and not is_miss(3, None)
    assert is_miss(3, 5)  # exactly two below what they expected
    assert not is_miss(4, 5) and not is_miss(3, 4)
    assert is_miss(2, 1)  # 1-2 is a miss whatever they expected


def test_miss_figures_without_misses():
    got = figures.miss_figures([], NOW, T)
    assert got == figures.MissFigures(None, 0, 0, 0, None, None, None, None)


def test_one_miss_answered_exactly_within_the_hour():
    m = miss(answered_after=timedelta(hours=1))
    got = figures.miss_figures([m], NOW, T)
    assert (got.opened, got.open, got.median_answer_hours, got.answered_within_hour) == (1, 1, 1.0, 1.0)
    late = miss(answered_after=timedelta(hours=1, seconds=1))
    assert figures.answered_within_hour([late], NOW) == 0.0


def test_an_unanswered_miss_counts_for_the_hour_only_once_the_hour_is_over():
    young = miss(ago=timedelta(minutes=59))
    assert figures.answered_within_hour([young], NOW) is None
    assert figures.answered_within_hour([miss(ago=timedelta(minutes=61))], NOW) == 0.0
    assert figures.answered_within_hour([young, miss(answered_after=timedelta(minutes=5))], NOW) == 1.0


def test_median_answer_hours_counts_answered_misses_only():
    found = [miss(answered_after=timedelta(hours=h)) for h in (1, 2, 6)] + [miss(ago=timedelta(days=9))]
    assert figures.median_answer_hours(found) == 2.0
    assert figures.median_answer_hours([miss()]) is None


def test_unanswered_overdue_exactly_at_the_target_is_not_late():
    assert figures.unanswered_overdue([miss(ago=timedelta(hours=24))], NOW, 24) == 0
    assert figures.unanswered_overdue([miss(ago=timedelta(hours=24, seconds=1))], NOW, 24) == 1
    assert figures.unanswered_overdue([miss(ago=timedelta(days=3), answered_after=timedelta(days=2))], NOW, 24) == 0


def test_share_recovered_is_of_the_closed_misses():
    assert figures.share_recovered([miss(), miss()]) is None
    assert figures.share_recovered([miss(closed=True, recovered=True)]) == 1.0
    assert figures.share_recovered([miss(closed=True, recovered=True), miss(closed=True), miss()]) == 0.5


def test_recovery_uplift_in_grade_points_of_those_who_rated_again():
    assert figures.recovery_uplift([miss(closed=True)]) is None
    assert figures.recovery_uplift([miss(score=1, rerated=4, closed=True)]) == 6.0
    assert figures.recovery_uplift([miss(score=2, rerated=5), miss(score=2, rerated=1)]) == 2.0


def test_misses_per_touchpoint_follow_the_touchpoints_order_and_skip_those_without():
    product, per = figures.misses_by_touchpoint([miss(tp=3), miss(tp=1), miss(tp=3, closed=True)], NOW, [1, 2, 3],
                                                T)
    assert (product.opened, product.open) == (3, 2)
    assert [(m.touchpoint_id, m.opened, m.open) for m in per] == [(1, 1, 1), (3, 2, 1)]


def _excellent_but(misses: figures.MissFigures) -> figures.Figures:
    fig = _figures_with({})
    return figures.Figures(**{**fig.__dict__, "misses": misses})


def test_an_unanswered_miss_older_than_the_target_blocks_excellent():
    ok = figures.miss_figures([miss(ago=timedelta(hours=24))], NOW, T)
    assert figures.stage(_excellent_but(ok), T).stage == figures.EXCELLENT
    late = figures.miss_figures([miss(ago=timedelta(hours=25)), miss(ago=timedelta(hours=30))], NOW, T)
    verdict = figures.stage(_excellent_but(late), T)
    assert verdict.stage == figures.GOOD
    assert verdict.blockers == ["2 misses unanswered for more than 24 h"]
    own = figures.miss_figures([miss(ago=timedelta(hours=25))], NOW, Thresholds(miss_response_hours=48))
    assert figures.stage(_excellent_but(own), Thresholds(miss_response_hours=48)).stage == figures.EXCELLENT
