"""Which events go out to the companies' webhooks, and with what data.

Connected in ``cocreate.webhooks.init_app``. Each receiver queues one delivery per subscribed webhook in the
sender's transaction; the worker POSTs them after commit.
"""

from __future__ import annotations

from cocreate import events
from cocreate.extensions import db
from cocreate.ideas.models import Idea, StatusChange
from cocreate.maturity import figures, stored
from cocreate.maturity.models import Rating, StageChange
from cocreate.products.models import Version
from cocreate.webhooks.models import Event
from cocreate.webhooks.services import queue


def connect() -> None:
    events.idea_created.connect(on_idea_created)
    events.idea_status_changed.connect(on_status_changed)
    events.version_released.connect(on_version_released)
    events.stage_changed.connect(on_stage_changed)
    events.rating_saved.connect(on_rating_saved)
    events.miss_opened.connect(on_miss_opened)


def _product(product) -> dict:
    return {"slug": product.slug, "name": product.name, "path": f"/p/{product.slug}"}


def _idea(idea: Idea) -> dict:
    return {"id": idea.id, "title": idea.title, "status": idea.status.value, "vote_count": idea.vote_count,
            "path": f"/p/{idea.product.slug}/ideas/{idea.id}"}


def on_idea_created(idea: Idea, **_extra) -> None:
    queue(idea.product.company_id, Event.IDEA_CREATED, {"product": _product(idea.product), "idea": _idea(idea)})


def on_status_changed(idea: Idea, *, change: StatusChange, **_extra) -> None:
    version = db.session.get(Version, change.shipped_version_id) if change.shipped_version_id else None
    queue(idea.product.company_id, Event.IDEA_STATUS_CHANGED, {
        "product": _product(idea.product), "idea": _idea(idea),
        "from": change.from_status.value, "to": change.to_status.value, "note": change.note,
        "promised_on": change.promised_on, "shipped_version": version.label if version else None,
    })


def on_version_released(version: Version, **_extra) -> None:
    product = version.product
    queue(product.company_id, Event.VERSION_RELEASED, {
        "product": _product(product),
        "version": {"id": version.id, "label": version.label, "released_on": version.released_on,
                    "demo_url": version.demo_url},
    })


def on_stage_changed(change: StageChange, **_extra) -> None:
    product = change.product
    queue(product.company_id, Event.PRODUCT_STAGE_CHANGED, {
        "product": _product(product), "from": change.from_stage, "to": change.to_stage,
        "version": change.version.label if change.version else None,
    })


def rating_totals(version: Version) -> dict:
    """The version's figures after a rating: totals only, never who rated or what one rater gave."""
    product = version.product
    sums = stored.sums_of([version.id]).get(version.id, figures.Sums())
    active = [(tp.id, tp.name) for tp in product.touchpoints if tp.active]
    found = figures.compute_from_sums(sums, active, {}, (None, 0), None, [])
    return {
        "product": _product(product),
        "version": {"id": version.id, "label": version.label},
        "raters": found.raters, "grade": found.grade, "lower_bound": found.lower,
        "touchpoints": [{"name": tp.name, "grade": tp.grade, "scores": tp.n} for tp in found.touchpoints],
    }


def on_miss_opened(miss, *, product, **_extra) -> None:
    """A miss, for the channel where the team answers it within the hour: what missed, never who rated."""
    rating = miss.rating
    emotion = next((s.emotion for s in rating.scores if s.touchpoint_id == miss.touchpoint_id), None)
    queue(product.company_id, Event.MISS_OPENED, {
        "product": _product(product),
        "miss": {"id": miss.id, "version": miss.version.label, "touchpoint": miss.touchpoint.name,
                 "score": miss.score, "expected": miss.expected, "emotion": emotion or rating.emotion,
                 "comment": rating.comment, "opened_at": miss.opened_at.isoformat(),
                 "path": f"/p/{product.slug}/misses/{miss.id}"},
    })


def on_rating_saved(rating: Rating, **_extra) -> None:
    version = db.session.get(Version, rating.version_id)
    if version is not None:
        queue(version.product.company_id, Event.RATING_SAVED, lambda: rating_totals(version))
