"""Products and their prototype versions; who may see a private product."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.products import subscribers, tasks, touchpoint_names  # noqa: F401 - tasks registers them
    from cocreate.products.routes import bp

    app.register_blueprint(bp)
    touchpoint_names.init_app(app)
    subscribers.connect()
