"""The home page."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.main.routes import bp

    app.register_blueprint(bp)
