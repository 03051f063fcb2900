"""The rating comments panel of the maturity page, for the team: what the request asks for, checked."""

from flask import request

from cocreate.maturity import comments
from cocreate.products.models import Product, Version
from cocreate.products.touchpoint_names import localized

MAX_PAGE = 10_000


def _int_arg(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and low <= int(raw) <= high else None


def asked_version(product: Product) -> Version | None:
    """The version asked for (`version`, an id of one of the product's versions), else the current one, else the
    newest."""
    wanted = _int_arg("version", 1, 2**31 - 1)
    found = next((v for v in product.versions if v.id == wanted), None) if wanted else None
    return found or product.current_version or (product.versions[0] if product.versions else None)


def context(product: Product) -> dict:
    """What templates/maturity/_rating_comments.html needs (call only for the team)."""
    version = asked_version(product)
    touchpoint = _int_arg("touchpoint", 1, 2**31 - 1)
    if touchpoint not in {t.id for t in product.touchpoints}:
        touchpoint = None
    page = None
    if version is not None:
        page = comments.rating_comments(version, touchpoint_id=touchpoint, score=_int_arg("score", 1, 5),
                                        page=_int_arg("page", 1, MAX_PAGE) or 1)
    return {"comments": page, "comment_versions": product.versions,
            "comment_touchpoints": [(t.id, localized(t), t.active) for t in product.touchpoints],
            "comment_scores": comments.SCORES}
