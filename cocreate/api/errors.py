"""JSON errors for everything under /api: the same shape for every status, never an HTML page.

    {"error": {"status": 404, "title": "Not found", "message": "…"}}
"""

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable",
    429: "Too many requests",
    500: "Server error",
}
MESSAGES = {
    400: "The request is not valid.",
    401: "Send a valid API token: Authorization: Bearer cc_…",
    403: "Your account does not have the role this needs.",
    404: "Not found, or not shared with you.",
    405: "This method is not allowed here.",
    413: "The request body is larger than we accept (2 MB).",
    429: "Too many requests for this token; slow down and retry later.",
    500: "Something broke on our side. It has been logged; please retry in a moment.",
}


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def json_error(status: int, message: str | None = None, headers: dict | None = None):
    response = jsonify(error={
        "status": status,
        "title": TITLES.get(status, "Error"),
        "message": message or MESSAGES.get(status, TITLES.get(status, "Error")),
    })
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="cocreate"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(error: HTTPException, headers: dict | None = None):
    """Our own message when the code set one (abort(400, "…")), else the standard one for the status."""
    code = error.code or 500
    custom = error.description if error.description != type(error).description else None
    return json_error(code, custom, headers)
