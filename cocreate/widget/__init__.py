"""The rating widget: customers rate a product's touchpoint from inside the company's own prototype."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.widget import demo
    from cocreate.widget.routes import bp

    app.register_blueprint(bp)
    demo.init_app(app)
