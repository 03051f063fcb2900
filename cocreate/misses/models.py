"""Misses: a customer rated a touchpoint 1-2, or two points below what they expected (docs/maturity.md)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.maturity.models import Rating
from cocreate.products.models import Product, Touchpoint, Version

MISS_SCORE = 2  # a score of 1 or 2 is a miss
MISS_BELOW_EXPECTED = 2  # ... and so is a score this far below the expected one


class Miss(Model):
    """One touchpoint of one rating that missed; opened when the rating is saved (subscribers.py).

    Open until the team closes it, naming the version that fixes it; recovered when the customer's score of the
    touchpoint on that version (or a later one) reaches what they expected (``target``)."""

    __tablename__ = "misses"
    __table_args__ = (
        sa.UniqueConstraint("rating_id", "touchpoint_id"),
        sa.Index("ix_misses_product_opened", "product_id", "opened_at"),
        sa.Index("ix_misses_user_product", "user_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    touchpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("touchpoints.id", ondelete="CASCADE"), index=True)
    rating_id: Mapped[int] = mapped_column(sa.ForeignKey("ratings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(sa.SmallInteger)  # the missed score, 1-5
    expected: Mapped[int | None] = mapped_column(sa.SmallInteger)  # what they expected (the rating's), 1-5
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    fixed_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"),
                                                         index=True)
    rerated_score: Mapped[int | None] = mapped_column(sa.SmallInteger)  # their score on the fixing version
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    version: Mapped[Version] = relationship(foreign_keys=[version_id])
    fixed_version: Mapped[Version | None] = relationship(foreign_keys=[fixed_version_id])
    touchpoint: Mapped[Touchpoint] = relationship()
    rating: Mapped[Rating] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    replies: Mapped[list[MissReply]] = relationship(back_populates="miss", cascade="all, delete-orphan",
                                                    order_by="MissReply.created_at, MissReply.id")

    @property
    def target(self) -> int:
        """The score that recovers it: what they expected, or 3 (the lowest score that is no miss) if they did not
        say."""
        return self.expected if self.expected is not None else MISS_SCORE + 1

    @property
    def state(self) -> str:
        if self.recovered_at is not None:
            return "recovered"
        if self.closed_at is not None:
            return "closed"
        return "answered" if self.first_answer_at is not None else "open"


class MissReply(Model):
    """The team's answer to the customer of a miss: shown on the miss and sent to them (bell and mail)."""

    __tablename__ = "miss_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    miss_id: Mapped[int] = mapped_column(sa.ForeignKey("misses.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    miss: Mapped[Miss] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()


def is_miss(score: int, expected: int | None) -> bool:
    """1-2, or at least two points below the expected score (exactly two below is a miss)."""
    return score <= MISS_SCORE or (expected is not None and expected - score >= MISS_BELOW_EXPECTED)
