"""/p/<slug>/feed.atom: a product's Atom feed (RFC 4287), for feed readers and chat integrations."""

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, Response, render_template, request, url_for

from cocreate.feeds import services
from cocreate.lookups import product_or_404

bp = Blueprint("feeds", __name__)


@bp.get("/p/<slug>/feed.atom")
def product_feed(slug: str):
    product = product_or_404(slug)
    entries = services.entries(product, date.today())
    updated = max([e.updated for e in entries] + [product.updated_at])
    host = urlsplit(request.host_url).hostname or "localhost"
    # The template's name ends in .xml so that Jinja autoescapes it.
    body = render_template("feeds/product.atom.xml", product=product, entries=entries, updated=updated,
                           tag=f"tag:{host},2026:cocreate/p/{product.id}",
                           root=request.host_url.rstrip("/"),
                           self_url=url_for("feeds.product_feed", slug=product.slug, _external=True))
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300" if product.visibility == "public" else "private"
    # The entries' titles are in the visitor's language (the account's setting, the session or the browser's)
    response.vary.update(("Accept-Language", "Cookie"))
    return response
