"""Ratings, self-assessments, stage thresholds and stage history (see MATURITY.md)."""

from datetime import datetime
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.maturity import figures
from cocreate.products.models import Product, Touchpoint, Version

SCORE_RANGE = "BETWEEN 1 AND 5"


class Rating(Model):
    """One customer's rating of one version: one per customer per version (the unique constraint)."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "user_id"),
        sa.CheckConstraint(f"expected IS NULL OR expected {SCORE_RANGE}", name="expected_range"),
        # The hold rules' windows (holds.py): the ratings of one version since a moment, and those from one network.
        sa.Index("ix_ratings_version_created", "version_id", "created_at"),
        sa.Index("ix_ratings_version_network_created", "version_id", "network_hash", "created_at"),
        sa.Index("ix_ratings_version_held", "version_id", "held"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expected: Mapped[int | None] = mapped_column(sa.SmallInteger)
    returning: Mapped[bool] = mapped_column("is_returning", default=False)  # False: first time
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Rater credibility, fixed when the rating is first saved (holds.py, docs/maturity.md):
    rater_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the account's creation (its age then)
    new_account: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rater_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # address confirmed
    vouched: Mapped[str | None] = mapped_column(sa.String(12))  # "sso" or "invited": the company knows them
    network_hash: Mapped[str | None] = mapped_column(sa.String(16))  # keyed hash of the network, never the address
    # Held: stored and shown to the rater, not counted in any figure until the team releases it.
    held: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    hold_reason: Mapped[str | None] = mapped_column(sa.String(12))  # "burst" or "network"; kept after a release
    release_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rating_releases.id", ondelete="SET NULL"))
    # What they felt about the version as a whole: a key of emotions.EMOTIONS, or None.
    emotion: Mapped[str | None] = mapped_column(sa.String(16))

    version: Mapped[Version] = relationship()
    user: Mapped[User] = relationship()
    release: Mapped["RatingRelease | None"] = relationship()
    scores: Mapped[list["RatingScore"]] = relationship(
        back_populates="rating", cascade="all, delete-orphan", order_by="RatingScore.touchpoint_id"
    )

    @property
    def score_map(self) -> dict[int, int]:
        return {s.touchpoint_id: s.score for s in self.scores}

    @property
    def emotion_map(self) -> dict[int, str]:
        """What they felt: emotion key per touchpoint id, emotions.WHOLE (0) for the whole version."""
        found = {s.touchpoint_id: s.emotion for s in self.scores if s.emotion}
        if self.emotion:
            found[0] = self.emotion
        return found


class RatingScore(Model):
    """A 1-5 score for one touchpoint within a rating; a skipped touchpoint has no row."""

    __tablename__ = "rating_scores"
    __table_args__ = (sa.CheckConstraint(f"score {SCORE_RANGE}", name="score_range"),)

    rating_id: Mapped[int] = mapped_column(sa.ForeignKey("ratings.id", ondelete="CASCADE"), primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("touchpoints.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    emotion: Mapped[str | None] = mapped_column(sa.String(16))  # what they felt about this touchpoint, or None

    rating: Mapped[Rating] = relationship(back_populates="scores")
    touchpoint: Mapped[Touchpoint] = relationship()


class SelfScore(Model):
    """The product team's own 1-5 score of one touchpoint for one version (its self-assessment)."""

    __tablename__ = "self_scores"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "touchpoint_id"),
        sa.CheckConstraint(f"score {SCORE_RANGE}", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"))
    touchpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("touchpoints.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    scored_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    scored_by: Mapped[User | None] = relationship()


class StageThresholds(Model):
    """A company's own stage thresholds; companies without a row use figures.Thresholds()."""

    __tablename__ = "stage_thresholds"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    min_raters: Mapped[int] = mapped_column()
    good_enough: Mapped[float] = mapped_column(sa.Float)
    good: Mapped[float] = mapped_column(sa.Float)
    good_weakest: Mapped[float] = mapped_column(sa.Float)
    excellent: Mapped[float] = mapped_column(sa.Float)
    excellent_weakest: Mapped[float] = mapped_column(sa.Float)
    promises_kept: Mapped[float] = mapped_column(sa.Float)  # a share, 0-1
    response_hours: Mapped[float] = mapped_column(sa.Float)
    blind_spot_gap: Mapped[float] = mapped_column(sa.Float)
    min_touchpoint_ratings: Mapped[int] = mapped_column()
    negative_share: Mapped[float] = mapped_column(sa.Float, default=0.1, server_default="0.1")  # a share, 0-1
    miss_response_hours: Mapped[float] = mapped_column(sa.Float, default=24.0, server_default="24")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    FIELDS = ("min_raters", "good_enough", "good", "good_weakest", "excellent", "excellent_weakest",
              "promises_kept", "response_hours", "blind_spot_gap", "min_touchpoint_ratings", "negative_share",
              "miss_response_hours")

    def to_thresholds(self) -> figures.Thresholds:
        return figures.Thresholds(**{name: getattr(self, name) for name in self.FIELDS})


class StageChange(Model):
    """A product moved from one stage to another; ``figures`` holds every figure at that moment."""

    __tablename__ = "stage_changes"
    __table_args__ = (sa.Index("ix_stage_changes_product_created", "product_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    from_stage: Mapped[str] = mapped_column(sa.String(20))
    to_stage: Mapped[str] = mapped_column(sa.String(20))
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    version: Mapped[Version | None] = relationship()


class FractionText(sa.TypeDecorator):
    """An exact fraction stored as text ("123/7"): running sums that never drift."""

    impl = sa.String(80)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(Fraction(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Fraction(value)


class VersionTally(Model):
    """Running sums of a version's ratings (figures.Sums), moved with every rating saved or removed."""

    __tablename__ = "version_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    raters: Mapped[int] = mapped_column(default=0)
    grade_sum: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(0))
    grade_squares: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(0))
    first_n: Mapped[int] = mapped_column(default=0)
    first_grade_sum: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(0))
    first_expected_sum: Mapped[int] = mapped_column(default=0)
    returning_n: Mapped[int] = mapped_column(default=0)
    returning_grade_sum: Mapped[Fraction] = mapped_column(FractionText, default=Fraction(0))
    returning_expected_sum: Mapped[int] = mapped_column(default=0)


class TouchpointTally(Model):
    """Number and sum of the scores one touchpoint got on one version."""

    __tablename__ = "touchpoint_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("touchpoints.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)


class EmotionTally(Model):
    """How many counted raters of a version named an emotion, for one touchpoint or (touchpoint_id 0, emotions.WHOLE)
    for the whole version. Moved with the rating like the other sums (stored.move)."""

    __tablename__ = "emotion_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(primary_key=True)  # 0: the whole version (no foreign key therefore)
    emotion: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class ProductFigures(Model):
    """A product's figures, stage and blockers as last judged: what the board and the maturity page show.

    Written whenever a fact they depend on changes (through the events) and by the worker's schedule for
    what the clock changes; never computed on a page view. ``flask maturity verify`` recomputes and compares.
    """

    __tablename__ = "product_figures"

    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    previous_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(sa.String(20))
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    verdict: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    thresholds: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    previous_grade: Mapped[float | None] = mapped_column(sa.Float)
    trend: Mapped[str] = mapped_column(sa.String(10))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RatingRelease(Model):
    """The team released held ratings, with a note: a line of the product's stage history (holds.release)."""

    __tablename__ = "rating_releases"
    __table_args__ = (sa.Index("ix_rating_releases_product_created", "product_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(sa.Text)
    ratings: Mapped[int] = mapped_column()
    stage_before: Mapped[str] = mapped_column(sa.String(20))
    stage_after: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[Version | None] = relationship()
    released_by: Mapped[User | None] = relationship()


class HoldRulesRow(Model):
    """A company's own hold rules; companies without a row use holds.DEFAULT_RULES."""

    __tablename__ = "rating_hold_rules"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    new_account_days: Mapped[int] = mapped_column()
    burst_ratings: Mapped[int] = mapped_column()
    burst_minutes: Mapped[int] = mapped_column()
    network_ratings: Mapped[int] = mapped_column()
    network_hours: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    FIELDS = ("new_account_days", "burst_ratings", "burst_minutes", "network_ratings", "network_hours")


class VersionCredibility(Model):
    """Who rated a version, counted as the ratings arrive (holds.Credibility): what the credibility panel shows.

    Every rating counts here, held or not. Moved with each rating saved, held, released or erased; ``flask maturity
    verify`` recounts it from the ratings."""

    __tablename__ = "version_credibility"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    ratings: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    burst: Mapped[int] = mapped_column(default=0)  # held (now or once) as part of a burst of new accounts
    network: Mapped[int] = mapped_column(default=0)  # held (now or once) as one of many from one network
    released: Mapped[int] = mapped_column(default=0)
    verified: Mapped[int] = mapped_column(default=0)  # the rater's address was confirmed when they rated
    sso: Mapped[int] = mapped_column(default=0)
    invited: Mapped[int] = mapped_column(default=0)
    new_accounts: Mapped[int] = mapped_column(default=0)
    age_day: Mapped[int] = mapped_column(default=0)  # account younger than a day when it rated
    age_week: Mapped[int] = mapped_column(default=0)  # 1-7 days
    age_month: Mapped[int] = mapped_column(default=0)  # 7-30 days
    age_older: Mapped[int] = mapped_column(default=0)  # 30 days or more
    age_unknown: Mapped[int] = mapped_column(default=0)  # rated before ages were recorded

    COUNTS = ("ratings", "held", "burst", "network", "released", "verified", "sso", "invited", "new_accounts",
              "age_day", "age_week", "age_month", "age_older", "age_unknown")


class CellTally(Model):
    """One touchpoint on one version, for first-time or returning raters: how many scored it, the sum of their
    scores and of their squares. The journey heat map's cells (journey.py) read these; moved with each rating
    (stored.move), rebuilt with the other sums, verified by ``flask maturity verify``."""

    __tablename__ = "cell_tallies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("touchpoints.id", ondelete="CASCADE"), primary_key=True)
    returning: Mapped[bool] = mapped_column("is_returning", primary_key=True)  # False: first-time raters
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    squares: Mapped[int] = mapped_column(default=0)
