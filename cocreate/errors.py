"""Friendly error pages; never a traceback."""

import time

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, SecurityError

from cocreate.api.errors import from_http_exception, is_api_request, json_error
from cocreate.extensions import db, limiter
from cocreate.i18n import _l

MESSAGES = {
    400: (_l("Something in that request was not right"), _l("Check what you entered and try again.")),
    401: (_l("Please log in"), _l("This needs an account.")),
    403: (_l("Not allowed"), _l("Your account does not have the role this needs. Ask an owner of the company.")),
    404: (_l("Not found"), _l("The page you asked for does not exist, or is not shared with you.")),
    405: (_l("Not allowed"), _l("That action cannot be done this way.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept (%(mb)s MB). Make it smaller and try again.")),
    429: (_l("Slow down"), _l("Too many attempts. Try again later.")),
    500: (_l("Our mistake"), _l("Something broke on our side. It has been logged; please try again in a moment.")),
}


def render_error(code: int, retry_after: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if code == 413:  # the limit of this route: image uploads take more than the other forms
        message = message % {"mb": round((request.max_content_length or 0) / (1024 * 1024))}
    return render_template("errors/error.html", code=code, title=title, message=message,
                           retry_after=retry_after), code


def _retry_after() -> str | None:
    """Seconds until the limit that was hit resets, as Flask-Limiter knows it."""
    current = limiter.current_limit
    if current is None:
        return None
    return str(max(1, int(current.reset_at - time.time())))


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        retry_after = _retry_after() if error.code == 429 else None
        if is_api_request():
            extra = {"Retry-After": retry_after} if retry_after else {}
            if isinstance(error, MethodNotAllowed) and error.valid_methods:  # the 405s
                extra["Allow"] = ", ".join(error.valid_methods)
            return from_http_exception(error, extra)
        body, code = render_error(error.code, retry_after)
        response = app.make_response((body, code))
        if error.code == 429 and retry_after:
            response.headers["Retry-After"] = retry_after
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        """A Host header outside TRUSTED_HOSTS: a plain 400. Not the page: no URL can be built for a request
        whose host is not trusted, and the page's links need them."""
        if is_api_request():
            return json_error(400)
        title, message = MESSAGES[400]
        return app.response_class(f"{title}\n\n{message}\n", status=400, mimetype="text/plain")

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        app.logger.error("500 on %s %s", request.method, request.path, exc_info=error.original_exception)
        if is_api_request():
            return json_error(500)
        return render_error(500)
