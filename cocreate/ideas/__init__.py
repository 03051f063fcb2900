"""Ideas: submit, vote, comment, statuses with promises, merges, lists, search, the roadmap, CSV."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.ideas import subscribers, voice_routes
    from cocreate.ideas.csv_routes import bp as csv_bp
    from cocreate.ideas.routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(csv_bp)
    voice_routes.init_app(app)
    subscribers.connect()
