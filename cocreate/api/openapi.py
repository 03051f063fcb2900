"""The OpenAPI 3.1 document of /api/v1, kept next to the routes it describes (cocreate/api/routes.py).

Written by hand as data: the API is small, and a test (tests/api/test_openapi.py) runs schemathesis
against this document and the app, so a route that drifts from it fails the suite.
"""

from dataclasses import dataclass
from typing import Any

from cocreate.ideas.models import Status
from cocreate.ideas.services import SETTABLE, SORTS

SLUG = {"name": "slug", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,59}$"},
        "description": "The product's address, as in /p/<slug>."}
IDEA_ID = {"name": "idea_id", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": 2**31 - 1}
# Text fields: anything but NUL; when required, at least one character that is not white space
# (white space as Python's str.strip sees it, which is what the services strip).
TEXT = "^[^\\x00]*$"
_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
REQUIRED_TEXT = f"^[^\\x00]*[^\\x00{_SPACE}][^\\x00]*$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_of(name: str) -> dict:
    return {"type": "object", "required": ["data"], "additionalProperties": False,
            "properties": {"data": {"type": "array", "items": _ref(name)}}}


def _responses(ok: dict, *extra: int, ok_code: str = "200") -> dict:
    responses = {ok_code: ok}
    for code in (400, 401, 404, 405, 429, *extra):
        responses[str(code)] = {"$ref": f"#/components/responses/{code}"}
    return responses


ERROR_RESPONSES = {
    "400": _error("The request is not valid; the message says why."),
    "401": _error("No API token, or an unknown, revoked or expired one."),
    "403": _error("The token's user does not have the role this needs, or the token may only read "
                  "(scope \"read\") and this is a change."),
    "404": _error("Not found, or not visible to the token's user."),
    "405": _error("This method is not allowed on this path (also for ids out of range)."),
    "409": _error("The idea's state does not allow this (voting is closed)."),
    "422": _error("Understood, but a rule refuses it; the message says which."),
    "429": _error("Too many requests for this token."),
}

LANG = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["en", "nl", "it"]},
        "description": "The language of touchpoint names (else the Accept-Language header, else English); a "
                       "touchpoint without a name in that language keeps its original name."}
NAMES = {"type": "object", "additionalProperties": {"type": "string"},
         "description": "The touchpoint's names per language that the team gave (en, nl, it)."}

