"""Events as one readable line for a chat channel: the body of a webhook in the Slack format.

Slack's incoming webhooks take ``{"text": …}`` with links written ``<url|text>`` and ``&``, ``<``, ``>`` escaped;
Mattermost's incoming webhooks take the same (they translate Slack's links). Called inside
``in_language_of(the webhook's owner)``; links are absolute (PUBLIC_URL), never the request's host.
"""

from collections.abc import Callable, Mapping
from typing import Any

from cocreate.i18n import _, format_number, ngettext
from cocreate.ideas.models import Status
from cocreate.maturity.figures import stage_label
from cocreate.web import absolute_url
from cocreate.webhooks.models import Event


def escape(text: Any) -> str:
    """User text as Slack shows it literally (its three control characters escaped)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(path: str, text: Any) -> str:
    return f"<{absolute_url(path)}|{escape(text)}>"


def _status(value: str | None) -> str:
    known = {s.value: s for s in Status}
    return known[value].label if value in known else escape(value or "")


def _idea_created(data: Mapping) -> str:
    product, idea = data["product"], data["idea"]
    return _("New idea for %(product)s: %(idea)s", product=escape(product["name"]),
             idea=link(idea["path"], idea["title"]))


def _status_changed(data: Mapping) -> str:
    product, idea = data["product"], data["idea"]
    text = _("%(product)s: %(idea)s moved from %(from)s to %(to)s", product=escape(product["name"]),
             idea=link(idea["path"], idea["title"]), **{"from": _status(data["from"]), "to": _status(data["to"])})
    if data.get("shipped_version"):
        text += " · " + _("shipped in %(version)s", version=escape(data["shipped_version"]))
    if data.get("promised_on"):
        text += " · " + _("promised for %(date)s", date=escape(data["promised_on"]))
    return text


def _version_released(data: Mapping) -> str:
    product, version = data["product"], data["version"]
    return _("%(product)s has a new prototype version: %(version)s", product=link(product["path"], product["name"]),
             version=escape(version["label"]))


def _stage_changed(data: Mapping) -> str:
    product = data["product"]
    return _("%(product)s is now %(stage)s (was %(previous)s)",
             product=link(product["path"] + "/maturity", product["name"]),
             stage=stage_label(data["to"]), previous=stage_label(data["from"]) if data["from"] else "–")


def _rating_saved(data: Mapping) -> str:
    product, version = data["product"], data["version"]
    grade = "–" if data["grade"] is None else format_number(data["grade"], 1)
    return ngettext("%(product)s %(version)s was rated: grade %(grade)s from %(num)d rater",
                    "%(product)s %(version)s was rated: grade %(grade)s from %(num)d raters", data["raters"],
                    product=link(product["path"] + "/maturity", product["name"]), version=escape(version["label"]),
                    grade=grade)


def _miss_opened(data: Mapping) -> str:
    product, miss = data["product"], data["miss"]
    text = _("%(product)s %(version)s: a miss on %(touchpoint)s, scored %(score)s of 5",
             product=escape(product["name"]), version=escape(miss["version"]),
             touchpoint=link(miss["path"], miss["touchpoint"]), score=format_number(miss["score"]))
    if miss.get("expected") is not None:
        text += " · " + _("expected %(expected)s", expected=format_number(miss["expected"]))
    if miss.get("emotion"):
        from cocreate.maturity.emotions import BY_KEY

        found = BY_KEY.get(miss["emotion"])
        text += " · " + escape(found.label if found else miss["emotion"])
    if miss.get("comment"):
        text += " · “" + escape(miss["comment"][:300]) + "”"
    return text


_TEXTS: dict[Event, Callable[[Mapping], str]] = {
    Event.IDEA_CREATED: _idea_created,
    Event.IDEA_STATUS_CHANGED: _status_changed,
    Event.VERSION_RELEASED: _version_released,
    Event.PRODUCT_STAGE_CHANGED: _stage_changed,
    Event.RATING_SAVED: _rating_saved,
    Event.MISS_OPENED: _miss_opened,
}


def text(event: Event, data: Mapping) -> str:
    return _TEXTS[event](data)
