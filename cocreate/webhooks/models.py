import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.companies.models import Company
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.i18n import _l


class Event(enum.StrEnum):
    IDEA_CREATED = "idea.created"
    IDEA_STATUS_CHANGED = "idea.status_changed"
    VERSION_RELEASED = "version.released"
    PRODUCT_STAGE_CHANGED = "product.stage_changed"
    RATING_SAVED = "rating.saved"
    MISS_OPENED = "miss.opened"

    @property
    def label(self) -> str:
        """What the event means, in the page's language (the value is the event's name in payloads)."""
        return str(_EVENT_LABELS[self])

    @property
    def lazy_label(self):
        """The label translated when it is shown: for form choices built at import time."""
        return _EVENT_LABELS[self]


_EVENT_LABELS = {
    Event.IDEA_CREATED: _l("An idea is submitted"),
    Event.IDEA_STATUS_CHANGED: _l("An idea's status changes"),
    Event.VERSION_RELEASED: _l("A prototype version is added"),
    Event.PRODUCT_STAGE_CHANGED: _l("A product's maturity stage changes"),
    Event.RATING_SAVED: _l("A version is rated (the new totals, never who rated)"),
    Event.MISS_OPENED: _l("A customer rates a touchpoint 1–2 or well below what they expected (a miss)"),
}


class Format(enum.StrEnum):
    """What a webhook's POSTs look like."""

    STANDARD = "standard"  # the event as JSON, signed the Standard Webhooks way
    SLACK = "slack"        # {"text": "…"}: a readable message for a Slack or Mattermost incoming webhook

    @property
    def lazy_label(self):
        return _FORMAT_LABELS[self]


_FORMAT_LABELS = {
    Format.STANDARD: _l("JSON for your own tools (signed, Standard Webhooks)"),
    Format.SLACK: _l("A message for a Slack or Mattermost channel (its incoming-webhook address)"),
}


class DeliveryState(enum.StrEnum):
    PENDING = "pending"      # waiting for its (next) attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"        # gave up after the last attempt

    @property
    def label(self) -> str:
        """The state shown in the delivery log, in the page's language."""
        return str(_DELIVERY_STATE_LABELS[self])


_DELIVERY_STATE_LABELS = {
    DeliveryState.PENDING: _l("pending"),
    DeliveryState.DELIVERED: _l("delivered"),
    DeliveryState.FAILED: _l("failed"),
}


class Webhook(Model):
    """A company's subscription: events are POSTed as JSON to `url`, signed with `secret`.

    The secret is stored as is (HMAC signing needs it); it is shown to the owner once, at creation and when it
    is rolled. ``format`` chooses the body: the event as JSON, or a readable message for a chat channel.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(100))
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    format: Mapped[Format] = mapped_column(enum_type(Format, "webhook_format", 10), default=Format.STANDARD,
                                           server_default=Format.STANDARD.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship()


class WebhookDelivery(Model):
    """One event for one webhook: queued in the transaction that caused it, sent by the worker after commit."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_state_next", "state", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)  # the exact JSON that is signed and sent
    state: Mapped[DeliveryState] = mapped_column(
        enum_type(DeliveryState, "delivery_state", 10),
        default=DeliveryState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is sending it (tasks.claim)
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    webhook: Mapped[Webhook] = relationship()

    @property
    def payload(self) -> dict[str, Any]:
        import json

        return json.loads(self.body)
