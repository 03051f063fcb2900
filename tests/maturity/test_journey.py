"""The journey heat map: touchpoints x versions from stored cell tallies, per group of raters, with the team's
self-assessment as a second layer, in journey order. (The autouse fixture of this folder checks the stored
tallies against the ratings after every test: `flask maturity verify`.)"""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.maturity import figures, journey
from cocreate.maturity.models import CellTally
from cocreate.maturity.services import refresh_stage, retire_touchpoint, save_rating, save_self_assessment
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import count_queries, csrf_token, login

T = figures.DEFAULT_THRESHOLDS


# --- the rules ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "expected"), [
    ([], (None, None)),
    ([4], (8.0, None)),                    # one score: no spread, no lower bound
    ([4, 4], (8.0, 8.0)),
    ([5, 3], (8.0, 6.0)),                  # grades 10 and 6: s = 2.83, s / sqrt(2) = 2.0
    ([5, 5, 4], (9.333333, 8.666667)),
])
def test_a_cell_is_the_grade_and_lower_bound_of_its_scores(scores, expected):
    found = figures.cell_figures(len(scores), sum(scores), sum(s * s for s in scores))
    assert found == (expected[0] if expected[0] is None else pytest.approx(expected[0], abs=1e-6),
                     expected[1] if expected[1] is None else pytest.approx(expected[1], abs=1e-6))


