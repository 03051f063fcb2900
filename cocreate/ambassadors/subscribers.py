"""Sign-up origins, for the anti-gaming rule (votes between "twin" accounts do not count); scores rebuilt when an
account stops or starts counting (only verified accounts count)."""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.ambassadors.scores import record_origin, refresh_scores
from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db
from cocreate.ideas.models import Comment, Idea, Vote
from cocreate.maturity.models import Rating
from cocreate.products.models import Product, Version


def connect() -> None:
    events.user_signed_up.connect(on_signed_up)
    events.email_changed.connect(on_counting_changed)
    events.email_verified.connect(on_counting_changed)


def on_counting_changed(user: User, **_extra) -> None:
    """The companies whose products the account voted on, rated, or wrote ideas or comments for: their scores are
    rebuilt now, with the account counted or not."""
    products = sa.union(
        sa.select(Idea.product_id).join(Vote, Vote.idea_id == Idea.id).where(Vote.user_id == user.id),
        sa.select(Idea.product_id).where(Idea.author_id == user.id),
        sa.select(Idea.product_id).join(Comment, Comment.idea_id == Idea.id).where(Comment.author_id == user.id),
        sa.select(Version.product_id).join(Rating, Rating.version_id == Version.id).where(Rating.user_id == user.id),
    ).subquery()
    db.session.flush()
    companies = db.session.scalars(sa.select(Company).join(Product, Product.company_id == Company.id)
                                   .where(Product.id.in_(sa.select(products.c[0]))).distinct()
                                   .order_by(Company.id)).all()
    for company in companies:
        refresh_scores(company, analyze=False)


def on_signed_up(user: User, *, address: str | None = None, **_extra) -> None:
    record_origin(user, address)
