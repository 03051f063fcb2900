import pytest
from flask import Blueprint, abort

from cocreate.extensions import db

# Registered on the test app by conftest, before its first request.
failing = Blueprint("failing", __name__, url_prefix="/_test")


@failing.get("/boom")
def boom():
    raise RuntimeError("secret internals")


@failing.get("/abort/<int:code>")
def abort_with(code: int):
    abort(code)


@pytest.mark.parametrize(("code", "title"), [(400, "not right"), (403, "Not allowed"), (404, "Not found"),
                                             (413, "Too large"), (429, "Slow down")])
def test_error_pages_are_friendly(client, code, title):
    response = client.get(f"/_test/abort/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert title in page and "Back to the start" in page and "Traceback" not in page


def test_500_shows_no_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/_test/boom")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Our mistake" in page and "secret internals" not in page and "Traceback" not in page


def test_body_over_the_limit_is_413(client, logged_in):
    response = client.post("/profile", data={"name": "x", "bio": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_unknown_page_is_404_and_database_session_survives(client):
    assert client.get("/p/does-not-exist").status_code == 404
    assert db.session.is_active
