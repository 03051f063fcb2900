"""Idea cards and vote buttons: the one way a page shows them (the idea list, the product's top ideas, the idea's
own page, and the vote's htmx answer).

A list page shows 20 cards; rendering each through Jinja with its own includes, ``url_for`` calls and vote form
cost most of a signed-in list page (13 ms). So:

- the rows are plain (``services.CARD_ROW``), the URLs are one prefix per page plus the id;
- a card's HTML depends only on what it shows and the language, and is memoised by exactly that (the key *is*
  the content: id, title, status, promise, touchpoint, tags, comment count, author, date, URL, language), so it
  is rendered once and served from memory until any of it changes: nothing to invalidate, never stale;
- the vote button, which depends on who looks (signed in or not, voted or not), is memoised apart, by the same
  rule (its key holds the vote count, the state and the viewer's own vote), so a signed-in person sees their own
  vote at once;
- the buttons share one form per page (``_vote_form.html``: the CSRF token and the way back for browsers
  without JavaScript) through the ``form`` attribute, instead of a form and a token per card.

The memo is per process and bounded (``cocreate.memo``): a worker keeps the cards people are looking at.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from flask import current_app, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from cocreate.ideas import services
from cocreate.ideas.models import Status
from cocreate.memo import Memo
from cocreate.products.models import Product, touchpoint_name

MEMO = Memo(20_000)


class Card(NamedTuple):
    """Everything ``ideas/_card.html`` shows, and so its memo key (with the language)."""
    locale: str
    url: str
    id: int
    title: str
    status: Status
    promised_on: date | None
    touchpoint: str | None
    tags: tuple[str, ...]
    comment_count: int
    author: str | None
    created_at: datetime
    heard: bool = False  # recorded by the team for a customer heard elsewhere (voices.py)


class VoteButton(NamedTuple):
    """Everything ``ideas/_vote.html`` shows, and so its memo key (with the language)."""
    locale: str
    url: str
    idea_id: int
    vote_count: int
    closed: bool
    signed_in: bool
    voted: bool
    error: bool = False


class ShownCard(NamedTuple):
    vote: Markup
    body: Markup


def _memoised(template: str, key: Card | VoteButton) -> Markup:
    """The template rendered with only `key` (as ``card`` or ``vote``), once per process and key."""
    name = "card" if isinstance(key, Card) else "vote"
    return MEMO.get((template, key), lambda: Markup(  # noqa: S704 - rendered by Jinja with autoescape  # nosec B704
        current_app.jinja_env.get_template(template).render({name: key})))


def _locale() -> str:
    return str(get_locale())


def idea_prefix(product: Product) -> str:
    """``/p/<slug>/ideas/``: an idea's URL is this plus its id (one ``url_for`` per page, not two per card)."""
    return url_for("ideas.show", slug=product.slug, idea_id=1)[:-1]


def vote_button(prefix: str, idea_id: int, vote_count: int, status: Status, voted: bool, *,
                error: bool = False, locale: str | None = None) -> Markup:
    signed_in = bool(current_user.is_authenticated)
    return _memoised("ideas/_vote.html", VoteButton(
        locale or _locale(), f"{prefix}{idea_id}/vote", idea_id, vote_count, status.closed, signed_in,
        voted and signed_in, error))


def vote_button_for(product: Product, idea, voted: bool, *, error: bool = False) -> Markup:
    """The vote button of one idea entity (the idea's page, the vote's answer)."""
    return vote_button(idea_prefix(product), idea.id, idea.vote_count, idea.status, voted, error=error)


def cards(product: Product, found: services.CardRows) -> list[ShownCard]:
    """The cards of these rows, each a vote button and a body, from memory when nothing shown has changed."""
    prefix, locale = idea_prefix(product), _locale()
    shown = []
    for row in found.rows:
        body = _memoised("ideas/_card.html", Card(
            locale, f"{prefix}{row.id}", row.id, row.title, row.status, row.promised_on,
            touchpoint_name(row.touchpoint, row.touchpoint_names, locale) if row.touchpoint else None,
            found.tags.get(row.id, ()), row.comment_count, row.author, row.created_at, row.heard))
        shown.append(ShownCard(vote_button(prefix, row.id, row.vote_count, row.status, row.voted, locale=locale),
                               body))
    return shown
