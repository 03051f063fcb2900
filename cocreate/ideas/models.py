import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, db, utcnow
from cocreate.i18n import _l
from cocreate.ideas import search
from cocreate.products.models import Product, Touchpoint, Version


class Status(enum.StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def label(self) -> str:
        """The name people read, in the page's language (the value is what code, the database and CSV use)."""
        return str(_LABELS[self])

    @property
    def lazy_label(self):
        """The label translated when it is shown: for form choices built at import time."""
        return _LABELS[self]

    @property
    def closed(self) -> bool:
        """Voting is closed, and the idea no longer counts as open."""
        return self in CLOSED

    @property
    def takes_promise(self) -> bool:
        return self in (Status.PLANNED, Status.IN_PROGRESS)


CLOSED = frozenset({Status.SHIPPED, Status.DECLINED, Status.MERGED})

_LABELS = {
    Status.OPEN: _l("Open"),
    Status.UNDER_REVIEW: _l("Under review"),
    Status.PLANNED: _l("Planned"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.SHIPPED: _l("Shipped"),
    Status.DECLINED: _l("Declined"),
    Status.MERGED: _l("Merged"),
}


STATUS_TYPE = enum_type(Status, "idea_status")

idea_tags = sa.Table(
    "idea_tags",
    db.metadata,
    sa.Column("idea_id", sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    """A label the product team defines for its product's ideas."""

    __tablename__ = "tags"
    __table_args__ = (sa.UniqueConstraint("product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(40))


class Idea(Model):
    __tablename__ = "ideas"
    __table_args__ = (
        sa.Index("ix_ideas_product_hot", "product_id", "hot"),
        sa.Index("ix_ideas_product_votes", "product_id", "vote_count"),
        sa.Index("ix_ideas_product_created", "product_id", "created_at"),
        sa.Index("ix_ideas_product_comments", "product_id", "comment_count"),
        sa.Index("ix_ideas_product_status_votes", "product_id", "status", "vote_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    touchpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("touchpoints.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[Status] = mapped_column(STATUS_TYPE, default=Status.OPEN)
    # Counters every list shows, kept in step with votes and comments in the same transaction.
    vote_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    # Votes carried over from another tool by a CSV import (ideas/csv_io.py): part of vote_count,
    # which stays real votes + imported_votes through votes, withdrawals and merges.
    imported_votes: Mapped[int] = mapped_column(default=0, server_default="0")
    hot: Mapped[float] = mapped_column(sa.Float, default=0.0)  # trending score, see services.hot_score
    promised_on: Mapped[date | None] = mapped_column(sa.Date)
    shipped_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    shipped_on: Mapped[date | None] = mapped_column(sa.Date)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="SET NULL"), index=True)
    # Heard elsewhere: a team member recorded it for its author, a customer heard at a call or a fair (voices.py).
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    heard_at: Mapped[str | None] = mapped_column(sa.String(120))
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    official_comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    version: Mapped[Version | None] = relationship(foreign_keys=[version_id])
    shipped_version: Mapped[Version | None] = relationship(foreign_keys=[shipped_version_id])
    touchpoint: Mapped[Touchpoint | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=idea_tags, order_by=Tag.name)
    merged_into: Mapped["Idea | None"] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    official_comment: Mapped["Comment | None"] = relationship(foreign_keys=[official_comment_id], post_update=True)

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.title!r}>"


sa.event.listen(Idea.__table__, "after_create", lambda target, connection, **kw: search.install(connection))


class Vote(Model):
    """One per user per idea, enforced by the unique constraint."""

    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Set when the vote was carried over from a duplicate merged into this idea (undone with the merge).
    merged_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    # Heard elsewhere: a team member recorded this customer's vote (voices.py); it counts as theirs.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    heard_at: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Model):
    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    is_team: Mapped[bool] = mapped_column(default=False)  # written by a member of the product's company
    helpful: Mapped[bool] = mapped_column(default=False)  # marked helpful by the team
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    idea: Mapped[Idea] = relationship(foreign_keys=[idea_id])
    author: Mapped[User | None] = relationship()
    replies: Mapped[list["Comment"]] = relationship(order_by="Comment.created_at")


class StatusChange(Model):
    """Every status change: who, when, from, to, note, promised date, shipping version."""

    __tablename__ = "status_changes"
    __table_args__ = (sa.Index("ix_status_changes_idea_created", "idea_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[Status] = mapped_column(STATUS_TYPE)
    to_status: Mapped[Status] = mapped_column(STATUS_TYPE)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    promised_on: Mapped[date | None] = mapped_column(sa.Date)
    shipped_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    shipped_version: Mapped[Version | None] = relationship()
