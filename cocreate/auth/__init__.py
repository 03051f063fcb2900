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

    built: list[sa.Select] = []

    def with_roles() -> sa.Select:
        """Built once, at the first signed-in request (the features have said what they read with the user)."""
        if not built:
            built.append(sa.select(User, Membership.company_id, Membership.role,
                                   *[column.label(name) for name, column in _WITH_USER.items()])
                         .outerjoin(Membership, Membership.user_id == User.id)
                         .where(User.session_token == sa.bindparam("token")))
        return built[0]

    @login_manager.user_loader
    def load_user(session_token: str):
        """The signed-in user, all their roles and what features read with them (``read_with_user``), in one
        query (every signed-in request starts here)."""
        rows = db.session.execute(with_roles(), {"token": session_token}).all()
        if not rows:
            return None
        user = rows[0][0]
        remember_roles(user, {row[1]: row[2] for row in rows if row[1] is not None})
        g.with_user = (user.id, {name: rows[0][3 + i] for i, name in enumerate(_WITH_USER)})
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(str(login_manager.login_message), "info")  # lazy: in the page's language
        target = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or "")
        if target.startswith(request.host_url):
            target = "/" + target[len(request.host_url):]
        next_path = target if is_safe_path(target) else None
        return see_other(url_for("auth.login", next=next_path))


# Values other features read with the signed-in user, in the user loader's one query: a column correlated to
# ``users`` (the notifications' unread count for the bell). ``with_user(name)`` gives it for this request.
_WITH_USER: dict[str, sa.ColumnElement] = {}


def read_with_user(name: str, column: sa.ColumnElement) -> None:
    """Read ``column`` (correlated to ``users``) with the signed-in user on every request (a feature's init_app)."""
    _WITH_USER[name] = column


def with_user(name: str, user) -> object | None:
    """What ``read_with_user`` read for ``user`` in this request; None when it was not read or was forgotten."""
    found = g.get("with_user")
    if found is None or found[0] != getattr(user, "id", None):
        return None
    return found[1].get(name)


def forget_with_user(name: str) -> None:
    """This request changed what ``name`` holds: ``with_user`` gives None for it from now on."""
    found = g.get("with_user")
    if found is not None:
        found[1].pop(name, None)


def _new_csrf_token(app: Flask, **_kwargs) -> None:
    """Every log-in (password, finished sign-up, changed password) and log-out starts a new CSRF token: one read
    before (planted in the browser, or seen on a shared computer) is refused after (issue 15.13). Flask-WTF keeps
    the raw token in the session and the signed one in ``g`` for the request; without both, the next form makes
    a new one."""
    session.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
