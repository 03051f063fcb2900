"""Helpers every blueprint uses: full-page or fragment rendering, safe redirects, button forms."""

from typing import TypeGuard
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, make_response, redirect, render_template, request
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectMultipleField, widgets

from cocreate.config import DEVELOPMENT_URL
from cocreate.extensions import htmx
from cocreate.memo import FragmentMemo
from cocreate.text import markdown_filter


class IdConverter(IntegerConverter):
    """`<int:…>` ids fit the database's 32-bit integer keys; 2**63 is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """URL ids that fit the database, the markdown filter, tidy template whitespace."""
    app.url_map.converters["int"] = IdConverter
    app.jinja_env.filters["markdown"] = markdown_filter
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension(FragmentMemo)  # {% memo key %}: parts of pages kept by what they show


class EmptyForm(FlaskForm):
    """For POSTs that are only a button: CSRF and nothing else."""


class CheckboxesField(SelectMultipleField):
    """A choice of several, as a list of check boxes (tags, webhook events, products)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


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


def is_safe_path(target: str | None) -> TypeGuard[str]:
    """Only same-site absolute paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not any(ord(c) < 32 for c in target)


def safe_next(default: str) -> str:
    target = request.values.get("next")
    return target if is_safe_path(target) else default


def see_other(location: str) -> BaseResponse:
    """Post/redirect/get; htmx requests get HX-Redirect so the whole page changes."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def path_for(endpoint: str, **values) -> str:
    """A site-relative path, in a request or in a command or task (no request to build from)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_url(path: str) -> str:
    """A link for outside the site (mail): PUBLIC_URL, else (development) http://localhost:5000. Never the
    request's Host header: the client chooses it, and would put its own site into other people's mail."""
    if path.startswith(("http://", "https://")):
        return path
    base = current_app.config.get("PUBLIC_URL") or DEVELOPMENT_URL
    return base.rstrip("/") + "/" + path.lstrip("/")


class change:  # noqa: N801 - used like a function: `with change(form.name) as done:`
    """Carry out a change the rules may refuse, the one way routes do it::

        if form.validate_on_submit():
            with change(form.slug) as done:
                product = services.create_product(...)
            if done:
                flash(...)
                return see_other(...)
        return render(...), form_status(form)

    The block's work is committed when it ends (``keep_loaded``: the loaded objects keep their values, for a
    route whose service has put the written values on them). A ``Refused`` raised inside it rolls the transaction
    back and puts its reason where the person sees it: on ``field`` (a form field's errors), else in a flash;
    ``done`` is then false and ``done.refusal`` holds the reason. Any other exception goes on (a 500, after a
    rollback).
    """

    def __init__(self, field=None, *, flash_refusal: bool = True, keep_loaded: bool = False):
        self.field, self.flash_refusal, self.keep_loaded = field, flash_refusal, keep_loaded
        self.refusal: str | None = None

    def __bool__(self) -> bool:
        return self.refusal is None

    def __enter__(self) -> "change":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        from cocreate.extensions import db
        from cocreate.refusal import Refused

        if error is None:
            session = db.session()
            if self.keep_loaded:  # the objects already hold what was written: do not read them back after commit
                session.expire_on_commit = False
            try:
                session.commit()
            finally:
                session.expire_on_commit = True
            return False
        if not isinstance(error, Refused):
            return False
        db.session.rollback()
        self.refusal = str(error)
        if self.field is not None:
            self.field.errors = [*self.field.errors, self.refusal]
        elif self.flash_refusal:
            from flask import flash

            flash(self.refusal, "error")
        return True  # handled: the route shows the form (or the page) with the reason


def form_status(form) -> int:
    """400 when the form has something to say (it is shown again with its messages), else 200."""
    return 400 if form.errors else 200
