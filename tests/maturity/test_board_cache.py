"""The board reads figures through the shared cache; a new rating refreshes them at once."""

import pytest

from cocreate.extensions import cache
from tests import factories
from tests.conftest import count_queries, login
from tests.maturity.test_ratings import form


@pytest.fixture
def cached(app):
    """A real (per-process) cache instead of the suite's NullCache."""
    previous = app.config["CACHE_TYPE"]
    app.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app)
    cache.clear()
    yield
    cache.clear()
    app.config["CACHE_TYPE"] = previous
    cache.init_app(app)


def test_board_serves_stored_figures_and_a_rating_updates_them(app, client, cached):
    product = factories.rated_product(versions=1, name="Cached Bike")
    for _ in range(9):
        factories.rating(product.current_version, scores=(5, 5, 5, 5, 5, 5))
    with count_queries() as first:
        page = client.get("/board").get_data(as_text=True)
    assert "Needs 1 more rater (9 of 10)" in page
    with count_queries() as second:
        assert client.get("/board").status_code == 200
    assert second() < first()  # the figures come from the cache, not from the facts

    # The tenth rater, through the rating form: the board moves without waiting for the cache to expire.
    rater = app.test_client()
    login(rater, factories.UserFactory())
    assert rater.post(f"/p/{product.slug}/rate", data=form(product, scores=(5, 5, 5, 5, 5, 5))).status_code == 303
    page = client.get("/board").get_data(as_text=True)
    assert "Needs 1 more rater" not in page and "Raters" in page
