"""Ratings per touchpoint, self-assessments, thresholds, the maturity board, promises and response times."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.maturity import helpers, subscribers, tasks  # noqa: F401 - tasks registers them
    from cocreate.maturity.routes import bp

    app.register_blueprint(bp)
    helpers.init_app(app)
    subscribers.connect()
