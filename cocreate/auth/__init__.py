"""Accounts: sign-up, log-in with revocable sessions, profile, personal data export and erasure; a confirmed
address, password reset, sign-in by a mailed link and companies' single sign-on (docs/accounts.md)."""

import sqlalchemy as sa
from flask import Flask, flash, g, request, session, url_for
from flask_login import user_logged_in, user_logged_out

from cocreate.extensions import db, login_manager
from cocreate.i18n import _l
from cocreate.web import is_safe_path, see_other


def init_app(app: Flask) -> None:
    from cocreate.auth import (
        account_routes,  # noqa: F401 - the address, reset and sign-in-link routes on bp
        tasks,  # noqa: F401 - the worker and the web process know the same tasks
    )
    from cocreate.auth.models import User
    from cocreate.auth.routes import bp
    from cocreate.auth.sso_routes import bp as sso_bp

    app.register_blueprint(bp)
    app.register_blueprint(sso_bp)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    user_logged_in.connect(_new_csrf_token, app)
    user_logged_out.connect(_new_csrf_token, app)

    from cocreate.companies.access import remember_roles
    from cocreate.companies.models import Membership

    with_roles = (sa.select(User, Membership.company_id, Membership.role)  # built once: every signed-in request
                  .outerjoin(Membership, Membership.user_id == User.id)
                  .where(User.session_token == sa.bindparam("token")))

    @login_manager.user_loader
    def load_user(session_token: str):
        """The signed-in user and all their roles, in one query (every signed-in request starts here)."""
        rows = db.session.execute(with_roles, {"token": session_token}).all()
        if not rows:
            return None
        user = rows[0][0]
        remember_roles(user, {company_id: role for _user, company_id, role in rows if company_id is not None})
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(str(login_manager.login_message), "info")  # lazy: in the page's language
        target = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or "")
        if target.startswith(request.host_url):
            target = "/" + target[len(request.host_url):]
        next_path = target if is_safe_path(target) else None
        return see_other(url_for("auth.login", next=next_path))


def _new_csrf_token(app: Flask, **_kwargs) -> None:
    """Every log-in (password, finished sign-up, changed password) and log-out starts a new CSRF token: one read
    before (planted in the browser, or seen on a shared computer) is refused after (issue 15.13). Flask-WTF keeps
    the raw token in the session and the signed one in ``g`` for the request; without both, the next form makes
    a new one."""
    session.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
