"""Visitors' pages: no cookie, no CSRF token, shared for a few seconds per language and URL; signed-in people never
read the shared copy."""

import pytest

from cocreate.extensions import cache, db
from tests import factories
from tests.conftest import count_queries, login

VISITOR_PAGES = ["/", "/products", "/board", "/p/bike", "/p/bike/ideas", "/p/bike/ideas?sort=top", "/p/bike/roadmap",
                 "/p/bike/maturity"]


@pytest.fixture
def page_cache(app):
    """A real (per-process) cache store and a 5-second page cache, instead of the suite's off switches."""
    saved = app.config["CACHE_TYPE"], app.config["PAGE_CACHE_SECONDS"]
    app.config.update(CACHE_TYPE="SimpleCache", PAGE_CACHE_SECONDS=5)
    cache.init_app(app)
    cache.clear()
    yield
    cache.clear()
    app.config.update(CACHE_TYPE=saved[0], PAGE_CACHE_SECONDS=saved[1])
    cache.init_app(app)


@pytest.fixture
def bike():
    product = factories.rated_product(name="Bike")
    product.slug = "bike"
    factories.idea(product, title="Kickstand")
    db.session.commit()
    return product


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_a_visitors_page_sets_no_cookie_and_carries_no_csrf_token(client, app, bike, path):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.get(path)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "csrf_token" not in response.get_data(as_text=True)


def test_a_visitor_votes_by_logging_in_first(client, bike):
    html = client.get("/p/bike/ideas").get_data(as_text=True)
    assert 'method="get" action="/login"' in html and 'name="next" value="/p/bike/ideas"' in html


def test_visitors_share_a_copy_for_a_few_seconds_per_language(client, app, bike, page_cache):
    first = client.get("/p/bike/ideas")
    assert first.headers["X-Page-Cache"] == "miss"
    with count_queries() as queries:
        second = client.get("/p/bike/ideas")
    assert second.headers["X-Page-Cache"] == "hit" and queries() == 0 and second.data == first.data
    assert second.headers["Content-Security-Policy"]  # the security headers are added to every answer
    dutch = client.get("/p/bike/ideas", headers={"Accept-Language": "nl"})
    assert dutch.headers["X-Page-Cache"] == "miss" and dutch.data != first.data  # each language its own copy
    block = client.get("/p/bike/ideas", headers={"HX-Request": "true"})
    assert block.headers["X-Page-Cache"] == "miss"  # the htmx block is another representation


def test_signed_in_people_never_read_the_shared_copy(client, app, bike, page_cache):
    from cocreate.ideas.models import Idea
    from cocreate.ideas.services import set_vote

    assert client.get("/p/bike/ideas").headers["X-Page-Cache"] == "miss"  # a visitor's copy is now shared
    voter = factories.UserFactory()
    login(client, voter)
    set_vote(db.session.scalar(db.select(Idea)), voter, True)
    db.session.commit()
    page = client.get("/p/bike/ideas")
    assert "X-Page-Cache" not in page.headers  # rendered for them: their own vote shows at once
    assert 'aria-pressed="true"' in page.get_data(as_text=True)


def test_a_page_that_starts_a_session_is_not_shared(client, page_cache, csrf):
    for _ in range(2):
        response = client.get("/login")  # the login form needs a CSRF token, so a session
        assert response.status_code == 200 and "Set-Cookie" in response.headers
        assert "X-Page-Cache" not in response.headers
        client.delete_cookie("session")


def test_the_board_poll_of_a_visitor_is_shared_and_revalidated(client, bike, page_cache, runner):
    assert runner.invoke(args=["tasks", "run", "refresh_board"]).exit_code == 0
    first = client.get("/board", headers={"HX-Request": "true"})
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get("/board", headers={"HX-Request": "true", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["X-Page-Cache"] == "hit"


def test_pages_answer_when_the_cache_store_is_down(client, app, bike, page_cache, monkeypatch, caplog):
    """Redis holds the shared copies in production: when it is down, visitors get freshly rendered pages."""
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    with caplog.at_level("WARNING", logger="cocreate.page_cache"):
        response = client.get("/p/bike/ideas")
    assert response.status_code == 200 and "Kickstand" in response.get_data(as_text=True)
    assert "page cache unavailable" in caplog.text
