"""What the company does: self-assessment, touchpoints, thresholds, and who may do it."""

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.maturity import figures, services
from cocreate.maturity.models import SelfScore, StageChange, StageThresholds
from tests import factories
from tests.conftest import login

HX = {"HX-Request": "true"}


@pytest.fixture
def product():
    return factories.rated_product(versions=1)


def self_form(product, scores=(5, 5, 4, 4, None, 3)):
    tps = [t for t in product.touchpoints if t.active]
    return {f"tp_{t.id}": "" if s is None else str(s) for t, s in zip(tps, scores, strict=False)}


def self_url(product):
    return f"/p/{product.slug}/versions/{product.current_version.id}/self-assessment"


# --------------------------------------------------------------------------- self-assessment

@pytest.mark.parametrize("role", [Role.OWNER, Role.PRODUCT])
def test_product_team_records_its_self_assessment(client, product, role):
    login(client, factories.member(product.company, role))
    response = client.post(self_url(product), data=self_form(product))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/{product.slug}/maturity")
    assert services.self_scores_of(product.current_version) == {
        t.id: s for t, s in zip(product.touchpoints, (5, 5, 4, 4, None, 3), strict=True) if s is not None
    }
    # changing it: a skipped touchpoint loses its score, the others are updated in place
    client.post(self_url(product), data=self_form(product, (1, None, 4, 4, 2, 3)))
    assert sorted(services.self_scores_of(product.current_version).values()) == [1, 2, 3, 4, 4]


