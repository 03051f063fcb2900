"""Security headers on every response; NUL bytes refused before they reach the database."""

from flask import Flask, abort, request


def csp(frame_ancestors: str = "'none'") -> str:
    """The site's Content-Security-Policy; only the rating widget's frame names other ``frame_ancestors`` (the
    product's allowed origins, cocreate/widget/routes.py)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


CSP = csp()


def has_nul_byte() -> bool:
    """Whether the path, query, form fields, file names or a JSON body carry U+0000.

    PostgreSQL cannot store it in text ("A string literal cannot contain NUL characters"): without this
    check any text field with a NUL was a 500 on PostgreSQL (found by tests/security/test_bad_input.py).
    """
    if "\x00" in request.path:
        return True
    if any("\x00" in (key or "") or "\x00" in (value or "") for key, value in request.values.items(multi=True)):
        return True
    if any("\x00" in (key or "") or "\x00" in (f.filename or "") for key, f in request.files.items(multi=True)):
        return True
    return request.is_json and b"\\u0000" in request.get_data()


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        if has_nul_byte():
            abort(400)

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:  # else a page made to be framed
            headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["PRODUCTION"]:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        return response
