"""Headers and cookies: HSTS and Secure cookies in production, HttpOnly + SameSite=Lax always, no server version,
and every form POST without a CSRF token refused (400)."""

import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cocreate.extensions import csrf
from tests import factories
from tests.security import world
from tests.security.matrix import CASES, OK

ROOT = Path(__file__).resolve().parents[2]


def _settings(monkeypatch, env: str) -> dict:
    """The Config class as a process started with COCREATE_ENV=`env` would build it."""
    monkeypatch.setenv("COCREATE_ENV", env)
    config = runpy.run_path(str(ROOT / "cocreate" / "config.py"))["Config"]
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


@pytest.fixture
def production_app(make_app, monkeypatch):
    production, development = _settings(monkeypatch, "production"), _settings(monkeypatch, "development")
    changed = {name: value for name, value in production.items() if development.get(name) != value}
    assert changed["PRODUCTION"] is True
    # production refuses to start without these (tests/security/test_production_settings.py); the test client's
    # host is localhost, which PUBLIC_URL's host makes the one trusted host
    production_app = make_app(**changed, PUBLIC_URL="http://localhost", SECRET_KEY="k" * 32)
    with production_app.app_context():
        yield production_app


def _cookie(response, name: str) -> list[str]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return [part.strip().lower() for part in header.split(";")]
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def _log_in(client, remember: bool = True):
    user = factories.UserFactory()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "remember": "y" if remember else ""})
    assert response.status_code == 303
    return response


def test_production_sends_hsts_everywhere(production_app):
    client = production_app.test_client()
    for path in ("/", "/login", "/nope", "/static/css/app.css"):
        response = client.get(path)
        response.close()
        hsts = response.headers["Strict-Transport-Security"]
        assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000


def test_production_cookies_are_secure_httponly_lax(production_app):
    response = _log_in(production_app.test_client())
    for name in ("session", "remember_token"):
        flags = _cookie(response, name)
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, (name, flags)


def test_development_cookies_are_httponly_lax_but_not_secure(client):
    response = _log_in(client)
    for name in ("session", "remember_token"):
        flags = _cookie(response, name)
        assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags, (name, flags)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_sends_no_server_version(tmp_path):
    """Under gunicorn with the project's gunicorn.conf.py, the Server header names no product or version."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "FLASK_APP": "wsgi.py"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=2) as r:  # noqa: S310
                    headers = r.headers
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
    servers = headers.get_all("Server") or []
    assert servers == ["cocreate"], servers
    assert headers["X-Content-Type-Options"] == "nosniff"


# --- CSRF -------------------------------------------------------------------------------------------------

# Views that take no CSRF token, and why. A new exemption fails test_csrf_exemptions_are_the_known_ones.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a session; the signed token is the proof.
    "cocreate.notifications.routes.unsubscribe_confirm",
    # The footer's language picker: a visitor's pages carry no token (no session, shared and cached); for a
    # signed-in account the view checks the token itself (tests/i18n/test_language.py).
    "cocreate.i18n.choose",
    # The rating widget's calls from the prototype's frame: they read no cookie. The session exchange takes the
    # company's signed token, the rating the widget's bearer token (tests/widget: a signed-in cookie alone is 401).
    "cocreate.widget.routes.session",
    "cocreate.widget.routes.rating",
}
CSRF_EXEMPT_BLUEPRINTS = {
    "api",  # the JSON API authenticates with a bearer token only, never the session cookie
}

POST_CASES = [case for case in CASES if case.method not in ("GET", "HEAD", "OPTIONS")]


def _exempt(app, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    return (f"{view.__module__}.{view.__name__}" in CSRF_EXEMPT
            or endpoint.partition(".")[0] in CSRF_EXEMPT_BLUEPRINTS)


def test_csrf_exemptions_are_the_known_ones(app):
    assert set(csrf._exempt_views) <= CSRF_EXEMPT, "a view is exempt from CSRF: justify it in CSRF_EXEMPT"
    blueprints = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints}
    assert blueprints <= CSRF_EXEMPT_BLUEPRINTS, "a blueprint is exempt from CSRF: justify it"


@pytest.mark.parametrize("case", POST_CASES, ids=lambda c: c.id)
def test_post_without_csrf_token_is_refused(app, client, csrf, case):
    if _exempt(app, case.endpoint):
        pytest.skip("exempt from CSRF: see CSRF_EXEMPT")
    w = world.build()
    # a role the route serves: allowed (OK), or reading the form and refusing it (400; the message tells which)
    role = next(r for r in ("owner", "product", "author", "customer", "anonymous") if case.expect[r] in (OK, 400))
    world.act_as(client, w.user(role))
    response = client.open(case.path(w), method=case.method, data=case.data(w, role))
    assert response.status_code == 400, f"{case.id} as {role} without a CSRF token: {response.status_code}"
    assert "not right" in response.get_data(as_text=True)


def test_post_with_a_csrf_token_goes_through(app, client, csrf):
    """The control for the test above: the same kind of POST with the page's token is accepted."""
    from tests.conftest import csrf_token

    w = world.build()
    world.act_as(client, w.user("customer"))
    token = csrf_token(client, f"/p/{w.product.slug}/ideas/{w.idea.id}")
    response = client.post(f"/p/{w.product.slug}/ideas/{w.idea.id}/comments",
                           data={"body": "With a token", "csrf_token": token})
    assert response.status_code == 303