def test_a_cell_agrees_with_the_products_lower_bound_rule():
    grades = [2 * s for s in (5, 4, 4, 3, 5, 2)]
    scores = [g // 2 for g in grades]
    assert figures.cell_figures(len(scores), sum(scores), sum(s * s for s in scores))[1] == figures.lower_bound(grades)


@pytest.mark.parametrize(("lower", "n", "band"), [
    (9.0, 3, "excellent"),     # exactly at the threshold
    (8.999999, 3, "good"),
    (8.0, 3, "good"),
    (7.0, 3, "good-enough"),
    (6.99, 3, "below"),
    (9.5, 2, "few"),           # under the touchpoint minimum of ratings
    (None, 1, "few"),
])
def test_a_cells_band_is_the_stage_its_lower_bound_reaches(lower, n, band):
    assert figures.cell_band(lower, n, T) == band


def test_the_blind_spot_rule_is_the_boards():
    """One rule for the board's figures and the map: a gap of exactly the threshold is a blind spot."""
    assert figures.self_gap(8.0, 6.0, T) == (2.0, True)
    assert figures.self_gap(8.0, 6.1, T) == (1.9, False)
    assert figures.self_gap(None, 6.0, T) == (None, False) and figures.self_gap(8.0, None, T) == (None, False)
    board = figures.touchpoint_grades([figures.Rating(1, {7: 3})], [(7, "Checkout")], {7: 4}, T)[0]
    assert (board.gap, board.blind_spot) == figures.self_gap(8.0, 6.0, T)


# --- the map ----------------------------------------------------------------------------------------------

@pytest.fixture
def product():
    return factories.rated_product(versions=2, name="Fietsdeel")


def customer():
    """An account older than the hold rules' new-account age (holds.py), so its ratings are never held as a burst."""
    return factories.UserFactory(created_at=utcnow() - timedelta(days=90))


def rate(product, version, score, *, returning=False, user=None):
    save_rating(user or customer(), product, version, {t.id: score for t in product.touchpoints if t.active},
                expected=None, returning=returning)
    db.session.commit()


def cells_of(found, column=-1):
    return [(row.touchpoint.name, row.cells[column].raters, row.cells[column].grade) for row in found.rows]


def test_ratings_fill_their_cells_by_group_and_a_changed_rating_moves_them(product):
    old, current = sorted(product.versions, key=lambda v: v.released_on)
    for score in (5, 4, 3):
        rate(product, current, score)
    returning = customer()
    rate(product, current, 2, returning=True, user=returning)
    first_tp = product.touchpoints[0].name

    assert cells_of(journey.heatmap(product, "all"))[0] == (first_tp, 4, 7.0)
    assert cells_of(journey.heatmap(product, "first"))[0] == (first_tp, 3, 8.0)
    assert cells_of(journey.heatmap(product, "returning"))[0] == (first_tp, 1, 4.0)
    assert cells_of(journey.heatmap(product, "all"), 0)[0] == (first_tp, 0, None)  # the older version: not rated

    rate(product, current, 5, returning=True, user=returning)  # they change their mind
    assert cells_of(journey.heatmap(product, "returning"))[0] == (first_tp, 1, 10.0)
    assert db.session.scalar(sa.select(sa.func.sum(CellTally.n)).where(CellTally.version_id == old.id)) is None


def test_retired_touchpoints_leave_the_map_and_an_unknown_group_is_all(product):
    current = product.current_version
    rate(product, current, 4)
    retire_touchpoint(product.touchpoints[-1])
    refresh_stage(product)
    db.session.commit()
    found = journey.heatmap(product, "everyone")
    assert found.group == "all" and len(found.rows) == 5


def test_the_team_layer_marks_blind_spots(product):
    current = product.current_version
    for _ in range(3):
        rate(product, current, 3)  # customers: 6.0
    team = factories.member(product.company, Role.PRODUCT)
    first, second = product.touchpoints[0], product.touchpoints[1]
    save_self_assessment(team, product, current, {first.id: 4, second.id: 5})  # team: 8.0 and 10.0
    db.session.commit()
    row = {r.touchpoint.id: r.cells[-1] for r in journey.heatmap(product).rows}
    assert (row[first.id].self_grade, row[first.id].blind_spot) == (8.0, True)   # exactly the 2.0 gap
    assert (row[second.id].self_grade, row[second.id].blind_spot) == (10.0, True)
    assert row[product.touchpoints[2].id].self_grade is None
    assert row[first.id].band == "below"


def test_touchpoints_follow_the_journey_then_their_own_order(product):
    tps = product.touchpoints
    journey.set_stages(product, {tps[0].id: "support", tps[3].id: "first_contact", tps[5].id: "first_contact"})
    db.session.commit()
    order = [(r.stage, r.touchpoint.id) for r in journey.heatmap(product).rows]
    assert order == [("first_contact", tps[3].id), ("first_contact", tps[5].id), ("support", tps[0].id),
                     (None, tps[1].id), (None, tps[2].id), (None, tps[4].id)]


def test_stages_outside_the_list_or_the_product_are_refused_and_change_nothing(product):
    from cocreate.refusal import Refused

    other = factories.rated_product()
    for stages in ({product.touchpoints[0].id: "checkout"}, {other.touchpoints[0].id: "offer"}):
        with pytest.raises(Refused):
            journey.set_stages(product, stages)
    db.session.rollback()
    assert all(t.journey_stage is None for t in product.touchpoints)


def test_the_map_reads_the_same_queries_however_many_ratings_and_versions(client, product):
    rate(product, product.current_version, 4)
    with count_queries() as n:
        assert client.get(f"/p/{product.slug}/journey?self=1").status_code == 200
    few = n()
    for label in ("v3", "v4", "v5"):
        version = factories.VersionFactory(product=product, label=label, released_on=date.today() - timedelta(days=1))
        for score in (3, 4, 5, 5):
            rate(product, version, score)
    with count_queries() as n:
        assert client.get(f"/p/{product.slug}/journey?self=1").status_code == 200
    assert n() == few


# --- the page ---------------------------------------------------------------------------------------------

def test_visitors_read_the_map_in_words_not_only_colour(client, product):
    for score in (5, 5, 5):
        rate(product, product.current_version, score)
    page = client.get(f"/p/{product.slug}/journey").get_data(as_text=True)
    assert "The journey, side by side" in page and "3 raters" in page and "Excellent" in page
    assert "band-excellent" in page and "Too few ratings" in page  # the older version's cells
    assert "Put the touchpoints in journey order" not in page  # the team's form only
    returning = client.get(f"/p/{product.slug}/journey?raters=returning").get_data(as_text=True)
    assert "3 raters" not in returning and 'aria-current="page"' in returning
    assert "Team" not in client.get(f"/p/{product.slug}/journey").get_data(as_text=True).split("<table")[1]
    assert "Team –" in client.get(f"/p/{product.slug}/journey?self=1").get_data(as_text=True)
    assert f"/p/{product.slug}/journey" in client.get(f"/p/{product.slug}/maturity").get_data(as_text=True)


def test_a_private_products_journey_is_hidden(client):
    product = factories.rated_product(visibility=Visibility.PRIVATE)
    assert client.get(f"/p/{product.slug}/journey").status_code == 404


def test_the_team_orders_the_journey_and_refusals_show_in_place(client, product, csrf):
    team = factories.member(product.company, Role.PRODUCT)
    url = f"/p/{product.slug}/journey"
    app_csrf = None
    login_response = client.post("/login", data={"email": team.email, "password": factories.PASSWORD,
                                                 "csrf_token": csrf_token(client)})
    assert login_response.status_code == 303
    app_csrf = csrf_token(client, url)
    first = product.touchpoints[0]
    answer = client.post(url, data={"csrf_token": app_csrf, f"stage_{first.id}": "delivery"})
    assert answer.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Journey saved" in page and 'value="delivery" selected' in page
    assert db.session.get(type(first), first.id).journey_stage == "delivery"

    refused = client.post(url, data={"csrf_token": csrf_token(client, url), f"stage_{first.id}": "checkout"})
    assert refused.status_code == 400
    assert "Choose a stage from the list" in refused.get_data(as_text=True)
    assert db.session.get(type(first), first.id).journey_stage == "delivery"  # nothing lost

    cleared = client.post(url, data={"csrf_token": csrf_token(client, url), f"stage_{first.id}": ""})
    assert cleared.status_code == 303 and db.session.get(type(first), first.id).journey_stage is None


def test_customers_cannot_order_the_journey(client, product):
    login(client, factories.UserFactory())
    first = product.touchpoints[0]
    assert client.post(f"/p/{product.slug}/journey", data={f"stage_{first.id}": "offer"}).status_code == 403
    assert first.journey_stage is None
