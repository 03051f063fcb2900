"""The maturity board and a product's maturity page: content, filters, visibility, query counts."""

from datetime import date, timedelta

import pytest

from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Status
from cocreate.maturity import figures, services
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import count_queries, login

HX = {"HX-Request": "true"}


def rated(product, n: int, scores=(5, 5, 5, 5, 5, 4), version=None):
    for _ in range(n):
        factories.rating(version or product.current_version, scores=scores)


def busy_product(company=None, raters: int = 10, ideas: int = 3, **kwargs):
    """A product with two rated versions, a self-assessment and ideas of every kind."""
    product = factories.rated_product(company, versions=2, **kwargs)
    previous, current = sorted(product.versions, key=lambda v: v.released_on)
    rated(product, 2, (3, 3, 3, 3, 3, 3), version=previous)
    rated(product, raters)
    factories.self_scores(current, (5, 5, 5, 5, 5, 5))
    now = utcnow()
    for i in range(ideas):
        factories.plain_idea(product, title=f"Idea {i}", votes=i, answered=i % 2 == 0,
                             created_at=now - timedelta(days=3), first_response_at=now - timedelta(days=2),
                             promised_on=date.today() - timedelta(days=1), shipped_on=date.today() - timedelta(days=2))
    return product


def test_board_has_a_column_per_stage_and_a_card_per_product(client):
    excellent = busy_product(name="Shiny", ideas=1)
    prototype = factories.rated_product(name="Early")
    rated(prototype, 3)
    page = client.get("/board").get_data(as_text=True)
    for stage in figures.STAGES:
        assert f">{stage} <span class=\"count\">" in page
    assert "Shiny" in page and "Early" in page
    assert "Needs 7 more raters (3 of 10)" in page  # the blocker, in words with numbers
    assert page.index("Shiny") > page.index(">Excellent <span")  # in its column
    assert page.index("Early") < page.index(">Below par <span")
    assert excellent.current_version.label in page
    assert 'hx-get="/board"' in page and 'hx-trigger="every 20s"' in page


