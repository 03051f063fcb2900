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
