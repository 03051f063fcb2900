"""Personal API tokens: create, look up, revoke. Services flush; the caller commits."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from cocreate.api.models import SCOPES, ApiToken
from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.refusal import N_, Refused

TOKEN_PREFIX = "cc_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for, not a secret)  # nosec B105
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often, so API reads do not each cost a write.
LAST_USED_PRECISION = timedelta(hours=1)
# How long a new token lives; None: until revoked. The token page offers these, 90 days first.
LIFETIMES: dict[str, timedelta | None] = {
    "30": timedelta(days=30), "90": timedelta(days=90), "365": timedelta(days=365), "never": None,
}
DEFAULT_LIFETIME = "90"


class TokenError(Refused):
    """A token change that cannot be made; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _usable():
    """The condition for a token that still works: not revoked, not expired."""
    return sa.and_(ApiToken.revoked_at.is_(None),
                   sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()))


def create_token(user: User, name: str, *, scope: str = "write",
                 lifetime: str = DEFAULT_LIFETIME) -> tuple[ApiToken, str]:
    """A new token for the user; returns the row and the token itself, which is never stored.

    scope: "read" (GET only) or "write"; lifetime: a key of LIFETIMES ("never": until revoked).
    """
    name = name.strip()
    if not name:
        raise TokenError(N_("Give the token a name, so you recognise it later."))
    if scope not in SCOPES:
        raise TokenError(N_("Choose what the token may do: read, or read and write."))
    if lifetime not in LIFETIMES:
        raise TokenError(N_("Choose when the token expires."))
    active = db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)
                                .where(ApiToken.user_id == user.id, _usable())).scalar_one()
    if active >= MAX_ACTIVE_TOKENS:
        raise TokenError(N_("You have %(num)d active tokens; revoke one you no longer use first."),
                         num=MAX_ACTIVE_TOKENS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    duration = LIFETIMES[lifetime]
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:10], scope=scope,
                   expires_at=None if duration is None else utcnow() + duration)
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


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of the user that still works; returns how many."""
    rows = list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id, _usable())))
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    db.session.flush()
    return len(rows)


def authenticate(token: str) -> ApiToken | None:
    """The active token row for this token, with its user; None for unknown, revoked or expired tokens."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), _usable())
        .options(sa.orm.joinedload(ApiToken.user))
    )
    if row is not None:
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            row.last_used_at = now
    return row
