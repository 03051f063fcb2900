from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cocreate.extensions import Model, UTCDateTime, utcnow


class WidgetOrigin(Model):
    """A site allowed to show a product's rating widget: ``scheme://host[:port]``, as browsers send ``Origin``.

    Only these may frame the widget (CSP ``frame-ancestors``) and read its answers (CORS); a product without any
    has no widget anywhere."""

    __tablename__ = "widget_origins"
    __table_args__ = (sa.UniqueConstraint("product_id", "origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WidgetSecret(Model):
    """The company's secret for signing its users' identity (a JWT, HS256) for the widgets of its products.

    Stored as is: checking an HMAC signature needs it (like a webhook's secret). Shown to the company's owners
    on the widget's settings page, and replaced by a new one when they ask."""

    __tablename__ = "widget_secrets"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
