"""Contribution scores, the leaderboard for marketing, the ambassador shortlist and invitations."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.ambassadors import shortlist, subscribers, tasks  # noqa: F401 - tasks registers them
    from cocreate.ambassadors.routes import bp

    app.register_blueprint(bp)
    app.jinja_env.globals.update(ambassador_of=shortlist.ambassador_of, is_ambassador=shortlist.is_ambassador,
                                 ambassador_ids=shortlist.ambassador_ids)
    subscribers.connect()
