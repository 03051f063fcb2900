"""API tokens: scopes (read, write), expiry, last-used time, and revocation when the password changes (issue 15.8)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cocreate.api.models import ApiToken
from cocreate.api.services import create_token
from cocreate.extensions import db, utcnow
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import csrf_token, login

NEW_PASSWORD = "another fine passphrase"


def _token(user, **kwargs) -> str:
    _row, token = create_token(user, "tests", **kwargs)
    db.session.commit()
    return token


def _created(client, **data):
    return client.post("/profile/tokens", data={"name": "Jira sync", **data})


# --- scope -----------------------------------------------------------------------------------------------

def test_a_read_token_can_get_but_not_vote_comment_or_submit(client, api_user):
    token = _token(api_user, scope="read")
    idea = factories.idea()
    assert client.get(f"/api/v1/ideas/{idea.id}", headers=bearer(token)).status_code == 200
    for method, path, body in [("PUT", f"/api/v1/ideas/{idea.id}/vote", None),
                               ("DELETE", f"/api/v1/ideas/{idea.id}/vote", None),
                               ("POST", f"/api/v1/ideas/{idea.id}/comments", {"body": "Yes please"}),
                               ("POST", f"/api/v1/products/{idea.product.slug}/ideas", {"title": "Dark mode"})]:
        response = client.open(path, method=method, json=body, headers=bearer(token))
        assert response.status_code == 403, (method, path)
        assert response.is_json and "scope “read”" in response.json["error"]["message"]
    assert idea.vote_count == 1 and idea.comment_count == 0


def test_a_write_token_can_vote(client, api_user):
    idea = factories.idea()
    response = client.put(f"/api/v1/ideas/{idea.id}/vote", headers=bearer(_token(api_user, scope="write")))
    assert response.status_code == 200 and response.json["voted"] is True


def test_existing_tokens_are_write_tokens(app, api_user):
    """The migration's server default: rows made before scopes existed keep working as before."""
    token_id = db.session.execute(sa.insert(ApiToken).values(
        user_id=api_user.id, name="old", token_hash="0" * 64, prefix="cc_old", created_at=utcnow(),
    )).inserted_primary_key[0]
    db.session.commit()
    row = db.session.get(ApiToken, token_id)
    assert row.scope == "write" and row.expires_at is None and row.active


# --- expiry ----------------------------------------------------------------------------------------------

def test_an_expired_token_gets_401_like_an_unknown_one(client, api_user):
    token = _token(api_user, lifetime="30")
    row = db.session.scalar(sa.select(ApiToken))
    assert row.expires_at - utcnow() > timedelta(days=29, hours=23)
    assert client.get("/api/v1/products", headers=bearer(token)).status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get("/api/v1/products", headers=bearer(token))
    unknown = client.get("/api/v1/products", headers=bearer("cc_" + "x" * 43))
    assert expired.status_code == unknown.status_code == 401
    assert expired.json == unknown.json and "expired" in expired.json["error"]["message"]


def test_expired_tokens_do_not_count_against_the_limit(api_user):
    from cocreate.api.services import MAX_ACTIVE_TOKENS
    for _ in range(MAX_ACTIVE_TOKENS):
        _token(api_user)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(days=1)))
    _token(api_user)  # no refusal


# --- the token page --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("scope", "lifetime", "days"), [
    ("read", "30", 30), ("write", "90", 90), ("read", "365", 365), ("write", "never", None)])
def test_the_forms_choices_are_stored(client, logged_in, csrf, scope, lifetime, days):
    response = _created(client, scope=scope, lifetime=lifetime, csrf_token=csrf_token(client, "/profile/tokens"))
    assert response.status_code == 200
    row = db.session.scalar(sa.select(ApiToken))
    assert row.scope == scope
    if days is None:
        assert row.expires_at is None
    else:
        assert abs(row.expires_at - (utcnow() + timedelta(days=days))) < timedelta(minutes=1)


def test_the_form_offers_the_choices_without_javascript_read_and_90_days_first(client, logged_in):
    html = client.get("/profile/tokens").get_data(as_text=True)
    for value in ("read", "write"):
        assert f'name="scope" type="radio" value="{value}"' in html
    for value in ("30", "90", "365", "never"):
        assert f'name="lifetime" type="radio" value="{value}"' in html
    assert 'checked id="scope-0" name="scope" type="radio" value="read"' in html
    assert 'checked id="lifetime-1" name="lifetime" type="radio" value="90"' in html
    assert "<legend>It may</legend>" in html and "<legend>It expires</legend>" in html


def test_a_bad_choice_is_refused_in_place(client, logged_in):
    response = _created(client, scope="admin", lifetime="forever")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="scope-error"' in html and 'id="lifetime-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_page_shows_scope_expiry_and_last_use(client, logged_in):
    used = _token(logged_in, scope="read", lifetime="never")
    _token(logged_in, scope="write", lifetime="30")
    client.get("/api/v1/products", headers=bearer(used))
    html = client.get("/profile/tokens").get_data(as_text=True)
    assert ">read<" in html and ">read and write<" in html
    assert html.count(">never<") == 2  # the read token never expires; the write token was never used
    last_used = db.session.scalar(sa.select(ApiToken).where(ApiToken.scope == "read")).last_used_at
    assert last_used is not None


def test_an_expired_token_is_shown_as_expired(client, logged_in):
    _token(logged_in)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    html = client.get("/profile/tokens").get_data(as_text=True)
    assert "Expired " in html and ">Revoke<" not in html


# --- revocation -------------------------------------------------------------------------------------------

def _change_password(client):
    return client.post("/profile/password", data={
        "current": factories.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)


def test_a_password_change_revokes_every_token_and_says_so(client, logged_in):
    tokens = [_token(logged_in), _token(logged_in, scope="read")]
    other = factories.UserFactory()
    others = _token(other)
    page = _change_password(client)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ("Your 2 API tokens were revoked because your password changed; create new ones if you need them."
            in html)
    for token in tokens:
        assert client.get("/api/v1/products", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/products", headers=bearer(others)).status_code == 200
    assert all(row.revoked_at for row in db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id ==
                                                                                       logged_in.id)))


def test_a_password_change_says_nothing_about_tokens_when_there_are_none(client, logged_in):
    html = _change_password(client).get_data(as_text=True)
    assert "Your password is changed" in html and "revoked because your password changed" not in html


def test_the_notice_is_in_the_pages_language(client, logged_in):
    logged_in.locale = "nl"
    _token(logged_in)
    db.session.commit()
    html = _change_password(client).get_data(as_text=True)
    assert "Je API-token is ingetrokken omdat je wachtwoord is gewijzigd" in html


def test_a_refused_password_change_keeps_the_tokens(client, logged_in):
    token = _token(logged_in)
    response = client.post("/profile/password", data={
        "current": "not my password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "revoked because" not in response.get_data(as_text=True)
    assert client.get("/api/v1/products", headers=bearer(token)).status_code == 200


def test_logging_out_keeps_the_tokens(client, logged_in):
    """Log-out ends every session (there is no separate log-out-everywhere), but tokens are for programs."""
    token = _token(logged_in)
    client.post("/logout")
    assert client.get("/api/v1/products", headers=bearer(token)).status_code == 200
    login(client, logged_in)
