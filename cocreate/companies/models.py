import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.i18n import _l


class Role(enum.StrEnum):
    OWNER = "owner"
    PRODUCT = "product"
    MARKETING = "marketing"

    @property
    def label(self) -> str:
        """The role's name in the page's language (the value stays English in the database)."""
        return str(ROLE_LABELS[self])


ROLE_LABELS = {Role.OWNER: _l("Owner"), Role.PRODUCT: _l("Product owner"), Role.MARKETING: _l("Marketing")}


ROLE_TYPE = enum_type(Role, "member_role")


class Company(Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="Membership.id"
    )

    def __repr__(self) -> str:
        return f"<Company {self.slug}>"


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("company_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Invitation(Model):
    """An owner's invitation to join a company, accepted through a link by the invited e-mail."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    invited_by: Mapped[User | None] = relationship()
