"""The JSON API: tokens, visibility, roles, pagination, votes, comments, statuses, errors."""

import hashlib

import pytest
import sqlalchemy as sa

from cocreate.api.models import ApiToken
from cocreate.companies.models import Role
from cocreate.extensions import db, limiter, utcnow
from cocreate.ideas.models import Status
from cocreate.products.models import Visibility
from tests import factories
from tests.api.conftest import bearer, token_for
from tests.conftest import count_queries, csrf_token, login

# --- tokens --------------------------------------------------------------------------------------------

def test_token_page_shows_the_token_once_and_stores_only_its_hash(client, logged_in, csrf):
    assert "API tokens" in client.get("/profile").get_data(as_text=True)
    token_field = csrf_token(client, "/profile/tokens")
    page = client.post("/profile/tokens", data={"name": "Jira sync", "csrf_token": token_field})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    token = html.split('<code class="token">')[1].split("</code>")[0]
    assert token.startswith("cc_") and len(token) > 40
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str([getattr(row, c.key) for c in ApiToken.__table__.columns])
    again = client.get("/profile/tokens").get_data(as_text=True)
    assert "Jira sync" in again and token not in again and token[:10] in again
    assert client.get("/api/v1/products", headers=bearer(token)).status_code == 200


def test_revoked_token_no_longer_works_and_others_cannot_revoke_it(client, logged_in):
    token = token_for(logged_in)
    row = db.session.scalar(sa.select(ApiToken))
    stranger = factories.UserFactory()
    client.post("/logout")
    login(client, stranger)
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 404
    assert client.get("/api/v1/products", headers=bearer(token)).status_code == 200
    client.post("/logout")
    login(client, logged_in)
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 303
    response = client.get("/api/v1/products", headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["message"].startswith("That API token is unknown, revoked or expired")


def test_token_page_needs_a_csrf_token(client, logged_in, csrf):
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "Bearer cc_" + "x" * 43])
def test_missing_or_bad_token_is_a_json_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/products", headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.json["error"]["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_is_not_accepted_by_the_api(client, logged_in):
    """Cookies never authenticate the API, so it needs no CSRF protection."""
    assert client.get("/api/v1/products").status_code == 401


# --- errors are JSON everywhere under /api -------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "code"), [
    ("GET", "/api/v1/nothing-here", 404),
    ("GET", "/api/v1/ideas/abc", 404),
    ("GET", f"/api/v1/ideas/{2**63}", 404),
    ("PATCH", "/api/v1/products", 405),
    ("GET", "/api/v1/products/" + "x" * 500, 404),
])
def test_errors_are_json_never_html(client, auth, method, path, code):
    response = client.open(path, method=method, headers=auth)
    assert response.status_code == code
    assert response.is_json and response.json["error"]["status"] == code


