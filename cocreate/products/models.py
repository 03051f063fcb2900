import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, utcnow


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"  # the company's members and the customers it invited


SLUG_MAX_LENGTH = 60


class Product(Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX_LENGTH), unique=True)
    tagline: Mapped[str] = mapped_column(sa.String(140), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "visibility", 10),
        default=Visibility.PUBLIC,
    )
    # A private product whose customers see it only in a session signed in through the company's identity
    # provider (cocreate/auth/sso.py; the owner ticks it on the company's single sign-on page).
    sso_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    versions: Mapped[list["Version"]] = relationship(
        back_populates="product", cascade="all, delete-orphan",
        order_by="(Version.released_on.desc(), Version.id.desc())",
    )

    touchpoints: Mapped[list["Touchpoint"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="(Touchpoint.position, Touchpoint.id)",
    )

    @property
    def current_version(self) -> "Version | None":
        """The newest version released on or before today."""
        today = date.today()
        return next((v for v in self.versions if v.released_on <= today), None)

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


DEFAULT_TOUCHPOINTS = (
    ("First impression", "Finding it, the first look, signing up or unboxing."),
    ("Ease of use", "Getting done what you came for without help."),
    ("Quality", "It works, every time, and feels well made."),
    ("Delivery", "Getting it, setting it up, updates arriving as promised."),
    ("Support", "Answers when you need them, people who listen."),
    ("Value for money", "What you get for what you pay."),
)
# The default touchpoints' names in the other languages: a new product's touchpoints carry them (migration 0017
# gave them to the existing ones), and the team may change them per language like any name.
DEFAULT_TOUCHPOINT_NAMES: dict[str, dict[str, str]] = {
    "First impression": {"nl": "Eerste indruk", "it": "Prima impressione"},
    "Ease of use": {"nl": "Gebruiksgemak", "it": "Facilità d’uso"},
    "Quality": {"nl": "Kwaliteit", "it": "Qualità"},
    "Delivery": {"nl": "Levering", "it": "Consegna"},
    "Support": {"nl": "Ondersteuning", "it": "Assistenza"},
    "Value for money": {"nl": "Prijs-kwaliteitverhouding", "it": "Rapporto qualità-prezzo"},
}
TOUCHPOINT_LANGUAGES = ("en", "nl", "it")


class Touchpoint(Model):
    """A moment of the customer's experience that is rated on its own. Retired ones keep their history."""

    __tablename__ = "touchpoints"
    __table_args__ = (sa.Index("ix_touchpoints_product_position", "product_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(60))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The name per language ({"nl": "Levering", ...}) where the team gave one; `name` is the original and the
    # fallback for every other language (touchpoint_name below).
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # Where in the customer's journey it happens (maturity.journey.STAGES: first contact ... support), or None.
    journey_stage: Mapped[str | None] = mapped_column(sa.String(20))

    product: Mapped["Product"] = relationship(back_populates="touchpoints")

    @property
    def active(self) -> bool:
        return self.retired_at is None

    def name_in(self, language: str) -> str:
        return touchpoint_name(self.name, self.names, language)


def touchpoint_name(name: str, names: dict[str, str] | None, language: str) -> str:
    """A touchpoint's name in this language, else its original name."""
    return (names or {}).get(language) or name


class ProductAccess(Model):
    """A customer invited to a private product."""

    __tablename__ = "product_access"
    __table_args__ = (sa.UniqueConstraint("product_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ProductInvitation(Model):
    """A team's invitation to a private product, for an e-mail address: whoever has (or later makes) an account
    with that address sees it on their invitations page and gets access by accepting (a ProductAccess row)."""

    __tablename__ = "product_invitations"
    __table_args__ = (sa.UniqueConstraint("product_id", "email"), sa.Index("ix_product_invitations_email", "email"))

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    invited_by: Mapped[User | None] = relationship()


class Version(Model):
    """A prototype version (v0.1, v0.2 …). The newest released one is the product's current version."""

    __tablename__ = "versions"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "label"),
        sa.Index("ix_versions_product_released", "product_id", "released_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(sa.String(30))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    notes_html: Mapped[str] = mapped_column(sa.Text, default="")
    released_on: Mapped[date] = mapped_column(sa.Date)
    demo_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the "version.released" webhook went out: on the release day, once (a future date waits for it).
    release_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship(back_populates="versions")

    @property
    def is_released(self) -> bool:
        return self.released_on <= date.today()
