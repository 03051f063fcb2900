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


def json_error(status: int, message: str | None = None, headers: dict | None = None, errors: dict | None = None):
    body = {
        "status": status,
        "title": TITLES.get(status, "Error"),
        "message": message or MESSAGES.get(status, TITLES.get(status, "Error")),
    }
    if errors:
        body["errors"] = errors
    response = jsonify(error=body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="cocreate"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(error: HTTPException, headers: dict | None = None):
    """Our own message when the code set one (abort(400, "…")), the schema's findings when a request broke its
    schema (cocreate/api/schemas.py), else the standard message for the status."""
    code = error.code or 500
    custom = error.description if error.description != type(error).description else None
    found = (getattr(error, "data", None) or {}).get("messages")
    if found:
        return json_error(code, schema_message(found), headers, found)
    return json_error(code, custom, headers)


def schema_message(found: dict) -> str:
    """What the schema found, as sentences: {"json": {"title": ["is required."]}} → “title” is required."""
    sentences = []
    for where in found.values():
        for name, problems in (where.items() if isinstance(where, dict) else [("_schema", where)]):
            problem = problems[0] if isinstance(problems, list) and problems else problems
            if isinstance(problem, dict):  # a nested field: its first finding
                inner = schema_message({"": problem})
                sentences.append(f"“{name}”: {inner}")
            elif name == "_schema":
                sentences.append(str(problem))
            else:
                sentences.append(f"“{name}” {problem}")
    return " ".join(sentences) or MESSAGES[400]
