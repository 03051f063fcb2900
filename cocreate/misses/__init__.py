"""Misses and their recovery: a touchpoint rated 1-2 (or two points below what was expected) opens a miss the team
answers, closes with the version that fixes it, and sees recover when the customer rates that version
(docs/maturity.md)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.misses import subscribers
    from cocreate.misses.routes import bp

    app.register_blueprint(bp)
    subscribers.connect()

    @app.template_global()
    def my_misses(product) -> list:
        """The signed-in customer's misses on the product, for the rating page ("the team noticed")."""
        from flask_login import current_user

        from cocreate.misses.services import of_customer

        return of_customer(current_user, product) if current_user.is_authenticated else []
