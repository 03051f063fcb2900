"""Webhooks per company: subscriptions, a delivery outbox, signed POSTs sent by the worker (tasks.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.webhooks import subscribers, tasks  # noqa: F401 - tasks registers them
    from cocreate.webhooks.routes import bp

    app.register_blueprint(bp)
    subscribers.connect()
