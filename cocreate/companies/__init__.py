"""Companies, their members and roles (owner, product owner, marketing); who may do what (access.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.companies import subscribers
    from cocreate.companies.access import can
    from cocreate.companies.routes import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["can"] = can
    subscribers.connect()
