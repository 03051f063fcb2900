"""/api/v1/docs: the API for people, from the document flask-smorest derives from the schemas.

The page is server-rendered (every operation with its parameters, body fields and answers: it works without
JavaScript and on a phone) and, where scripts run, shows Swagger UI above it (vendored in static/vendor/swagger-ui,
started by static/js/api-docs.js: no CDN, no inline script, so the site's CSP holds).
"""

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, url_for

from cocreate.api.spec import api

bp = Blueprint("apidocs", __name__)


@bp.get("/api/v1/docs")
def docs():
    document = api.spec.to_dict()
    return render_template("api/docs.html", document=document, operations=operations(document),
                           server=url_for("api.products_list", _external=True).rsplit("/api/v1", 1)[0] + "/api/v1")


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
            if method == "parameters":  # the path's own, shared by its operations
                continue
            parameters = [_resolve(document, p) for p in [*methods.get("parameters", []), *op.get("parameters", [])]]
            fields = [Field(p["name"], p["in"], bool(p.get("required")), schema_text(p.get("schema", {})),
                            p.get("description", "")) for p in parameters]
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