USER_REF = {"type": ["object", "null"], "required": ["id", "name"], "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["status", "title", "message"], "additionalProperties": False,
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                           "message": {"type": "string"}}}},
    },
    "Product": {
        "type": "object", "additionalProperties": False,
        "required": ["slug", "name", "tagline", "description", "visibility", "company", "current_version",
                     "created_at", "url", "html_url"],
        "properties": {
            "slug": {"type": "string"}, "name": {"type": "string"}, "tagline": {"type": "string"},
            "description": {"type": "string", "description": "Markdown source."},
            "visibility": {"type": "string", "enum": ["public", "private"]},
            "company": {"type": "object", "required": ["slug", "name"], "additionalProperties": False,
                        "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}},
            "current_version": NULLABLE_STRING,
            "created_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"}, "html_url": {"type": "string"},
        },
    },
    "Version": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "label", "notes", "released_on", "released", "demo_url"],
        "properties": {"id": {"type": "integer"}, "label": {"type": "string"}, "notes": {"type": "string"},
                       "released_on": {"type": "string", "format": "date"}, "released": {"type": "boolean"},
                       "demo_url": NULLABLE_STRING},
    },
    "Idea": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "product", "title", "description", "status", "vote_count", "comment_count", "voted",
                     "author", "created_at", "promised_on", "shipped_on", "shipped_version_id", "merged_into_id",
                     "heard_by_team", "url", "html_url"],
        "properties": {
            "id": {"type": "integer"}, "product": {"type": "string"}, "title": {"type": "string"},
            "description": {"type": "string", "description": "Markdown source."},
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "vote_count": {"type": "integer"}, "comment_count": {"type": "integer"},
            "voted": {"type": "boolean", "description": "Whether the token's user votes for it."},
            "author": USER_REF,
            "created_at": {"type": "string", "format": "date-time"},
            "promised_on": NULLABLE_DATE, "shipped_on": NULLABLE_DATE,
            "shipped_version_id": {"type": ["integer", "null"]}, "merged_into_id": {"type": ["integer", "null"]},
            "heard_by_team": {"type": "boolean", "description": (
                "Recorded by a team member for a customer it heard elsewhere (a call, a fair); the author is that "
                "customer.")},
            "url": {"type": "string"}, "html_url": {"type": "string"},
        },
    },
    "IdeaPage": {
        "type": "object", "required": ["data", "meta", "links"], "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": _ref("Idea")},
            "meta": {"type": "object", "required": ["page", "per_page", "total", "pages"],
                     "additionalProperties": False,
                     "properties": {k: {"type": "integer"} for k in ("page", "per_page", "total", "pages")}},
            "links": {"type": "object", "required": ["next", "prev"], "additionalProperties": False,
                      "properties": {"next": NULLABLE_STRING, "prev": NULLABLE_STRING}},
        },
    },
    "IdeaCreate": {
        "type": "object", "required": ["title"], "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": REQUIRED_TEXT},
            "description": {"type": "string", "maxLength": 10_000, "pattern": TEXT},
            "touchpoint_id": NULLABLE_ID, "version_id": NULLABLE_ID,
        },
    },
    "Vote": {
        "type": "object", "required": ["idea_id", "voted", "vote_count"], "additionalProperties": False,
        "properties": {"idea_id": {"type": "integer"}, "voted": {"type": "boolean"},
                       "vote_count": {"type": "integer"}},
    },
    "Comment": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "idea_id", "parent_id", "author", "body", "is_team", "official", "helpful", "deleted",
                     "created_at", "edited_at"],
        "properties": {
            "id": {"type": "integer"}, "idea_id": {"type": "integer"}, "parent_id": {"type": ["integer", "null"]},
            "author": USER_REF, "body": {"type": "string", "description": "Markdown source; empty when deleted."},
            "is_team": {"type": "boolean"}, "official": {"type": "boolean"}, "helpful": {"type": "boolean"},
            "deleted": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "edited_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "CommentCreate": {
        "type": "object", "required": ["body"], "additionalProperties": False,
        "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 5_000, "pattern": REQUIRED_TEXT},
                       "parent_id": NULLABLE_ID},
    },
    "StatusChange": {
        "type": "object", "required": ["status"], "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": [s.value for s in SETTABLE]},
            "note": {"type": "string", "maxLength": 2_000, "pattern": TEXT},
            "promised_on": NULLABLE_DATE,
            "shipped_version_id": NULLABLE_ID,
        },
    },
    "Touchpoint": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "name", "original_name", "names", "description", "active", "position"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string", "description": "In the requested language."},
            "original_name": {"type": "string"}, "names": NAMES, "description": {"type": "string"},
            "active": {"type": "boolean", "description": "False: retired, no longer rated (its scores are kept)."},
            "position": {"type": "integer"},
        },
    },
    "PromiseLedger": {
        "type": "object", "additionalProperties": False, "required": ["kept", "due", "reliability", "data", "meta"],
        "properties": {
            "kept": {"type": "integer", "description": "Promises kept on time, of those due."},
            "due": {"type": "integer", "description": "Promises whose idea shipped or whose date has passed."},
            "reliability": {**NULLABLE_NUMBER, "description": "The share kept less one standard error (Wilson, z = 1); "
                            "null while nothing is due."},
            "data": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["idea_id", "title", "promised_on", "promised_at", "shipped_on", "moved_to", "outcome",
                             "days"],
                "properties": {
                    "idea_id": {"type": "integer"}, "title": {"type": "string"},
                    "promised_on": {"type": "string", "format": "date"},
                    "promised_at": {"type": ["string", "null"], "format": "date-time",
                                    "description": "When the date was first promised."},
                    "shipped_on": NULLABLE_DATE,
                    "moved_to": {**NULLABLE_DATE, "description": "The idea's promise now, if this one was moved."},
                    "outcome": {"type": "string", "enum": ["kept", "broken", "open"]},
                    "days": {"type": "integer", "description": "Days early (kept), late (broken) or left (open)."},
                }}},
            "meta": {"type": "object", "additionalProperties": False, "required": ["page", "has_next"],
                     "properties": {"page": {"type": "integer"}, "has_next": {"type": "boolean"}}},
        },
    },
    "Journey": {
        "type": "object", "additionalProperties": False, "required": ["raters", "versions", "rows"],
        "properties": {
            "raters": {"type": "string", "enum": ["all", "first", "returning"]},
            "versions": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["id", "label", "released_on"],
                "properties": {"id": {"type": "integer"}, "label": {"type": "string"},
                               "released_on": {"type": "string", "format": "date"}}}},
            "rows": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["touchpoint", "stage", "cells"],
                "properties": {
                    "touchpoint": {"type": "object", "additionalProperties": False, "required": ["id", "name"],
                                   "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                    "stage": {"type": ["string", "null"], "description": "Its stage of the customer's journey."},
                    "cells": {"type": "array", "description": "One per version, in the order of `versions`.",
                              "items": {
                                  "type": "object", "additionalProperties": False,
                                  "required": ["raters", "grade", "lower_bound", "band", "self_grade", "blind_spot"],
                                  "properties": {
                                      "raters": {"type": "integer"}, "grade": NULLABLE_NUMBER,
                                      "lower_bound": NULLABLE_NUMBER,
                                      "band": {"type": "string",
                                               "enum": ["excellent", "good", "good-enough", "below", "few"]},
                                      "self_grade": NULLABLE_NUMBER, "blind_spot": {"type": "boolean"}}}},
                }}},
        },
    },
    "RatingComment": {
        "type": "object", "additionalProperties": False,
        "required": ["rating_id", "comment", "rater", "rated_at", "returning", "expected", "held", "emotion",
                     "scores"],
        "properties": {
            "rating_id": {"type": "integer"}, "comment": {"type": "string"}, "rater": {"type": "string"},
            "rated_at": {"type": "string", "format": "date-time"}, "returning": {"type": "boolean"},
            "expected": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
            "held": {"type": "boolean", "description": "Held back by the hold rules: counted in no figure until "
                                                       "the team releases it."},
            "emotion": {"type": ["string", "null"], "description": "What the rater felt about the version as a "
                        "whole: a key of the emotion set (docs/maturity.md), or null."},
            "scores": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["touchpoint_id", "touchpoint", "score", "emotion"],
                "properties": {"touchpoint_id": {"type": "integer"}, "touchpoint": {"type": "string"},
                               "score": {"type": "integer", "minimum": 1, "maximum": 5},
                               "emotion": {"type": ["string", "null"]}}}},
        },
    },
    "RatingCommentPage": {
        "type": "object", "additionalProperties": False,
        "required": ["version", "page", "per_page", "next", "data"],
        "properties": {
            "version": NULLABLE_STRING, "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "next": {"type": ["string", "null"], "description": "The next (older) page, if any."},
            "data": {"type": "array", "items": _ref("RatingComment")},
        },
    },
    "Miss": {
        "type": "object", "additionalProperties": False,
        "required": ["id", "state", "version", "touchpoint_id", "touchpoint", "score", "expected", "emotion", "comment",
                     "rater", "opened_at", "first_answer_at", "closed_at", "fixed_version", "rerated_score",
                     "recovered_at", "replies"],
        "properties": {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": ["open", "answered", "closed", "recovered"]},
            "version": {"type": "string"}, "touchpoint_id": {"type": "integer"}, "touchpoint": {"type": "string"},
            "score": {"type": "integer"}, "expected": {"type": ["integer", "null"]},
            "emotion": {"type": ["string", "null"], "description": "What the rater felt about the touchpoint (or, "
                        "if not said, the version): a key of the emotion set (docs/maturity.md)."},
            "comment": {"type": "string"}, "rater": {"type": "string"},
            "opened_at": {"type": "string"}, "first_answer_at": NULLABLE_STRING, "closed_at": NULLABLE_STRING,
            "fixed_version": NULLABLE_STRING, "rerated_score": {"type": ["integer", "null"]},
            "recovered_at": NULLABLE_STRING,
            "replies": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Maturity": {
        "type": "object", "additionalProperties": False,
        "required": ["product", "name", "company", "version", "stage", "next_stage", "grade", "previous_grade",
                     "trend", "blockers", "figures", "thresholds"],
        "properties": {
            "product": {"type": "string"}, "name": {"type": "string"}, "company": {"type": "string"},
            "version": NULLABLE_STRING, "stage": {"type": "string"}, "next_stage": NULLABLE_STRING,
            "grade": NULLABLE_NUMBER, "previous_grade": NULLABLE_NUMBER, "trend": {"type": "string"},
            "blockers": {"type": "array", "items": {"type": "string"}},
            "figures": {"type": "object", "description": "The figures that decided the stage (see the board).",
                        "required": ["raters", "grade", "touchpoints", "promises_kept", "median_response_hours"],
                        "properties": {"raters": {"type": "integer"}, "grade": NULLABLE_NUMBER,
                                       "touchpoints": {"type": "array", "items": {
                                           "type": "object", "description": "name: in the requested language; "
                                           "original_name and names (per language) beside it."}},
                                       "promises_kept": NULLABLE_NUMBER,
                                       "median_response_hours": NULLABLE_NUMBER}},
            "thresholds": {"type": "object"},
        },
    },
}


