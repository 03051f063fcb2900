"""Personal API tokens: create, look up, revoke. Services flush; the caller commits."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from cocreate.api.models import ApiToken
from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.refusal import N_, Refused

TOKEN_PREFIX = "cc_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for, not a secret)  # nosec B105
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often, so API reads do not each cost a write.
LAST_USED_PRECISION = timedelta(hours=1)


class TokenError(Refused):
    """A token change that cannot be made; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns the row and the token itself, which is never stored."""
    name = name.strip()
    if not name:
        raise TokenError(N_("Give the token a name, so you recognise it later."))
    active = db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)
                                .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalar_one()
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError(N_("You have %(num)d active tokens; revoke one you no longer use first."),
                         num=MAX_ACTIVE_TOKENS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    return row, token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens; None when the user has no such token."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def authenticate(token: str) -> ApiToken | None:
    """The active token row for this token, with its user; None for unknown or revoked tokens."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .options(sa.orm.joinedload(ApiToken.user))
    )
    if row is not None:
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            row.last_used_at = now
    return row
