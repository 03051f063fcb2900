"""Wiring between Flask and the extensions: user loading, SQLite pragmas, template helpers, URL ids."""

import sqlalchemy as sa
from flask import Flask, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from cocreate.extensions import db, login_manager
from cocreate.i18n import _l
from cocreate.text import markdown_filter
from cocreate.web import is_safe_path, see_other


class IdConverter(IntegerConverter):
    """`<int:…>` ids fit the database's 32-bit integer keys; 2**63 is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _set_sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _set_sqlite_pragmas)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_token: str):
        from cocreate.auth.models import User

        return db.session.scalar(sa.select(User).where(User.session_token == session_token))

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash

        flash(str(login_manager.login_message), "info")  # lazy: in the page's language
        target = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or "")
        if target.startswith(request.host_url):
            target = "/" + target[len(request.host_url):]
        next_path = target if is_safe_path(target) else None
        return see_other(url_for("auth.login", next=next_path))

    @app.context_processor
    def inject_globals():
        from cocreate.companies.access import can

        return {"can": can, "current_user": current_user}
