"""services.py loads the right facts and hands them to figures.py; stage changes are recorded once."""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Status
from cocreate.maturity import figures, services
from cocreate.maturity.models import StageChange
from tests import factories


def test_figures_on_fixed_data_match_figures_compute():
    product = factories.rated_product(versions=2)
    previous, current = sorted(product.versions, key=lambda v: v.released_on)
    given = [
        ((5, 4, None, 3, 4, 5), 4, False),
        ((2, 3, 3, 3, None, None), None, True),
        ((4, 4, 4, 4, 4, 4), 5, True),
        ((None,) * 6, 3, False),  # skipped everything: no grade, not a rater
    ]
    users = []
    for scores, expected, returning in given:
        users.append(factories.rating(current, scores=scores, expected=expected, returning=returning).user_id)
    factories.rating(previous, scores=(1, 2, 3, 4, 5, 1))
    factories.self_scores(current, (5, 5, None, 5, 1, 4))
    now = utcnow()
    today = date.today()
    factories.plain_idea(product, title="kept", votes=9, status=Status.SHIPPED, promised_on=today,
                         shipped_on=today - timedelta(days=1), created_at=now - timedelta(hours=30),
                         first_response_at=now - timedelta(hours=20))
    factories.plain_idea(product, title="late", votes=7, status=Status.PLANNED, promised_on=today - timedelta(days=3),
                         created_at=now - timedelta(hours=10), first_response_at=now - timedelta(hours=9),
                         answered=True)
    factories.plain_idea(product, title="future promise", votes=5, status=Status.PLANNED,
                         promised_on=today + timedelta(days=9))

    m = services.maturity(product)

    tps = [(t.id, t.name) for t in product.touchpoints]
    ratings = [figures.Rating(u, {tp: s for (tp, _), s in zip(tps, scores, strict=True) if s is not None}, e, r)
               for u, (scores, e, r) in zip(users, given, strict=True)]
    expected = figures.compute(
        ratings, tps, {tp: s for (tp, _), s in zip(tps, (5, 5, None, 5, 1, 4), strict=True) if s is not None},
        [figures.Promise(today, today - timedelta(days=1)), figures.Promise(today - timedelta(days=3), None),
         figures.Promise(today + timedelta(days=9), None)],
        [timedelta(hours=10), timedelta(hours=1)],  # the unanswered idea is younger than 48 h: not counted
        [figures.TopIdea(0, "late", 7, True), figures.TopIdea(0, "future promise", 5, False)],
        today,
    )
    got = m.figures
    assert got.raters == expected.raters == 3
    assert got.grade == expected.grade and got.lower == expected.lower
    assert got.touchpoints == expected.touchpoints
    assert (got.gap_first, got.gap_returning) == (expected.gap_first, expected.gap_returning)
    assert (got.promises_kept, got.promises_due) == (expected.promises_kept, expected.promises_due) == (0.5, 2)
    assert got.median_response_hours == expected.median_response_hours == 5.5
    assert [(i.title, i.votes, i.has_official_response) for i in got.top_ideas] == [
        ("late", 7, True), ("future promise", 5, False)]  # the shipped one is not open
    assert m.verdict == figures.stage(got)
    previous_grade = 2 * (1 + 2 + 3 + 4 + 5 + 1) / 6
    assert m.previous_grade == round(previous_grade, 6) and m.trend == figures.trend(got.grade, previous_grade)


def test_unanswered_ideas_count_once_they_are_late():
    product = factories.rated_product()
    now = utcnow()
    factories.plain_idea(product, created_at=now - timedelta(hours=10), first_response_at=now - timedelta(hours=8))
    factories.plain_idea(product, created_at=now - timedelta(hours=5))  # waiting, not late: not counted
    assert services.maturity(product).figures.median_response_hours == 2.0
    factories.plain_idea(product, created_at=now - timedelta(hours=100))  # waiting 100 h: counts as 100 h
    factories.plain_idea(product, created_at=now - timedelta(hours=200))
    assert services.maturity(product).figures.median_response_hours > 99


def test_no_ideas_means_no_responsiveness_yet():
    product = factories.rated_product()
    fig = services.maturity(product).figures
    assert fig.median_response_hours is None and fig.promises_kept is None and fig.top_ideas == []


