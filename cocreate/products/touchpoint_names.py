"""A touchpoint's name in the reader's language (issue 14.5): the team's name for that language, else the original.

`Touchpoint.names` holds the names per language; the stored figures of the board carry them too (`names` of a
`TouchpointGrade`, and of the weakest-touchpoint blocker), so a page picks the name without a query.
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import get_locale

from cocreate.products.models import touchpoint_name


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


def init_app(app: Flask) -> None:
    app.jinja_env.filters["touchpoint_name"] = localized
