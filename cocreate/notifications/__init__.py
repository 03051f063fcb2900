"""Closing the loop: follows, the bell (in-app notifications), e-mail with digests and unsubscribe, the changelog."""

import os

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from cocreate import frame
from cocreate.auth import read_with_user, with_user
from cocreate.memo import Memo

MAIL_SETTINGS = {
    "MAIL_SERVER": None, "MAIL_PORT": "25", "MAIL_USERNAME": None, "MAIL_PASSWORD": None,  # nosec B105
    "MAIL_DEFAULT_SENDER": "Cocreate <no-reply@cocreate.example>",
}  # PUBLIC_URL, the base of the links in mail, is in config.py: production refuses to start without it


def init_app(app: Flask) -> None:
    """Mail settings from the environment (unless the config sets them), the blueprint, template helpers, the
    event subscribers and the tasks."""
    from cocreate.notifications import follows, services, subscribers, tasks  # noqa: F401 - tasks registers them
    from cocreate.notifications.routes import bp

    for name, default in MAIL_SETTINGS.items():
        app.config.setdefault(name, os.environ.get(name, default))
    app.config.setdefault("MAIL_USE_TLS", os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes", "on"))
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        unread_notifications=lambda: services.unread_count(current_user),
        is_following=lambda **target: follows.is_following(current_user, **target))
    frame.fill_slot("bell", _bell)
    read_with_user(services.UNREAD, services.unread_with_user())
    subscribers.connect()


_bells = Memo(1000)


def _bell() -> str:
    """The bell in the page's frame: its count read with the signed-in user (no query of its own; asked again when
    this request wrote a notification), its HTML kept per count and language."""
    from cocreate.notifications import services

    unread = with_user(services.UNREAD, current_user)  # read with the user (cocreate.auth.read_with_user)
    if unread is None:
        unread = services.unread_count(current_user)
    return _bells.get((str(get_locale()), request.script_root, unread),
                      lambda: render_template("notifications/_bell.html", unread=unread))
