"""The frame of every page (head, header with the bell, footer), rendered once per person and language and kept in
memory; a request puts in only what is its own.

templates/_frame.html is the frame's markup. Where a request's own value goes it calls ``slot(name)``, which writes a
mark; the frame is rendered once per key (see ``_key``: the language, and for a signed-in person their id, name and
whether their address is confirmed: everything the frame shows) and split at the marks. ``page_frame()``, which
templates/base.html calls, joins the pieces with this request's values: the CSRF token, flashed messages, the way
back of the language form, and what features fill in (the bell's count, ``fill_slot``). The page's own blocks
(title, head, content) go between the four pieces it returns.

The frame is kept in a ``Memo``: a renamed person, a confirmed address or another language is another key, so
nothing needs invalidating, and a frame never shows anyone but the person it was made for (their id is in the key).
Before: 35-45 % of an empty signed-in page went into rendering base.html (20 url_for calls, 300 proxy look-ups).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, get_flashed_messages, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from cocreate.memo import Memo

PAGE_SLOTS = ("title", "head", "content")  # the page's blocks, filled by templates/base.html, in this order
_MARK = "\x00"  # never in a template's own text, nor in anything escaped

_fillers: dict[str, Callable[[], str]] = {}
_frames = Memo(2000)  # a frame is ≈ 4 KB: at most ≈ 8 MB a worker


def fill_slot(name: str, make: Callable[[], str]) -> None:
    """A feature's part of the frame that is per request (the bell's count): ``make()`` gives its HTML."""
    _fillers[name] = make


def _slot(name: str) -> Markup:
    return Markup(f"{_MARK}{name}{_MARK}")  # noqa: S704 - a fixed mark, no outside text  # nosec B704


def _key() -> tuple:
    user = current_user
    person = (user.id, user.name, bool(user.is_verified)) if user.is_authenticated else None
    return str(get_locale()), request.script_root, person


Region = tuple[tuple[str, ...], tuple[str, ...]]  # static pieces, and the request's slots between them


def _render() -> tuple[Region, ...]:
    """The frame cut at the page's slots into four regions, each cut again at the request's slots."""
    pieces = render_template("_frame.html", slot=_slot).split(_MARK)
    regions: list[Region] = []
    statics, names = [pieces[0]], list[str]()
    for name, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if name in PAGE_SLOTS:
            regions.append((tuple(statics), tuple(names)))
            statics, names = [text], []
        else:
            names.append(name)
            statics.append(text)
    regions.append((tuple(statics), tuple(names)))
    if len(regions) != len(PAGE_SLOTS) + 1:
        raise RuntimeError("templates/_frame.html must call slot() once for each of the page's slots")
    return tuple(regions)


def _flashes() -> str:
    messages = get_flashed_messages(with_categories=True)
    return render_template("_flashes.html", messages=messages) if messages else ""


def _value(name: str) -> str:
    if name == "csrf":
        return str(escape(generate_csrf()))
    if name == "flashes":
        return _flashes()
    if name == "next":  # the language form comes back to this page (a GET's own path only)
        return str(escape(request.full_path.rstrip("?") if request.method == "GET" else ""))
    return _fillers[name]()


def page_frame() -> tuple[Markup, ...]:
    """The frame's four pieces for this request, its own values in (templates/base.html puts the blocks between)."""
    regions = _render() if current_app.debug else _frames.get(_key(), _render)  # debug: edits show at once
    values: dict[str, str] = {}
    out = []
    for statics, names in regions:
        parts = [statics[0]]
        for name, text in zip(names, statics[1:], strict=True):
            if name not in values:
                values[name] = _value(name)
            parts.append(values[name])
            parts.append(text)
        out.append(Markup("".join(parts)))  # noqa: S704 - rendered by Jinja, values escaped above  # nosec B704
    return tuple(out)


def clear() -> None:
    """Forget every frame (tests that change a template)."""
    _frames.clear()


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_frame"] = page_frame