def test_bodies_over_the_limit_get_a_json_413(client, auth):
    product = factories.ProductFactory()
    response = client.post(f"/api/v1/products/{product.slug}/ideas", headers=auth,
                           data=b"x" * (3 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413 and response.is_json


# --- visibility ----------------------------------------------------------------------------------------

def test_private_products_are_hidden_from_strangers_and_shown_to_members(client, auth, api_user):
    public = factories.ProductFactory(name="Alpha")
    private = factories.ProductFactory(name="Beta", visibility=Visibility.PRIVATE)
    idea = factories.idea(private)
    listed = client.get("/api/v1/products", headers=auth).json["data"]
    assert [p["slug"] for p in listed] == [public.slug]
    for path in (f"/api/v1/products/{private.slug}", f"/api/v1/products/{private.slug}/ideas",
                 f"/api/v1/ideas/{idea.id}", f"/api/v1/ideas/{idea.id}/comments",
                 f"/api/v1/products/{private.slug}/maturity"):
        assert client.get(path, headers=auth).status_code == 404, path
    assert client.put(f"/api/v1/ideas/{idea.id}/vote", headers=auth).status_code == 404
    assert [m["product"] for m in client.get("/api/v1/board", headers=auth).json["data"]] == [public.slug]

    factories.MembershipFactory(company=private.company, user=api_user, role=Role.MARKETING)
    assert client.get(f"/api/v1/ideas/{idea.id}", headers=auth).status_code == 200
    assert len(client.get("/api/v1/products", headers=auth).json["data"]) == 2


# --- products, versions, board -------------------------------------------------------------------------

def test_product_versions_and_maturity(client, auth):
    product = factories.rated_product(versions=2)
    body = client.get(f"/api/v1/products/{product.slug}", headers=auth).json
    assert body["name"] == product.name and body["current_version"] == "v2"
    assert [v["label"] for v in client.get(f"/api/v1/products/{product.slug}/versions", headers=auth).json["data"]] \
        == ["v2", "v1"]
    figures = client.get(f"/api/v1/products/{product.slug}/maturity", headers=auth).json
    assert figures["stage"] == "Prototype" and figures["version"] == "v2"
    assert len(figures["figures"]["touchpoints"]) == 6


# --- ideas ---------------------------------------------------------------------------------------------

def test_ideas_list_filters_sorts_and_pages_with_cursors(client, auth):
    product = factories.ProductFactory()
    for i in range(5):
        factories.idea(product, title=f"Idea number {i}")
    shipped = factories.idea(product, title="Dark mode please")
    shipped.status = Status.PLANNED
    db.session.commit()

    first = client.get(f"/api/v1/products/{product.slug}/ideas?sort=new&limit=2", headers=auth).json
    assert [i["title"] for i in first["data"]] == ["Dark mode please", "Idea number 4"]
    assert first["next_cursor"] and first["next"].endswith(f"cursor={first['next_cursor']}")
    # An idea submitted meanwhile does not shift the pages that follow (an offset would repeat "Idea number 4").
    factories.idea(product, title="Newest of all")
    second = client.get(first["next"], headers=auth).json
    assert [i["title"] for i in second["data"]] == ["Idea number 3", "Idea number 2"]
    third = client.get(f"/api/v1/products/{product.slug}/ideas?sort=new&limit=2&cursor={second['next_cursor']}",
                       headers=auth).json
    assert [i["title"] for i in third["data"]] == ["Idea number 1", "Idea number 0"]
    assert third["next_cursor"] is None and third["next"] is None

    planned = client.get(f"/api/v1/products/{product.slug}/ideas?status=planned", headers=auth).json
    assert [i["title"] for i in planned["data"]] == ["Dark mode please"]
    found = client.get(f"/api/v1/products/{product.slug}/ideas?q=dark", headers=auth).json
    assert [i["title"] for i in found["data"]] == ["Dark mode please"]


@pytest.mark.parametrize("sort", ["trending", "top", "new", "discussed"])
def test_every_order_pages_through_all_ideas_once(client, auth, sort):
    product = factories.ProductFactory()
    ideas = [factories.idea(product, title=f"Idea {i}") for i in range(7)]
    for n, idea in enumerate(ideas):
        idea.vote_count, idea.comment_count = n % 3, n % 2  # ties, broken by the id
    db.session.commit()
    seen, url = [], f"/api/v1/products/{product.slug}/ideas?sort={sort}&limit=3"
    while url:
        body = client.get(url, headers=auth).json
        seen += [i["id"] for i in body["data"]]
        url = body["next"]
    assert sorted(seen) == sorted(i.id for i in ideas) and len(seen) == 7


@pytest.mark.parametrize(("query", "message"), [
    ("limit=101", "“limit” must be a whole number from 1 to 100."),
    ("limit=0", "“limit” must be a whole number from 1 to 100."),
    ("limit=abc", "“limit” must be a whole number from 1 to 100."),
    ("per_page=5", "“per_page” is not known to this request."),
    ("sort=best", "“sort” is one of: trending, top, new, discussed."),
    ("status=closed", "“status” is one of: open, under_review, planned, in_progress, shipped, declined, merged."),
    ("q=" + "x" * 201, "“q” is longer than 200 characters."),
    ("cursor=abc", "“cursor” is not one this list gave: start again without it."),
    ("cursor=" + "a.b" * 200, "“cursor” is not one this list gave: start again without it."),
])
def test_bad_list_parameters_get_a_clear_400(client, auth, query, message):
    product = factories.ProductFactory()
    response = client.get(f"/api/v1/products/{product.slug}/ideas?{query}", headers=auth)
    assert response.status_code == 400
    assert response.json["error"]["message"] == message


def test_a_cursor_of_another_list_is_refused(client, auth):
    product = factories.ProductFactory()
    for _ in range(3):
        factories.idea(product)
    cursor = client.get(f"/api/v1/products/{product.slug}/ideas?sort=top&limit=1", headers=auth).json["next_cursor"]
    response = client.get(f"/api/v1/products/{product.slug}/ideas?sort=new&cursor={cursor}", headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["message"] == "“cursor” is not one this list gave: start again without it."
    forged = client.get(f"/api/v1/products/{product.slug}/ideas?sort=top&cursor={cursor[:-2]}xx", headers=auth)
    assert forged.status_code == 422


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/v1/products/{slug}/ideas?q=a%00b", None),
    ("POST", "/api/v1/products/{slug}/ideas", {"title": "a\x00b"}),
    ("POST", "/api/v1/products/{slug}/ideas", {"title": "ok", "description": "\x00"}),
])
def test_nul_characters_are_a_json_400_on_every_database(client, auth, method, path, body):
    product = factories.ProductFactory()
    response = client.open(path.format(slug=product.slug), method=method, json=body, headers=auth)
    assert response.status_code == 400 and response.json["error"]["status"] == 400


@pytest.mark.parametrize("q", ["' OR 1=1--", "%", "_", "\"", "a:b*"])
def test_search_is_parameterised(client, auth, q):
    product = factories.ProductFactory()
    factories.idea(product, title="Plain idea")
    response = client.get(f"/api/v1/products/{product.slug}/ideas", query_string={"q": q}, headers=auth)
    assert response.status_code == 200 and response.json["data"] == []


def test_ideas_list_costs_the_same_queries_for_2_and_20_ideas(client, auth):
    product = factories.ProductFactory()
    url = f"/api/v1/products/{product.slug}/ideas?limit=50"
    factories.idea(product)
    factories.idea(product)
    client.get(url, headers=auth)  # warm up (last_used_at)
    with count_queries() as few:
        client.get(url, headers=auth)
    for _ in range(18):
        factories.idea(product)
    with count_queries() as many:
        assert len(client.get(url, headers=auth).json["data"]) == 20
    assert many() == few()


def test_create_idea_then_get_it(client, auth, api_user):
    product = factories.ProductFactory()
    response = client.post(f"/api/v1/products/{product.slug}/ideas", headers=auth,
                           json={"title": "  Offline mode  ", "description": "Please **do** it"})
    assert response.status_code == 201
    idea = response.json
    assert idea["title"] == "Offline mode" and idea["vote_count"] == 1 and idea["voted"] is True
    assert idea["author"] == {"id": api_user.id, "name": api_user.name}
    assert response.headers["Location"].endswith(f"/api/v1/ideas/{idea['id']}")
    assert client.get(f"/api/v1/ideas/{idea['id']}", headers=auth).json["title"] == "Offline mode"


@pytest.mark.parametrize(("body", "message"), [
    ({}, "“title” is required."),
    ({"title": "   "}, "“title” is required."),
    ({"title": 5}, "“title” must be a string."),
    ({"title": "x" * 121}, "“title” is longer than 120 characters."),
    ({"title": "ok", "colour": "red"}, "“colour” is not known to this request."),
    ({"title": "ok", "version_id": "abc"}, "“version_id” must be a positive integer id."),
    ([1, 2], "Send a JSON object with Content-Type: application/json."),
])
def test_create_idea_rejects_bad_input_clearly(client, auth, body, message):
    product = factories.ProductFactory()
    response = client.post(f"/api/v1/products/{product.slug}/ideas", headers=auth, json=body)
    assert response.status_code == 400
    assert response.json["error"]["message"] == message


def test_create_idea_with_another_products_version_is_refused_by_the_rule(client, auth):
    product = factories.ProductFactory()
    other = factories.VersionFactory()
    response = client.post(f"/api/v1/products/{product.slug}/ideas", headers=auth,
                           json={"title": "Nice", "version_id": other.id})
    assert response.status_code == 422
    assert response.json["error"]["message"] == "Choose one of this product's versions."


def test_votes_are_idempotent(client, auth):
    idea = factories.idea()
    url = f"/api/v1/ideas/{idea.id}/vote"
    assert client.put(url, headers=auth).json == {"idea_id": idea.id, "voted": True, "vote_count": 2}
    assert client.put(url, headers=auth).json["vote_count"] == 2
    assert client.get(f"/api/v1/ideas/{idea.id}", headers=auth).json["voted"] is True
    assert client.delete(url, headers=auth).json == {"idea_id": idea.id, "voted": False, "vote_count": 1}
    assert client.delete(url, headers=auth).json["vote_count"] == 1


def test_voting_on_a_closed_idea_is_a_409(client, auth):
    idea = factories.idea()
    idea.status = Status.DECLINED
    db.session.commit()
    response = client.put(f"/api/v1/ideas/{idea.id}/vote", headers=auth)
    assert response.status_code == 409
    assert "Voting is closed" in response.json["error"]["message"]


def test_comments_list_and_create_with_replies(client, auth):
    idea = factories.idea()
    first = client.post(f"/api/v1/ideas/{idea.id}/comments", headers=auth, json={"body": "Yes please"})
    assert first.status_code == 201 and first.json["body"] == "Yes please"
    reply = client.post(f"/api/v1/ideas/{idea.id}/comments", headers=auth,
                        json={"body": "Agreed", "parent_id": first.json["id"]})
    assert reply.json["parent_id"] == first.json["id"]
    listed = client.get(f"/api/v1/ideas/{idea.id}/comments", headers=auth).json["data"]
    assert [c["body"] for c in listed] == ["Yes please", "Agreed"]
    assert client.get(f"/api/v1/ideas/{idea.id}", headers=auth).json["comment_count"] == 2
    elsewhere = factories.idea(idea.product)
    response = client.post(f"/api/v1/ideas/{elsewhere.id}/comments", headers=auth,
                           json={"body": "x", "parent_id": first.json["id"]})
    assert response.status_code == 422


@pytest.mark.parametrize(("role", "allowed"), [(None, False), (Role.MARKETING, False), (Role.PRODUCT, True),
                                                (Role.OWNER, True)])
def test_status_change_is_for_the_team_only(client, api_user, auth, role, allowed):
    idea = factories.idea()
    if role is not None:
        factories.MembershipFactory(company=idea.product.company, user=api_user, role=role)
    response = client.post(f"/api/v1/ideas/{idea.id}/status", headers=auth,
                           json={"status": "planned", "promised_on": "2027-01-31", "note": "Soon"})
    if allowed:
        assert response.status_code == 200
        assert response.json["status"] == "planned" and response.json["promised_on"] == "2027-01-31"
    else:
        assert response.status_code == 403 and response.json["error"]["status"] == 403
        assert db.session.get(type(idea), idea.id).status == Status.OPEN


def test_status_change_rules_come_from_the_service(client, api_user, auth):
    idea = factories.idea()
    factories.MembershipFactory(company=idea.product.company, user=api_user, role=Role.PRODUCT)
    url = f"/api/v1/ideas/{idea.id}/status"
    shipped = client.post(url, headers=auth, json={"status": "shipped"})
    assert shipped.status_code == 422
    assert shipped.json["error"]["message"] == "Name the prototype version that shipped this idea."
    merged = client.post(url, headers=auth, json={"status": "merged"})  # only by merging, never set
    assert merged.status_code == 400 and merged.json["error"]["message"].startswith("“status” is one of: open")
    soon = client.post(url, headers=auth, json={"status": "planned", "promised_on": "soon"})
    assert soon.status_code == 400 and soon.json["error"]["message"] == "“promised_on” must be a date like 2026-12-31."
    version = factories.VersionFactory(product=idea.product)
    ok = client.post(url, headers=auth, json={"status": "shipped", "shipped_version_id": version.id})
    assert ok.json["status"] == "shipped" and ok.json["shipped_version_id"] == version.id


# --- rate limits ---------------------------------------------------------------------------------------

@pytest.fixture
def limited_app():
    """A second app with rate limits on (the suite's app has them off), on its own database."""
    from cocreate import create_app
    from cocreate.config import TestConfig
    from tests.conftest import Client

    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "RATELIMIT_ENABLED": True})
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    limiter.enabled = False


