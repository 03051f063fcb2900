"""Accounts: sign-up, log-in with revocable sessions, profile, personal data export and erasure."""

import sqlalchemy as sa
from flask import Flask, flash, request, url_for

from cocreate.extensions import db, login_manager
from cocreate.i18n import _l
from cocreate.web import is_safe_path, see_other


def init_app(app: Flask) -> None:
    from cocreate.auth.models import User
    from cocreate.auth.routes import bp

    app.register_blueprint(bp)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_token: str):
        return db.session.scalar(sa.select(User).where(User.session_token == session_token))

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(str(login_manager.login_message), "info")  # lazy: in the page's language
        target = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or "")
        if target.startswith(request.host_url):
            target = "/" + target[len(request.host_url):]
        next_path = target if is_safe_path(target) else None
        return see_other(url_for("auth.login", next=next_path))
