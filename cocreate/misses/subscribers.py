"""Misses open and recover as ratings are saved (docs/architecture.md, "Events").

Connected in ``cocreate.misses.init_app``. They run in the rating's transaction; the figures move through the
misses' own events (the maturity feature judges the stage again on each).
"""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db
from cocreate.maturity.models import Rating
from cocreate.misses import services
from cocreate.products.models import Product, Version


def connect() -> None:
    events.rating_saved.connect(on_rating_saved)
    events.email_verified.connect(on_rater_verified)


def on_rating_saved(rating: Rating, *, product: Product, **_extra) -> None:
    """The rating's misses open, and the rater's closed misses it answers recover. Held ratings released together
    announce themselves with one event (holds.release): each of them opens its misses."""
    ratings = [rating]
    if rating.release_id is not None:
        ratings = list(db.session.scalars(sa.select(Rating).where(Rating.release_id == rating.release_id)
                                          .order_by(Rating.id)))
    for each in ratings:
        services.open_for(each, product)
        services.recover_with(each, product)


def on_rater_verified(user: User, **_extra) -> None:
    """Their ratings count from now on: the misses among them open (on the product of each)."""
    for rating, product in db.session.execute(
        sa.select(Rating, Product).join(Version, Version.id == Rating.version_id)
        .join(Product, Product.id == Version.product_id).where(Rating.user_id == user.id).order_by(Rating.id)
    ).all():
        services.open_for(rating, product)
