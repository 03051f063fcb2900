"""Touchpoint names in the reader's language (issue 14.5): defaults follow the language, the team may name each
touchpoint per language, and every place that shows a touchpoint uses that name (falling back to the original)."""

import csv
import io

import pytest

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.maturity import services
from cocreate.products.models import DEFAULT_TOUCHPOINTS
from cocreate.products.touchpoint_names import DEFAULT_DESCRIPTIONS
from tests import factories
from tests.api.conftest import bearer, token_for
from tests.conftest import csrf_token, login


def _in(language: str) -> dict:
    return {"Accept-Language": language}


@pytest.fixture
def product():
    """Delivery is clearly the weakest touchpoint, with enough raters to be judged."""
    product = factories.rated_product(versions=1)
    for _ in range(12):
        factories.rating(product.current_version, scores=(5, 5, 5, 2, 5, 5))
    services.refresh_stage(product)
    db.session.commit()
    return product


def _touchpoint(product, name):
    return next(t for t in product.touchpoints if t.name == name)


def test_default_touchpoints_are_named_in_the_readers_language_on_the_rating_form(client, product):
    login(client, factories.UserFactory(locale=None))
    for language, delivery, ease in (("nl", "Levering", "Gebruiksgemak"), ("it", "Consegna", "Facilità d’uso"),
                                     ("en", "Delivery", "Ease of use")):
        page = client.get(f"/p/{product.slug}/rate", headers=_in(language)).get_data(as_text=True)
        assert f'<span class="score-name">{delivery}</span>' in page, language
        assert f'<span class="score-name">{ease}</span>' in page
    # The default descriptions too (a description the team wrote stays as written).
    page = client.get(f"/p/{product.slug}/rate", headers=_in("nl")).get_data(as_text=True)
    assert "Het ontvangen, het instellen, updates die komen zoals beloofd." in page
    assert "Getting it, setting it up" not in page


def test_the_maturity_page_and_the_board_name_them_in_the_readers_language(client, product):
    page = client.get(f"/p/{product.slug}/maturity", headers=_in("nl")).get_data(as_text=True)
    assert "<th scope=\"row\">Levering</th>" in page and "<th scope=\"row\">Delivery</th>" not in page
    assert "Levering 4,0" in page  # the weakest touchpoint, in the key figures and the blockers
    assert ">Levering<" in page or "Levering</text>" in page  # the chart's label
    board = client.get("/board", headers=_in("it")).get_data(as_text=True)
    assert "Consegna 4,0" in board and "Delivery 4" not in board
    english = client.get("/board", headers=_in("en")).get_data(as_text=True)
    assert "Delivery 4.0" in english


def test_the_team_names_a_touchpoint_per_language_and_empty_falls_back(app, client, product):
    team = factories.member(product.company, Role.PRODUCT)
    login(client, team)
    delivery = _touchpoint(product, "Delivery")
    page = client.get(f"/p/{product.slug}/touchpoints").get_data(as_text=True)
    assert 'name="name_nl" value="Levering"' in page and 'name="name_it" value="Consegna"' in page
    response = client.post(f"/p/{product.slug}/touchpoints/{delivery.id}", data={
        "csrf_token": csrf_token(client, f"/p/{product.slug}/touchpoints"), "name": "Delivery",
        "description": delivery.description, "name_en": "Shipping", "name_nl": "Bezorging", "name_it": ""})
    assert response.status_code == 303
    db.session.refresh(delivery)
    assert delivery.names == {"en": "Shipping", "nl": "Bezorging"}
    client = app.test_client()  # a customer's browser
    login(client, factories.UserFactory(locale=None))
    assert '<span class="score-name">Bezorging</span>' in client.get(
        f"/p/{product.slug}/rate", headers=_in("nl")).get_data(as_text=True)
    assert '<span class="score-name">Delivery</span>' in client.get(  # no Italian name: the original
        f"/p/{product.slug}/rate", headers=_in("it")).get_data(as_text=True)
    # The stored figures carry the new names at once: the board names it too.
    assert "Bezorging 4,0" in client.get("/board", headers=_in("nl")).get_data(as_text=True)
    assert "Shipping 4.0" in client.get("/board", headers=_in("en")).get_data(as_text=True)


def test_a_new_touchpoint_gets_its_names_and_a_too_long_one_is_refused(client, product):
    team = factories.member(product.company, Role.PRODUCT)
    login(client, team)
    token = csrf_token(client, f"/p/{product.slug}/touchpoints")
    too_long = client.post(f"/p/{product.slug}/touchpoints", data={
        "csrf_token": token, "name": "Onboarding", "name_nl": "x" * 61})
    assert too_long.status_code == 400 and "Onboarding" in too_long.get_data(as_text=True)
    added = client.post(f"/p/{product.slug}/touchpoints", data={
        "csrf_token": token, "name": "Onboarding", "name_nl": "Eerste week", "name_it": "Prima settimana"})
    assert added.status_code == 303
    assert _touchpoint(product, "Onboarding").names == {"nl": "Eerste week", "it": "Prima settimana"}


