"""Accounts: sign-up, password checks, session revocation. No Flask request here."""

import contextlib

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from cocreate import events
from cocreate.auth.models import User, new_session_token
from cocreate.extensions import db
from cocreate.refusal import N_, Refused

# Verifying against this keeps "unknown e-mail" as slow as "wrong password".
_DUMMY_HASH_CACHE: dict[tuple[int, int], str] = {}


class EmailTaken(Refused):
    """Someone has an account with this address already."""

    def __init__(self, email: str):
        super().__init__(N_("An account with this e-mail exists already. Log in instead?"))
        self.email = email


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["PASSWORD_TIME_COST"], memory_cost=cfg["PASSWORD_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(*, name: str, email: str, password: str, bio: str = "", address: str | None = None) -> User:
    """A new account; ``address`` is the client's IP when they signed up on the site (None from the shell)."""
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(name=name.strip(), email=email, password_hash=hash_password(password), bio=bio)
    db.session.add(user)
    db.session.flush()
    events.user_signed_up.send(user, address=address)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose password matches, else None; same work whether the e-mail exists or not."""
    hasher = _hasher()
    user = find_by_email(email)
    if user is None:
        key = (hasher.time_cost, hasher.memory_cost)
        if key not in _DUMMY_HASH_CACHE:
            _DUMMY_HASH_CACHE[key] = hasher.hash("not-a-real-password")
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH_CACHE[key], password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def revoke_sessions(user: User) -> None:
    """Every session and remember-me cookie issued so far stops working."""
    user.session_token = new_session_token()


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
