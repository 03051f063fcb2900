"""Contribution scores, the leaderboard for marketing, the ambassador shortlist and invitations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.ambassadors import subscribers, tasks  # noqa: F401 - tasks registers them
    from cocreate.ambassadors.routes import bp

    app.register_blueprint(bp)
    subscribers.connect()