def test_board_polling_gets_only_the_board(client):
    busy_product(name="Shiny")
    response = client.get("/board", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="board"') and "Shiny" in html
    assert "HX-Request" in response.headers["Vary"]
    boosted = client.get("/board", headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in boosted


def test_board_cards_show_trend_and_figures(client):
    product = busy_product(name="Rising")
    page = client.get("/board").get_data(as_text=True)
    assert "trend-up" in page and "up from 6.0 on v1" in page
    assert "9.6" in page and "9.7" not in page  # grade 2 × (29/6) = 9.67, written rounded down (cocreate.numbers)
    assert product.name in page


def test_board_filters_by_company(client):
    a = factories.CompanyFactory(name="Alpha", slug="alpha")
    b = factories.CompanyFactory(name="Beta", slug="beta")
    factories.rated_product(a, name="From Alpha")
    factories.rated_product(b, name="From Beta")
    for url in ("/board?company=alpha", "/c/alpha/board"):
        page = client.get(url).get_data(as_text=True)
        assert "From Alpha" in page and "From Beta" not in page
        assert 'hx-get="/board?company=alpha"' in page
    page = client.get("/board").get_data(as_text=True)
    assert "From Alpha" in page and "From Beta" in page
    assert client.get("/board?company=nope").status_code == 404
    assert client.get("/c/nope/board").status_code == 404


def test_private_products_are_hidden_from_outsiders(client):
    company = factories.CompanyFactory()
    factories.rated_product(company, name="Secret", visibility=Visibility.PRIVATE)
    factories.rated_product(company, name="Open")
    page = client.get("/board").get_data(as_text=True)
    assert "Open" in page and "Secret" not in page
    login(client, factories.UserFactory())
    assert "Secret" not in client.get(f"/c/{company.slug}/board").get_data(as_text=True)
    client.post("/logout")
    login(client, factories.member(company, Role.MARKETING))
    assert "Secret" in client.get("/board").get_data(as_text=True)


def test_private_maturity_page_is_a_404_for_outsiders(client):
    product = factories.rated_product(visibility=Visibility.PRIVATE)
    assert client.get(f"/p/{product.slug}/maturity").status_code == 404


def test_maturity_page_shows_every_figure(client):
    product = busy_product(name="Full", ideas=3)
    factories.rating(product.current_version, scores=(5, 5, 5, 5, 5, 5), expected=3, returning=False)
    factories.rating(product.current_version, scores=(4, 4, 4, 4, 4, 4), expected=5, returning=True)
    page = client.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "Customers vs team, per touchpoint" in page and "<svg" in page
    assert "<table" in page and "Grades per touchpoint" in page  # the text alternative
    assert "Grade over versions" in page and "<polyline" in page
    assert "+4.0" in page and "-2.0" in page  # expectation gaps, first-time and returning
    assert "100%" in page and "(3 of 3)" in page  # promises kept
    assert "24 h" in page  # median first response
    assert "Idea 2" in page and "No official response" in page
    assert "style=" not in page and "<script>" not in page and "<style" not in page


def test_product_page_links_the_maturity_page_and_the_rating_form(client, logged_in):
    product = busy_product(name="Linked")
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f'href="/p/{product.slug}/maturity"' in page and f'href="/p/{product.slug}/rate"' in page
    assert "Excellent" in page or "Good" in page


def test_maturity_page_shows_the_stage_history(client):
    from cocreate.maturity import services

    product = factories.rated_product(name="Historic")
    rated(product, 10)
    services.refresh_stage(product)
    from cocreate.extensions import db

    db.session.commit()
    page = client.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "Prototype → <strong>" in page and "10 raters" in page


def _board_queries(client) -> int:
    with count_queries() as n:
        assert client.get("/board").status_code == 200
    return n()


def test_board_queries_do_not_grow_with_products(client):
    viewer = factories.UserFactory()
    login(client, viewer)
    for _ in range(5):
        busy_product()
    few = _board_queries(client)
    for i in range(10):
        busy_product(visibility=Visibility.PRIVATE if i % 3 == 0 else Visibility.PUBLIC, ideas=6)
    many = _board_queries(client)
    assert few == many, (few, many)
    assert many <= 18  # 16, one for the ETag stamp that lets an unchanged poll answer 304, one for the misses


@pytest.mark.parametrize("anonymous", [True, False])
def test_maturity_page_queries_do_not_grow_with_data(client, anonymous):
    if not anonymous:
        login(client, factories.UserFactory())
    product = busy_product(raters=3, ideas=2)
    with count_queries() as n:
        assert client.get(f"/p/{product.slug}/maturity").status_code == 200
    few = n()
    factories.VersionFactory(product=product, label="v3", released_on=date.today() - timedelta(days=2))
    factories.VersionFactory(product=product, label="v4", released_on=date.today())
    db_product = product
    rated(db_product, 15)
    for i in range(8):
        factories.plain_idea(product, title=f"More {i}", votes=10 + i, answered=True, status=Status.PLANNED)
    with count_queries() as n:
        assert client.get(f"/p/{product.slug}/maturity").status_code == 200
    assert n() == few, (few, n())


def test_product_page_summary_queries_do_not_grow(client):
    product = busy_product(raters=2, ideas=1)
    with count_queries() as n:
        client.get(f"/p/{product.slug}")
    few = n()
    rated(product, 12)
    for i in range(5):
        factories.plain_idea(product, title=f"More {i}", votes=i)
    with count_queries() as n:
        client.get(f"/p/{product.slug}")
    assert n() == few


def test_a_prototype_card_says_what_it_needs_to_be_judged(client):
    """Nobody aims for below par: a Prototype's card says what it needs to be judged (issue 14.11)."""
    product = factories.rated_product(name="Young Bike")
    factories.rating(product.current_version)
    page = client.get("/board").get_data(as_text=True)
    assert "To be judged:" in page and "To reach Below par" not in page


def test_a_card_writes_its_lower_bound_once_the_same_way_as_its_blocker(client):
    """Issue 14.7: the card said "lower bound 5.2" above "Lower bound 5.1, needs 7.0" (rounded vs cut)."""
    product = factories.rated_product(name="Two Numbers")
    rated(product, 6, (3, 3, 3, 3, 3, 3))
    rated(product, 4, (2, 2, 2, 2, 2, 2))
    services.refresh_stage(product)
    db.session.commit()
    lower = services.maturity(product).figures.lower
    assert round(lower, 1) == 4.9 and lower < 4.9  # 4.873…: rounding would write 4.9
    page = client.get("/board").get_data(as_text=True)
    card = page[page.index("Two Numbers"):]
    card = card[:card.index("</article>")]
    assert "4.9" not in card
    assert "<dd>4.8</dd>" in card and "Lower bound 4.8, needs 7.0" in card


def test_the_team_reaches_the_touchpoints_from_the_product_page(client):
    """Issue 14.11: the touchpoints were reachable only from the maturity page."""
    product = factories.rated_product(name="Reachable")
    login(client, factories.member(product.company, Role.PRODUCT))
    assert f'href="/p/{product.slug}/touchpoints"' in client.get(f"/p/{product.slug}").get_data(as_text=True)
    client.post("/logout")
    login(client, factories.UserFactory())
    assert f'href="/p/{product.slug}/touchpoints"' not in client.get(f"/p/{product.slug}").get_data(as_text=True)