def _operation(summary: str, responses: dict, *, parameters=(), body: str | None = None, op_id: str) -> dict:
    operation = {"summary": summary, "operationId": op_id, "responses": responses}
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _ref(body)}}}
    return operation


PATHS = {
    "/products": {"get": _operation(
        "Products visible to the token's user", _responses(_ok(_list_of("Product"))), op_id="listProducts")},
    "/products/{slug}": {"get": _operation(
        "One product", _responses(_ok(_ref("Product"))), parameters=[SLUG], op_id="getProduct")},
    "/products/{slug}/versions": {"get": _operation(
        "The product's prototype versions, newest first", _responses(_ok(_list_of("Version"))),
        parameters=[SLUG], op_id="listVersions")},
    "/products/{slug}/maturity": {"get": _operation(
        "The product's maturity figures and stage, as on the board", _responses(_ok(_ref("Maturity"))),
        parameters=[SLUG, LANG], op_id="getMaturity")},
    "/products/{slug}/touchpoints": {"get": _operation(
        "The product's touchpoints in their order, retired ones too, named in the requested language",
        _responses(_ok(_list_of("Touchpoint"))), parameters=[SLUG, LANG], op_id="listTouchpoints")},
    "/products/{slug}/promises": {"get": _operation(
        "The product's promise record and ledger: every date promised for an idea, kept, broken or open, latest "
        "first", _responses(_ok(_ref("PromiseLedger"))), op_id="getPromiseLedger",
        parameters=[SLUG, {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                      "maximum": 100_000, "default": 1}}])},
    "/products/{slug}/journey": {"get": _operation(
        "The journey heat map: the active touchpoints in journey order x the newest versions, each cell the "
        "customers' grade, lower bound, raters and stage band, with the team's self-assessment",
        _responses(_ok(_ref("Journey"))), op_id="getJourney",
        parameters=[SLUG, LANG, {"name": "raters", "in": "query",
                                 "schema": {"type": "string", "enum": ["all", "first", "returning"],
                                            "default": "all"}}])},
    "/products/{slug}/rating-comments": {"get": _operation(
        "What raters wrote with their ratings of one version, newest first (the product's team only)",
        _responses(_ok(_ref("RatingCommentPage")), 403), op_id="listRatingComments",
        parameters=[
            SLUG, LANG,
            {"name": "version", "in": "query", "description": "A version's label; the current version if left out.",
             "schema": {"type": "string", "maxLength": 30, "pattern": TEXT}},
            {"name": "touchpoint_id", "in": "query", "description": "Only ratings that scored this touchpoint.",
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
            {"name": "score", "in": "query", "description": "With touchpoint_id: the score given to it; without: "
             "the rating's average score, rounded.", "schema": {"type": "integer", "minimum": 1, "maximum": 5}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100_000,
                                                       "default": 1}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                           "default": 20}},
        ])},
    "/products/{slug}/misses": {"get": _operation(
        "The product's misses (a touchpoint rated 1-2, or two points below what was expected), newest first, with "
        "the rater's comment and emotion and the team's answers (the product's team only)",
        _responses(_ok(_list_of("Miss")), 403), op_id="listMisses",
        parameters=[SLUG, LANG, {"name": "state", "in": "query", "description": "open (the default) or closed.",
                                 "schema": {"type": "string", "enum": ["open", "closed"]}}])},
    "/board": {"get": _operation(
        "The maturity board: figures and stage of every visible product",
        _responses(_ok(_list_of("Maturity"))), parameters=[LANG], op_id="getBoard")},
    "/products/{slug}/ideas": {
        "get": _operation(
            "The product's ideas, one page at a time; merged duplicates only with status=merged",
            _responses(_ok(_ref("IdeaPage"))), op_id="listIdeas",
            parameters=[
                SLUG,
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS),
                                                           "default": "trending"}},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": [s.value for s in Status]}},
                {"name": "q", "in": "query", "description": "Search words",
                 "schema": {"type": "string", "maxLength": 200, "pattern": TEXT}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100_000,
                                                           "default": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                               "default": 20}},
            ]),
        "post": _operation(
            "Submit an idea (its author votes for it)",
            _responses(_ok(_ref("Idea"), "Created"), 403, 422, ok_code="201"), parameters=[SLUG], body="IdeaCreate",
            op_id="createIdea"),
    },
    "/ideas/{idea_id}": {"get": _operation(
        "One idea", _responses(_ok(_ref("Idea"))), parameters=[IDEA_ID], op_id="getIdea")},
    "/ideas/{idea_id}/vote": {
        "put": _operation("Vote for the idea (idempotent)", _responses(_ok(_ref("Vote")), 403, 409),
                          parameters=[IDEA_ID], op_id="vote"),
        "delete": _operation("Withdraw the vote (idempotent)", _responses(_ok(_ref("Vote")), 403, 409),
                             parameters=[IDEA_ID], op_id="unvote"),
    },
    "/ideas/{idea_id}/comments": {
        "get": _operation("The idea's comments, threads in order, replies after their thread",
                          _responses(_ok(_list_of("Comment"))), parameters=[IDEA_ID], op_id="listComments"),
        "post": _operation("Comment on the idea", _responses(_ok(_ref("Comment"), "Created"), 403, 422, ok_code="201"),
                           parameters=[IDEA_ID], body="CommentCreate", op_id="createComment"),
    },
    "/ideas/{idea_id}/status": {"post": _operation(
        "Change the idea's status (the product's team only)", _responses(_ok(_ref("Idea")), 403, 422),
        parameters=[IDEA_ID], body="StatusChange", op_id="changeStatus")},
}