def test_top_ideas_are_the_five_most_voted_open_ones_per_product():
    a, b = factories.rated_product(), factories.rated_product()
    for votes in range(8):
        factories.plain_idea(a, title=f"a{votes}", votes=votes, answered=votes % 2 == 0)
    for status in (Status.SHIPPED, Status.DECLINED, Status.MERGED):
        factories.plain_idea(a, title=status.value, votes=100, status=status)
    factories.plain_idea(b, title="b", votes=1)
    found = services.maturities([a, b])
    assert [i.title for i in found[a.id].figures.top_ideas] == ["a7", "a6", "a5", "a4", "a3"]
    assert found[a.id].figures.unanswered_top_ideas == 3
    assert [i.title for i in found[b.id].figures.top_ideas] == ["b"]


def test_all_products_at_once_equal_one_by_one():
    products = [factories.rated_product() for _ in range(3)]
    for n, product in enumerate(products):
        for _ in range(n * 5):
            factories.rating(product.current_version, scores=(n + 2,) * 6)
    together = services.maturities(products)
    for product in products:
        assert together[product.id].figures == services.maturity(product).figures


def test_a_stage_change_is_recorded_once_per_change():
    product = factories.rated_product()
    assert services.refresh_stage(product) is None  # still a Prototype: nothing to record
    for _ in range(10):
        factories.rating(product.current_version, scores=(4, 4, 4, 4, 4, 4))
    change = services.refresh_stage(product)
    assert (change.from_stage, change.to_stage) == (figures.PROTOTYPE, figures.GOOD)
    assert change.version_id == product.current_version.id
    assert change.figures["figures"]["raters"] == 10 and change.figures["stage"] == figures.GOOD
    assert services.refresh_stage(product) is None  # same stage: not recorded again
    for _ in range(10):
        factories.rating(product.current_version, scores=(1, 1, 1, 1, 1, 1))
    change = services.refresh_stage(product)
    assert (change.from_stage, change.to_stage) == (figures.GOOD, figures.BELOW_PAR)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StageChange)) == 2
    assert [c.to_stage for c in services.stage_history(product)] == [figures.BELOW_PAR, figures.GOOD]


def test_saving_a_rating_refreshes_the_stage(client):
    from tests.conftest import login

    product = factories.rated_product()
    for _ in range(9):
        factories.rating(product.current_version, scores=(4, 4, 4, 4, 4, 4))
    login(client, factories.UserFactory())
    tps = product.touchpoints
    data = {f"tp_{t.id}": "4" for t in tps} | {"version_id": str(product.current_version.id),
                                                 "experience": "first"}
    assert client.post(f"/p/{product.slug}/rate", data=data).status_code == 303
    assert [c.to_stage for c in services.stage_history(product)] == [figures.GOOD]


def test_a_new_version_starts_again_as_a_prototype():
    product = factories.rated_product()
    for _ in range(10):
        factories.rating(product.current_version, scores=(4, 4, 4, 4, 4, 4))
    assert services.refresh_stage(product).to_stage == figures.GOOD
    from cocreate.products.services import add_version

    add_version(product, label="v2", released_on=date.today())  # the version's events judge the product again
    db.session.commit()
    m = services.maturity(product)
    assert m.stage == figures.PROTOTYPE and m.figures.raters == 0 and m.previous_grade == 8.0
    assert services.current_maturity(product).stage == figures.PROTOTYPE  # stored at once
    assert services.stage_history(product)[0].to_stage == figures.PROTOTYPE


def test_demo_ratings_put_the_products_in_four_stages_and_are_idempotent(runner):
    from cocreate.demo.ratings import seed_ratings
    from cocreate.maturity.models import Rating, SelfScore
    from cocreate.products.models import Product

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    seed_ratings(random.Random(2026))
    db.session.commit()

    def counts():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Rating, SelfScore, StageChange)]

    first = counts()
    products = {p.slug: p for p in db.session.scalars(sa.select(Product))}
    found = services.maturities(list(products.values()))
    stages = {slug: found[p.id].stage for slug, p in products.items()}
    assert stages["thuisbatterij"] == figures.PROTOTYPE and found[products["thuisbatterij"].id].figures.raters < 10
    assert stages["pasta-box"] == figures.BELOW_PAR and found[products["pasta-box"].id].figures.raters >= 10
    assert stages["fietsdeel"] in (figures.GOOD, figures.GOOD_ENOUGH)
    assert stages["caffe-uno"] in (figures.GOOD, figures.EXCELLENT)  # Excellent once the ideas are seeded
    assert len(set(stages.values())) == 4, stages
    assert any(found[p.id].blind_spots for p in products.values())
    assert all(found[p.id].trend in ("up", "down", "flat") for p in products.values())
    seed_ratings(random.Random(1))
    db.session.commit()
    assert counts() == first