def test_rate_limit_is_per_token(limited_app):
    client = limited_app.test_client()
    user = factories.UserFactory()
    one, two = token_for(user), token_for(user)
    idea = factories.idea()
    for _ in range(30):
        assert client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer(one)).status_code == 200
    limited = client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer(one))
    assert limited.status_code == 429 and limited.is_json
    assert int(limited.headers["Retry-After"]) > 0
    assert client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer(two)).status_code == 200
    assert client.get("/api/v1/products", headers=bearer(one)).status_code == 200


def test_a_server_error_is_json_without_a_traceback(app, client, auth, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("cocreate.api.routes.products.visible_query", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/api/v1/products", headers=auth)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500 and response.json["error"]["status"] == 500
    assert "secret detail" not in response.get_data(as_text=True)


# --- the promise ledger and the journey (issue 17) ------------------------------------------------------

def test_the_promise_ledger_and_the_journey_map(client, auth):
    from datetime import date, timedelta

    from cocreate.ideas.services import change_status
    from cocreate.maturity.services import save_rating

    product = factories.rated_product(versions=2)
    team = factories.member(product.company, Role.PRODUCT)
    idea = factories.idea(product, title="Night mode")
    change_status(idea, team, Status.PLANNED, promised_on=date.today() + timedelta(days=5))
    rater = factories.UserFactory(created_at=utcnow() - timedelta(days=90))
    save_rating(rater, product, product.current_version, {t.id: 4 for t in product.touchpoints}, expected=None,
                returning=True)
    db.session.commit()

    ledger = client.get(f"/api/v1/products/{product.slug}/promises", headers=auth).json
    assert (ledger["kept"], ledger["due"], ledger["reliability"]) == (0, 0, None)
    assert [(e["title"], e["outcome"], e["days"]) for e in ledger["data"]] == [("Night mode", "open", 5)]
    assert ledger["next_cursor"] is None

    journey = client.get(f"/api/v1/products/{product.slug}/journey?raters=returning&lang=nl", headers=auth).json
    assert journey["raters"] == "returning" and [v["label"] for v in journey["versions"]] == ["v1", "v2"]
    first = journey["rows"][0]
    assert first["touchpoint"]["name"] == product.touchpoints[0].name_in("nl")
    assert [(c["raters"], c["grade"], c["band"]) for c in first["cells"]] == [(0, None, "few"), (1, 8.0, "few")]
    assert client.get(f"/api/v1/products/{product.slug}/journey?raters=first", headers=auth).json[
        "rows"][0]["cells"][1]["raters"] == 0
    assert client.get(f"/api/v1/products/{product.slug}/journey?raters=everyone", headers=auth).status_code == 400


# --- ratings, stage history, cursors and ETags (issue 18.1) ---------------------------------------------

def test_versions_carry_their_ratings_summed_up_for_anyone_who_sees_the_product(client, auth):
    product = factories.rated_product(versions=2)
    old, current = product.versions[1], product.versions[0]
    factories.rating(current, scores=(5, 5, 5, 5, 5, 5), expected=4)
    factories.rating(current, scores=(3, 3, 3, 3, 3, 3), expected=4)
    factories.rating(old, scores=(2, 2, 2, 2, 2, 2))
    db.session.commit()
    body = client.get(f"/api/v1/products/{product.slug}/versions?lang=nl", headers=auth).json
    assert [v["label"] for v in body["data"]] == ["v2", "v1"] and body["next_cursor"] is None
    newest = body["data"][0]["ratings"]
    assert (newest["raters"], newest["grade"], newest["gap_first"]) == (2, 8.0, 0.0)
    assert newest["lower"] == 6.0  # 8 less the standard error of (10, 6): sample SD 2.83 / sqrt 2
    first = newest["touchpoints"][0]
    assert (first["ratings"], first["grade"]) == (2, 8.0)
    assert first["name"] == product.touchpoints[0].name_in("nl")
    assert body["data"][1]["ratings"]["raters"] == 1 and body["data"][1]["ratings"]["grade"] == 4.0
    # Paged one by one, the two versions come once each.
    one = client.get(f"/api/v1/products/{product.slug}/versions?limit=1", headers=auth).json
    assert [v["label"] for v in one["data"]] == ["v2"]
    assert [v["label"] for v in client.get(one["next"], headers=auth).json["data"]] == ["v1"]


def test_single_ratings_are_for_the_team_only(client, api_user, auth):
    product = factories.rated_product(versions=1)
    rater = factories.UserFactory(name="Rita Rater")
    factories.rating(product.versions[0], rater, scores=(4, 5, 3, 4, 4, 2), expected=3, comment="Checkout hurts")
    db.session.commit()
    url = f"/api/v1/products/{product.slug}/ratings"
    refused = client.get(url, headers=auth)
    assert refused.status_code == 403 and "sums on /products/{slug}/versions" in refused.json["error"]["message"]

    factories.MembershipFactory(company=product.company, user=api_user, role=Role.MARKETING)
    body = client.get(url, headers=auth).json
    assert body["version"] == "v1" and len(body["data"]) == 1
    rating = body["data"][0]
    assert rating["rater"]["name"] == "Rita Rater" and rating["comment"] == "Checkout hurts"
    assert rating["expected"] == 3 and [sc["score"] for sc in rating["scores"]] == [4, 5, 3, 4, 4, 2]
    assert client.get(url + "?version=v9", headers=auth).status_code == 404


def test_stage_history_lists_every_move_newest_first(client, auth):
    from cocreate.maturity.services import refresh_stages

    product = factories.rated_product(versions=1)
    for _ in range(10):
        factories.rating(product.versions[0], scores=(4, 4, 4, 4, 4, 4))
    db.session.commit()
    refresh_stages([product])
    db.session.commit()
    body = client.get(f"/api/v1/products/{product.slug}/stage-history", headers=auth).json
    assert [(c["from_stage"], c["to_stage"]) for c in body["data"]] == [("Prototype", "Good")]
    change = body["data"][0]
    assert change["version"] == "v1" and change["raters"] == 10 and change["grade"] == 8.0
    assert all(isinstance(text, str) for text in change["blockers"])


def test_products_page_by_name_with_cursors(client, auth):
    for name in ("Cherry", "Apple", "Banana"):
        factories.ProductFactory(name=name)
    first = client.get("/api/v1/products?limit=2", headers=auth).json
    assert [p["name"] for p in first["data"]] == ["Apple", "Banana"]
    assert [p["name"] for p in client.get(first["next"], headers=auth).json["data"]] == ["Cherry"]


def test_an_unchanged_read_is_a_304_and_a_change_gives_a_new_etag(client, auth):
    product = factories.ProductFactory()
    idea = factories.idea(product, title="Offline mode")
    url = f"/api/v1/ideas/{idea.id}"
    first = client.get(url, headers=auth)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag and first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(url, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.put(f"{url}/vote", headers=auth).status_code == 200
    changed = client.get(url, headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["voted"] is True and changed.headers["ETag"] != etag
    listed = client.get(f"/api/v1/products/{product.slug}/ideas", headers=auth)
    assert client.get(f"/api/v1/products/{product.slug}/ideas",
                      headers={**auth, "If-None-Match": listed.headers["ETag"]}).status_code == 304