def test_ideas_name_their_touchpoint_in_the_readers_language(client, product):
    author = factories.UserFactory(locale=None)
    idea = factories.idea(product, author, title="Faster shipping", touchpoint_id=_touchpoint(product, "Delivery").id)
    services.refresh_stage(product)  # a new open idea is a top idea of the stored figures
    db.session.commit()
    page = client.get(f"/p/{product.slug}/ideas/{idea.id}", headers=_in("it")).get_data(as_text=True)
    assert "· Consegna" in page
    listed = client.get(f"/p/{product.slug}/ideas", headers=_in("nl")).get_data(as_text=True)
    assert "<span>Levering</span>" in listed  # the card
    assert ">Levering</option>" in listed  # the filter
    login(client, author)
    form = client.get(f"/p/{product.slug}/ideas/new", headers=_in("nl")).get_data(as_text=True)
    assert ">Levering</option>" in form and ">Delivery</option>" not in form


def test_the_csv_names_the_touchpoint_in_the_readers_language(client, product):
    team = factories.member(product.company, Role.PRODUCT)
    factories.idea(product, title="Faster shipping", touchpoint_id=_touchpoint(product, "Delivery").id)
    services.refresh_stage(product)
    db.session.commit()
    login(client, team)
    data = client.get(f"/p/{product.slug}/ideas.csv", headers=_in("nl")).data.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(data)))
    assert row["touchpoint"] == "Levering"


def test_the_api_names_touchpoints_in_the_requested_language(client, product):
    headers = bearer(token_for(factories.UserFactory()))
    listed = client.get(f"/api/v1/products/{product.slug}/touchpoints?lang=it", headers=headers).json["data"]
    delivery = next(t for t in listed if t["original_name"] == "Delivery")
    assert delivery["name"] == "Consegna" and delivery["names"] == {"nl": "Levering", "it": "Consegna"}
    assert delivery["description"] == "Riceverlo, installarlo, aggiornamenti che arrivano come promesso."
    maturity = client.get(f"/api/v1/products/{product.slug}/maturity?lang=nl", headers=headers).json
    assert maturity["figures"]["weakest"]["name"] == "Levering"
    assert {t["name"] for t in maturity["figures"]["touchpoints"]} >= {"Levering", "Gebruiksgemak"}
    by_header = client.get(f"/api/v1/products/{product.slug}/touchpoints", headers={**headers, **_in("nl")}).json
    assert "Levering" in [t["name"] for t in by_header["data"]]
    english = client.get("/api/v1/board?lang=en", headers=headers).json["data"]
    assert any(m["figures"]["weakest"] and m["figures"]["weakest"]["name"] == "Delivery" for m in english)
    assert client.get(f"/api/v1/products/{product.slug}/touchpoints?lang=de", headers=headers).status_code == 400


def test_the_default_descriptions_marked_for_translation_are_those_of_the_defaults():
    assert {description for _name, description in DEFAULT_TOUCHPOINTS} == DEFAULT_DESCRIPTIONS


def test_the_migration_names_existing_default_touchpoints(tmp_path):
    """Migration 0017 gives the default touchpoints of products made before it their Dutch and Italian names."""
    from cocreate import create_app
    from cocreate.config import TestConfig

    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    runner = app.test_cli_runner()
    with app.app_context():
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        from sqlalchemy import text

        db.session.execute(text("INSERT INTO companies (name, slug, created_at) VALUES ('Old', 'old', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO products (company_id, name, slug, tagline, description, description_html, visibility, "
            "created_at, updated_at) VALUES (1, 'Old', 'old', '', '', '', 'public', '2026-01-01', '2026-01-01')"))
        for position, name in enumerate(("Delivery", "Ease of use", "Our own")):
            db.session.execute(text("INSERT INTO touchpoints (product_id, name, description, position) "
                                    "VALUES (1, :name, '', :position)"), {"name": name, "position": position})
        db.session.commit()
        result = runner.invoke(args=["db", "downgrade", "0020"])  # back to before 0017: the names go
        assert result.exit_code == 0, result.output
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        names = dict(db.session.execute(text("SELECT name, names FROM touchpoints ORDER BY position")).all())
        db.engine.dispose()
    assert names["Delivery"] and '"nl": "Levering"' in names["Delivery"] and '"it": "Consegna"' in names["Delivery"]
    assert "Gebruiksgemak" in names["Ease of use"]
    assert names["Our own"] == "{}"  # a company's own touchpoint has no names until the team gives them