def document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cocreate API", "version": "1.0.0",
            "description": "Products, versions, ideas, votes, comments, statuses and the maturity board. "
                           "Authenticate with a personal token (create one on /profile/tokens): "
                           "`Authorization: Bearer cc_…`; a token with the scope `read` may only GET. Errors are JSON: "
                           "`{\"error\": {\"status\", \"title\", \"message\"}}`.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": ERROR_RESPONSES,
        },
    }


# --- The document for people: /api/v1/docs lists what this document says, server-rendered ------------------

def _resolve(document: dict, item: dict) -> dict:
    ref = item.get("$ref", "")
    if not ref.startswith("#/"):
        return item
    found: Any = document
    for part in ref[2:].split("/"):
        found = found[part]
    return found


def schema_text(schema: dict) -> str:
    """A schema in a few words: "integer, 1-100, default 20", "one of: open, planned", "Idea"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    words = [" or ".join(kind) if isinstance(kind, list) else kind]
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        words = [f"list of {schema_text(schema['items'])}"]
    if "enum" in schema:
        words.append("one of: " + ", ".join(map(str, schema["enum"])))
    if "format" in schema:
        words.append(schema["format"])
    if "minimum" in schema or "maximum" in schema:
        words.append(f"{schema.get('minimum', '')}–{schema.get('maximum', '')}")
    if "maxLength" in schema:
        words.append(f"at most {schema['maxLength']} characters")
    if "default" in schema:
        words.append(f"default {schema['default']}")
    return ", ".join(w for w in words if w)


@dataclass(frozen=True)
class Field:
    name: str
    where: str  # path, query, body
    required: bool
    kind: str
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    fields: list[Field]
    body: str | None
    responses: list[tuple[str, str]]


def operations(document: dict) -> list[Operation]:
    """Every operation of the document, in its order, with its parameters, body fields and answers."""
    found = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            fields = [Field(p["name"], p["in"], bool(p.get("required")), schema_text(p.get("schema", {})),
                            p.get("description", "")) for p in op.get("parameters", [])]
            body = None
            content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if content:
                body = schema_text(content["schema"])
                schema = _resolve(document, content["schema"])
                required = set(schema.get("required", []))
                fields += [Field(name, "body", name in required, schema_text(prop), prop.get("description", ""))
                           for name, prop in schema.get("properties", {}).items()]
            responses = [(code, _resolve(document, answer).get("description", ""))
                         for code, answer in op["responses"].items()]
            found.append(Operation(method.upper(), path, op.get("summary", ""), fields, body, responses))
    return found
