import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from cocreate.extensions import Model, UTCDateTime, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    # Flask-Login identifies a session by this token, not by the id: rotating it
    # (logout, password change) makes every copied session and remember cookie useless.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    contact_opt_in: Mapped[bool] = mapped_column(default=False)
    # The language the user chose (None: follow the browser) and the one their browser last asked for,
    # which mail falls back to (cocreate/i18n.py).
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    browser_locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the account's current address was confirmed; None: not (yet) confirmed. Only verified accounts count
    # toward raters, votes and ambassador scores (cocreate/auth/verification.py; docs/accounts.md). A sign-up is
    # verified by construction (the account is made by the link mailed to the address); a change of address
    # clears it until the link mailed to the new address is followed.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class SignupRequest(Model):
    """A sign-up waiting for its address to be confirmed: the account is made when the link mailed to the address
    is followed. Only the token's hash is kept; the row goes when it is used, and expired ones go at the next
    sign-up."""

    __tablename__ = "signup_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    browser_locale: Mapped[str | None] = mapped_column(sa.String(8))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AccountLink(Model):
    """A single-use link mailed to an address: confirm it (``verify``), set a new password (``reset``) or sign in
    without one (``login``). Only the token's hash is kept; it is bound to the account and to the address it was
    mailed to, expires, and is marked used the first time it works (cocreate/auth/links.py)."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CompanySSO(Model):
    """A company's OpenID Connect identity provider (cocreate/auth/sso.py). The client secret is stored encrypted
    with a key derived from SECRET_KEY and never shown back."""

    __tablename__ = "company_sso"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SSOIdentity(Model):
    """An account as the company's provider knows it: the ID token's ``sub`` for that company's issuer."""

    __tablename__ = "sso_identities"
    __table_args__ = (sa.UniqueConstraint("company_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
