"""Atom feeds per product: new ideas, shipped ideas, released versions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.feeds.routes import bp

    app.register_blueprint(bp)
