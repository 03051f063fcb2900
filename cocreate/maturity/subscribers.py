"""When the facts the board judges change elsewhere, the product's stage is judged again.

Connected in ``cocreate.maturity.init_app``. The stage is recomputed in the sender's transaction (a StageChange
row, and ``stage_changed`` for the webhooks); the cache is written after commit.
"""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db
from cocreate.ideas.models import Idea
from cocreate.maturity import holds, stored
from cocreate.maturity.models import Rating
from cocreate.maturity.services import refresh_stage, refresh_stages
from cocreate.products.models import Product, Version


def connect() -> None:
    # Responses, statuses and promises count in the figures.
    events.idea_status_changed.connect(on_idea_answered)
    events.official_response_changed.connect(on_idea_answered)
    # The ratings of the current version, the team's own view of it, and which version is current.
    events.rating_saved.connect(on_product_rated)
    events.self_assessment_saved.connect(on_product_rated)
    events.version_saved.connect(on_version_saved)
    events.version_released.connect(on_version_saved)  # its day came: it is the current version now
    events.account_erasing.connect(on_account_erasing)
    # Rater credibility counts the raters whose address is confirmed (holds.py).
    events.email_verified.connect(on_rater_verified)
    events.email_changed.connect(on_rater_unverified)
    # Only verified accounts count: a changed address takes the ratings out until the new one is confirmed.
    events.email_changed.connect(on_email_changed)
    events.email_verified.connect(on_email_verified)
    # Misses (cocreate/misses) count in the figures: opened, answered, closed, recovered.
    for signal in (events.miss_opened, events.miss_answered, events.miss_closed, events.miss_recovered):
        signal.connect(on_miss)


def on_email_changed(user: User, *, was_verified: bool, **_extra) -> None:
    if was_verified:
        _recount(user, counted=False)


def on_email_verified(user: User, **_extra) -> None:
    _recount(user, counted=True)


def _recount(user: User, *, counted: bool) -> None:
    rated = stored.move_user(user.id, counted)
    if rated:
        db.session.flush()
        db.session.expire_all()
        refresh_stages(rated, ideas=False)


def on_idea_answered(idea: Idea, **_extra) -> None:
    refresh_stage(idea.product)


def on_product_rated(sender, *, product: Product, **_extra) -> None:
    refresh_stage(product, ideas=False)  # the sums moved with the rating; the idea facts did not change


def on_miss(miss, **_extra) -> None:
    refresh_stage(miss.product, ideas=False)  # the miss figures are read fresh on every judgement


def on_version_saved(version: Version, **_extra) -> None:
    refresh_stage(version.product, ideas=False)  # a new current version starts with no raters; a date may move


def on_account_erasing(user: User, **_extra) -> None:
    """Their ratings go, and the stages that counted them are judged again."""
    ratings = db.session.scalars(sa.select(Rating).where(Rating.user_id == user.id)).all()
    if not ratings:
        return
    for rating in ratings:  # every rating, held or not, counts in its version's rater credibility
        holds.move_credibility(rating.version_id, holds.part(rating), None)
    if not user.is_verified:  # held, never in the sums
        db.session.execute(sa.delete(Rating).where(Rating.user_id == user.id))
        db.session.flush()
        return
    rated = db.session.scalars(
        sa.select(Product).join(Version, Version.product_id == Product.id).join(Rating, Rating.version_id == Version.id)
        .where(Rating.user_id == user.id).distinct()).all()
    active = {product.id: stored.active_ids(product.id) for product in rated}
    products = dict(db.session.execute(sa.select(Version.id, Version.product_id)
                                       .where(Version.id.in_({r.version_id for r in ratings}))).all())
    for rating in ratings:
        stored.move(rating.version_id, stored.counted(rating, active[products[rating.version_id]]), None)
    db.session.execute(sa.delete(Rating).where(Rating.user_id == user.id))
    db.session.flush()
    db.session.expire_all()
    refresh_stages(rated, ideas=False)


def on_rater_verified(user: User, **_extra) -> None:
    holds.rater_verified(user.id, True)


def on_rater_unverified(user: User, **_extra) -> None:
    holds.rater_verified(user.id, False)
