import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.i18n import _l


class Subscription(Model):
    """A user following an idea or a product. ``active`` False records an explicit unfollow, so an
    automatic follow (the next vote or comment) does not undo it."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "idea_id"),
        sa.UniqueConstraint("user_id", "product_id"),
        sa.CheckConstraint("(idea_id IS NULL) <> (product_id IS NULL)", name="one_target"),
        sa.Index("ix_subscriptions_idea_active", "idea_id", "active"),
        sa.Index("ix_subscriptions_product_active", "product_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(Model):
    """One in-app notification; ``read_at`` None means unread."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the subject and body were written in (the recipient's then): the list marks them with it, so a
    # page in another language reads them out right. None: written before it was kept.
    locale: Mapped[str | None] = mapped_column(sa.String(8))

    user: Mapped[User] = relationship()


class EmailMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NEVER = "never"

    @property
    def label(self) -> str:
        """The choice people read, in the page's language."""
        return str(_EMAIL_MODE_LABELS[self])

    @property
    def lazy_label(self):
        """The label translated when it is shown: for form choices built at import time."""
        return _EMAIL_MODE_LABELS[self]


_EMAIL_MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("Right away, one e-mail per event"),
    EmailMode.DIGEST: _l("Once a day, one e-mail with everything"),
    EmailMode.NEVER: _l("Never (the bell still shows everything)"),
}


class NotificationSettings(Model):
    """A user's e-mail preference; no row means the default (immediately)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[EmailMode] = mapped_column(enum_type(EmailMode, "email_mode"), default=EmailMode.IMMEDIATE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailState(enum.StrEnum):
    QUEUED = "queued"      # the worker sends it once next_attempt_at has come
    DIGEST = "digest"      # waits for the daily digest task, which bundles it into one queued mail
    BUNDLED = "bundled"    # went out inside a digest
    SENT = "sent"
    FAILED = "failed"      # gave up after tasks.ATTEMPTS attempts, or a mail that cannot be sent


class MailMessage(Model):
    """The mail outbox: nothing is sent in a request; the worker's send_mail task delivers and retries."""

    __tablename__ = "mail_queue"
    __table_args__ = (
        sa.Index("ix_mail_queue_state_next", "state", "next_attempt_at"),
        sa.Index("ix_mail_queue_user_state", "user_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notifications.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(1000))
    state: Mapped[MailState] = mapped_column(enum_type(MailState, "mail_state"), default=MailState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is sending it (tasks.claim)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