def test_self_assessment_with_htmx_answers_in_place(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    response = client.post(self_url(product), data=self_form(product), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "self-assessment of v1 is saved" in html


def test_self_assessment_bad_score_and_unknown_touchpoint(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    response = client.post(self_url(product), data=self_form(product) | {f"tp_{product.touchpoints[0].id}": "6"})
    assert response.status_code == 400 and "Choose a score from 1 to 5" in response.get_data(as_text=True)
    response = client.post(self_url(product), data=self_form(product) | {"tp_987654": "3"})
    assert response.status_code == 400 and "not part of this product" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SelfScore)) == 0


def test_customer_cannot_self_assess(client, logged_in, product):
    assert client.get(self_url(product)).status_code == 403
    assert client.post(self_url(product), data=self_form(product)).status_code == 403
    assert client.get(f"/p/{product.slug}/self-assessment").status_code == 403


def test_member_of_another_company_cannot_self_assess(client, product):
    login(client, factories.member(factories.CompanyFactory(), Role.OWNER))
    assert client.post(self_url(product), data=self_form(product)).status_code == 403


def test_marketing_cannot_self_assess(client, product):
    login(client, factories.member(product.company, Role.MARKETING))
    assert client.post(self_url(product), data=self_form(product)).status_code == 403


def test_another_products_version_is_a_404(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    other = factories.rated_product()
    url = f"/p/{product.slug}/versions/{other.current_version.id}/self-assessment"
    assert client.post(url, data=self_form(product)).status_code == 404
    assert client.get(f"/p/{product.slug}/versions/{2**40}/self-assessment").status_code == 404


def test_current_self_assessment_link_redirects_to_the_current_version(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    response = client.get(f"/p/{product.slug}/self-assessment")
    assert response.status_code == 303 and response.headers["Location"].endswith(self_url(product))


def test_blind_spot_shows_on_the_maturity_page(client, product):
    for _ in range(3):
        factories.rating(product.current_version, scores=(4, 4, 4, 2, 4, 4))
    factories.self_scores(product.current_version, (4, 4, 4, 5, 4, 4))  # delivery 10 vs 4: gap 6
    page = client.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "Delivery · blind spot" in page and "Blind spot: Delivery (team 10.0, customers 4.0)" in page


# --------------------------------------------------------------------------- touchpoints

def names(product):
    db.session.expire_all()
    return [t.name for t in product.touchpoints if t.active]


def test_team_renames_adds_reorders_retires_and_restores_touchpoints(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    base = f"/p/{product.slug}/touchpoints"
    assert client.get(base).status_code == 200
    first, second = product.touchpoints[0], product.touchpoints[1]
    assert client.post(f"{base}/{first.id}", data={"name": "Unboxing", "description": "Opening it"}).status_code == 303
    assert client.post(base, data={"name": "Onboarding", "description": "The first week"}).status_code == 303
    assert names(product)[0] == "Unboxing" and names(product)[-1] == "Onboarding"
    assert client.post(f"{base}/{second.id}/up").status_code == 303
    assert names(product)[:2] == ["Ease of use", "Unboxing"]
    assert client.post(f"{base}/{second.id}/down").status_code == 303
    assert names(product)[:2] == ["Unboxing", "Ease of use"]
    assert client.post(f"{base}/{first.id}/retire").status_code == 303
    assert "Unboxing" not in names(product)
    assert "is retired" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/{first.id}/restore").status_code == 303
    assert names(product)[-1] == "Unboxing"


def test_retired_touchpoint_keeps_its_scores(client, product):
    rating = factories.rating(product.current_version)
    login(client, factories.member(product.company, Role.PRODUCT))
    tp = product.touchpoints[0]
    client.post(f"/p/{product.slug}/touchpoints/{tp.id}/retire")
    db.session.expire_all()
    assert tp.id in rating.score_map  # history kept
    m = services.maturity(product)
    assert tp.id not in {t.touchpoint_id for t in m.figures.touchpoints}  # but it no longer counts


def test_touchpoint_names_are_checked(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    response = client.post(f"/p/{product.slug}/touchpoints", data={"name": "quality"})
    assert response.status_code == 400 and "has a touchpoint “quality” already" in response.get_data(as_text=True)
    tp = product.touchpoints[0]
    response = client.post(f"/p/{product.slug}/touchpoints/{tp.id}", data={"name": "", "description": "x" * 300})
    assert response.status_code == 400
    assert names(product)[0] == "First impression"


def test_the_last_touchpoint_cannot_be_retired(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    for tp in product.touchpoints[:-1]:
        client.post(f"/p/{product.slug}/touchpoints/{tp.id}/retire")
    client.post(f"/p/{product.slug}/touchpoints/{product.touchpoints[-1].id}/retire")
    assert names(product) == ["Value for money"]


@pytest.mark.parametrize("who", ["customer", "marketing", "other company"])
def test_only_the_product_team_manages_touchpoints(client, product, who):
    if who == "customer":
        login(client, factories.UserFactory())
    elif who == "marketing":
        login(client, factories.member(product.company, Role.MARKETING))
    else:
        login(client, factories.member(factories.CompanyFactory(), Role.OWNER))
    tp = product.touchpoints[0]
    base = f"/p/{product.slug}/touchpoints"
    assert client.get(base).status_code == 403
    assert client.post(base, data={"name": "Sneaky"}).status_code == 403
    for suffix in ("", "/up", "/down", "/retire", "/restore"):
        assert client.post(f"{base}/{tp.id}{suffix}", data={"name": "Hijacked"}).status_code == 403
    assert names(product)[0] == "First impression" and len(names(product)) == 6


def test_touchpoint_of_another_product_is_a_404(client, product):
    login(client, factories.member(product.company, Role.PRODUCT))
    other = factories.rated_product()
    assert client.post(f"/p/{product.slug}/touchpoints/{other.touchpoints[0].id}/retire").status_code == 404


# --------------------------------------------------------------------------- thresholds

THRESHOLDS = {"min_raters": "3", "good_enough": "7", "good": "8", "good_weakest": "7", "excellent": "9",
              "excellent_weakest": "8", "promises_kept": "90", "response_hours": "48", "blind_spot_gap": "2",
              "min_touchpoint_ratings": "3", "negative_share": "10", "miss_response_hours": "24"}


def test_owner_changes_thresholds_and_the_stage_follows(client, product):
    for _ in range(3):
        factories.rating(product.current_version, scores=(4, 4, 4, 4, 4, 4))
    assert services.maturity(product).stage == figures.PROTOTYPE  # 3 raters of 10 needed
    login(client, factories.member(product.company, Role.OWNER))
    response = client.post(f"/c/{product.company.slug}/thresholds", data=THRESHOLDS)
    assert response.status_code == 303
    assert services.thresholds_of([product.company_id])[product.company_id].min_raters == 3
    assert services.maturity(product).stage == figures.GOOD  # 8.0, lower 8.0, weakest 8.0
    [change] = db.session.scalars(sa.select(StageChange)).all()  # recorded at once
    assert (change.from_stage, change.to_stage) == (figures.PROTOTYPE, figures.GOOD)
    page = client.get(f"/c/{product.company.slug}/thresholds").get_data(as_text=True)
    assert 'value="3"' in page and "Back to the defaults" in page
    # other companies keep the defaults
    other = factories.rated_product()
    assert services.thresholds_of([other.company_id])[other.company_id] == figures.DEFAULT_THRESHOLDS
    assert client.post(f"/c/{product.company.slug}/thresholds/reset").status_code == 303
    assert db.session.scalar(sa.select(StageThresholds)) is None
    assert services.maturity(product).stage == figures.PROTOTYPE


def test_thresholds_are_validated(client, product):
    login(client, factories.member(product.company, Role.OWNER))
    url = f"/c/{product.company.slug}/thresholds"
    response = client.post(url, data=THRESHOLDS | {"good_enough": "11", "min_raters": "abc"})
    assert response.status_code == 400
    response = client.post(url, data=THRESHOLDS | {"good": "9.5"})
    assert response.status_code == 400 and "must rise with the stage" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(StageThresholds)) is None


@pytest.mark.parametrize("role", [Role.PRODUCT, Role.MARKETING])
def test_only_owners_change_thresholds(client, product, role):
    login(client, factories.member(product.company, role))
    assert client.get(f"/c/{product.company.slug}/thresholds").status_code == 403
    assert client.post(f"/c/{product.company.slug}/thresholds", data=THRESHOLDS).status_code == 403
    assert client.post(f"/c/{product.company.slug}/thresholds/reset").status_code == 403
    assert db.session.scalar(sa.select(StageThresholds)) is None


def test_owner_of_another_company_cannot_change_thresholds(client, product):
    login(client, factories.member(factories.CompanyFactory(), Role.OWNER))
    assert client.post(f"/c/{product.company.slug}/thresholds", data=THRESHOLDS).status_code == 403


def test_anonymous_thresholds_go_to_login(client, product):
    response = client.post(f"/c/{product.company.slug}/thresholds", data=THRESHOLDS)
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_the_self_assessment_states_the_blind_spot_rule_as_the_board_applies_it(client):
    """The rule is a gap of 2.0 on the 10-point grade (one point on the 1–5 scale), or the company's own."""
    product = factories.rated_product(versions=1)
    login(client, factories.member(product.company))
    page = client.get(f"/p/{product.slug}/versions/{product.current_version.id}/self-assessment").get_data(
        as_text=True)
    assert "Grades are out of 10 (twice the score)" in page and "is 2.0 or more above the customers’" in page
    assert "two points or more" not in page


def test_the_maturity_page_says_why_a_self_score_of_4_shows_as_8(client, product):
    """Issue 14.11: the team scored 1-5 and read 10.0 / 8.0 without a word of why."""
    factories.self_scores(product.current_version, (4, 5, None, 4, 4, 4))
    page = client.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "8.0 <span class=\"muted small\">(scored 4 of 5)</span>" in page
    assert "10.0 <span class=\"muted small\">(scored 5 of 5)</span>" in page
    assert "the team’s is twice its self-assessment score (4 of 5 is 8.0)" in page
