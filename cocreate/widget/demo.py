"""``flask widget demo``: a tiny fake prototype on its own port (another origin) that shows the rating widget.

``make run`` starts it beside the site (http://127.0.0.1:5001 by default): the demo company's bike-sharing app
"Fietsdeel" with the widget in the corner. The page plays the company's server: it signs its signed-in user's
identity with the company's widget secret, as docs/integrations.md shows; ``?as=guest`` shows the page without a
signed user, where the customer signs in with Cocreate in a small window. For development only: on start it lets
its own origin show the demo product's widget and makes the company a secret if it has none.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

import click
import sqlalchemy as sa
from flask import Flask

from cocreate.extensions import db
from cocreate.products.models import Product
from cocreate.widget import services

DEMO_PRODUCT = "fietsdeel"
DEMO_TOUCHPOINT = "Ease of use"
DEMO_USER = ("dana.demo@prototype.example", "Dana Demo")

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · prototype {version}</title>
<style>
  body {{ margin: 0; font: 16px/1.5 Georgia, serif; background: #fdf6e3; color: #333; }}
  header {{ background: #e4572e; color: #fff; padding: 1rem 1.5rem; }}
  header h1 {{ margin: 0; font-size: 1.4rem; }}
  main {{ max-width: 40rem; margin: 1.5rem auto; padding: 0 1rem 6rem; }}
  .map {{ height: 12rem; border-radius: 12px; background: repeating-linear-gradient(45deg, #c8e6c9, #c8e6c9 12px,
          #a5d6a7 12px, #a5d6a7 24px); display: grid; place-items: center; font-weight: bold; }}
  button.unlock {{ font: inherit; padding: .7rem 1.4rem; border: 0; border-radius: 6px; background: #29335c;
                   color: #fff; margin-top: 1rem; }}
  .note {{ font-size: .9rem; color: #666; border-top: 1px solid #ddd; margin-top: 2rem; padding-top: 1rem; }}
</style>
</head>
<body>
<header><h1>{name}</h1><p>Prototype {version} · {who}</p></header>
<main>
  <h2>Bikes near you</h2>
  <div class="map">3 bikes within 200 m</div>
  <button class="unlock" type="button">Unlock the nearest bike</button>
  <p class="note">This is a fake prototype page on its own origin ({origin}), to show Cocreate's rating widget: the
  “Rate this” button in the corner is an iframe from {app}. {switch}
  See the figures move on <a href="{app}/p/{slug}/maturity">the maturity page</a> and <a href="{app}/board">the
  board</a>; the owner's settings are at <a href="{app}/p/{slug}/widget">{app}/p/{slug}/widget</a>.</p>
</main>
<script src="{app}/static/widget/embed.js" data-product="{slug}" data-touchpoint="{touchpoint}"{token} async></script>
</body>
</html>
"""


def prepare(origin: str) -> tuple[Product, int | None, str]:
    """The demo product, its "Ease of use" touchpoint and the company's secret, with ``origin`` allowed."""
    product = db.session.scalar(sa.select(Product).where(Product.slug == DEMO_PRODUCT))
    if product is None:
        raise click.ClickException(f"No product {DEMO_PRODUCT!r}: run `flask seed-demo` first.")
    if origin not in services.allowed_origins(product):
        services.add_origin(product, origin)
    secret = services.secret_of(product.company) or services.new_secret(product.company)
    touchpoint = next((t.id for t in product.touchpoints if t.active and t.name == DEMO_TOUCHPOINT), None)
    db.session.commit()
    return product, touchpoint, secret.secret


def page(*, app_url: str, origin: str, name: str, slug: str, version: str, touchpoint: int | None,
         token: str | None) -> str:
    switch = ('You are signed in to this prototype as Dana Demo: the page hands the widget her signed token. '
              '<a href="?as=guest">See it as a guest</a> (sign in with Cocreate instead).' if token else
              'You are a guest here: the widget asks you to sign in with Cocreate. <a href="?">Be Dana Demo</a>.')
    return PAGE.format(name=escape(name), version=escape(version), slug=escape(slug),
                       who="signed in as Dana Demo" if token else "guest", origin=escape(origin),
                       app=escape(app_url.rstrip("/")), switch=switch, touchpoint=touchpoint or "",
                       token=f' data-token="{escape(token)}"' if token else "")


def init_app(app: Flask) -> None:
    @app.cli.group("widget")
    def widget_cli() -> None:
        """The rating widget."""

    @widget_cli.command("demo")
    @click.option("--port", default=5001, show_default=True, help="The fake prototype's port (another origin).")
    @click.option("--app-url", default="http://127.0.0.1:5000", show_default=True, help="Where Cocreate runs.")
    def demo(port: int, app_url: str) -> None:
        """Serve a fake prototype page that shows the rating widget (development only)."""
        from werkzeug.serving import run_simple

        if app.config.get("PRODUCTION"):
            raise click.ClickException("The widget demo is for development only.")
        origin = f"http://127.0.0.1:{port}"
        product, touchpoint, secret = prepare(origin)
        version = product.current_version.label if product.current_version else ""
        name, slug = product.name, product.slug

        def wsgi(environ, start_response):
            if environ.get("PATH_INFO", "/") != "/":
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"Not found"]
            guest = parse_qs(environ.get("QUERY_STRING", "")).get("as") == ["guest"]
            token = None if guest else services.sign_identity(secret, email=DEMO_USER[0], name=DEMO_USER[1])
            body = page(app_url=app_url, origin=origin, name=name, slug=slug, version=version,
                        touchpoint=touchpoint, token=token).encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")])
            return [body]

        click.echo(f"The fake prototype of {product.name}: {origin}/ (its widget talks to {app_url})")
        with app.app_context():
            run_simple("127.0.0.1", port, wsgi, use_reloader=False, use_debugger=False)
