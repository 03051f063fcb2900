"""The JSON API under /api/v1, personal API tokens and the OpenAPI document.

The document is derived from the routes' schemas by flask-smorest (marshmallow + apispec), never written by hand
(cocreate/api/spec.py): /api/v1/openapi.json for programs, /api/v1/docs for people.
"""

from flask import Flask

DESCRIPTION = """Read products, prototype versions, touchpoints, ratings, the maturity figures and stage with what
blocks the next one, the stage history, promises and ideas; submit ideas, votes and comments; set statuses.

Authenticate with a personal token from /profile/tokens: `Authorization: Bearer cc_…`. A token with the scope
"read" may only send GET. Lists are cursor-paginated: follow `next` (or send `next_cursor` as `cursor`) until it
is null. Reads carry an `ETag`; send it back as `If-None-Match` and an unchanged answer costs a `304`.
Errors are JSON: `{"error": {"status", "title", "message", "errors"}}`."""


def init_app(app: Flask) -> None:
    from cocreate.api import subscribers
    from cocreate.api.docs import bp as docs_bp
    from cocreate.api.routes import bp
    from cocreate.api.spec import api
    from cocreate.api.token_routes import bp as tokens_bp

    app.config.update(
        API_TITLE="Cocreate API", API_VERSION="1", OPENAPI_VERSION="3.1.0", OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": DESCRIPTION},
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                                         "description": "A personal token: cc_…"}}},
            "security": [{"token": []}],
            "tags": [{"name": "Products", "description": "Products, their prototype versions and touchpoints."},
                     {"name": "Ratings and maturity",
                      "description": "Ratings (summed for anyone, single ones for the team), the stage and its "
                                     "blockers, the stage history, promises, the journey map, misses."},
                     {"name": "Ideas", "description": "Ideas, votes, comments and statuses."}],
        },
    )
    api.init_app(app)
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(tokens_bp)
    subscribers.connect()
