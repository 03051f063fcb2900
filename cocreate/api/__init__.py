"""The JSON API under /api/v1, personal API tokens and the OpenAPI document."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.api import subscribers
    from cocreate.api.routes import bp
    from cocreate.api.token_routes import bp as tokens_bp

    app.register_blueprint(bp)
    app.register_blueprint(tokens_bp)
    subscribers.connect()
