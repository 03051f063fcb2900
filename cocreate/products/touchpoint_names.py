"""A touchpoint's name in the reader's language (issue 14.5): the team's name for that language, else the original.

`Touchpoint.names` holds the names per language; the stored figures of the board carry them too (`names` of a
`TouchpointGrade`, and of the weakest-touchpoint blocker), so a page picks the name without a query.
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import get_locale

from cocreate.i18n import _
from cocreate.products.models import touchpoint_name
from cocreate.refusal import N_

# The default touchpoints' descriptions (products.models.DEFAULT_TOUCHPOINTS), marked for the catalogues: a
# description the team has left as it was is shown in the reader's language; one they wrote, as written.
DEFAULT_DESCRIPTIONS = frozenset((
    N_("Finding it, the first look, signing up or unboxing."),
    N_("Getting done what you came for without help."),
    N_("It works, every time, and feels well made."),
    N_("Getting it, setting it up, updates arriving as promised."),
    N_("Answers when you need them, people who listen."),
    N_("What you get for what you pay."),
))


def language() -> str:
    return str(get_locale() or "en")


def localized(touchpoint: Any, lang: str | None = None) -> str:
    """The name of a Touchpoint, a figures.TouchpointGrade or a mapping with `name` and `names`, in `lang` (the
    page's language when not given)."""
    if touchpoint is None:
        return ""
    if isinstance(touchpoint, Mapping):
        name, names = touchpoint.get("name", ""), touchpoint.get("names")
    else:
        name, names = touchpoint.name, getattr(touchpoint, "names", None)
    return touchpoint_name(name, names, lang or language())


def description(touchpoint: Any) -> str:
    """A touchpoint's description in the page's language when it is a default one, else as the team wrote it."""
    text = touchpoint.description or ""
    return _(text) if text in DEFAULT_DESCRIPTIONS else text


def init_app(app: Flask) -> None:
    app.jinja_env.filters["touchpoint_name"] = localized
    app.jinja_env.filters["touchpoint_description"] = description
