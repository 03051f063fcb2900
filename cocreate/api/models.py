from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.extensions import Model, UTCDateTime, utcnow

SCOPES = ("read", "write")  # read: GET only; write: everything the user may do


class ApiToken(Model):
    """A personal API token. Only the SHA-256 of the token is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  # the first characters, to recognise a token in the list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scope: Mapped[str] = mapped_column(sa.String(8), default="write", server_default="write")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    @property
    def read_only(self) -> bool:
        return self.scope != "write"
