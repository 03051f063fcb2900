"""Helpers every blueprint uses: full-page or fragment rendering, safe redirects, button forms."""

from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block

from cocreate.extensions import htmx


class EmptyForm(FlaskForm):
    """For POSTs that are only a button: CSRF and nothing else."""


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.boosted


def render(template: str, block: str | None = None, **context) -> Response:
    """The whole page, or only `block` when htmx (not boosted) asks."""
    if block is not None and wants_fragment():
        response = make_response(render_block(template, block, **context))
    else:
        response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def is_safe_path(target: str | None) -> bool:
    """Only same-site absolute paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(ord(c) < 32 for c in target)


def safe_next(default: str) -> str:
    target = request.values.get("next")
    return target if is_safe_path(target) else default


def see_other(location: str) -> Response:
    """Post/redirect/get; htmx requests get HX-Redirect so the whole page changes."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
