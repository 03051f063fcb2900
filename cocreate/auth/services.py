"""Accounts: sign-up, password checks, session revocation. No Flask request here."""

import contextlib
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from cocreate import events
from cocreate.auth.models import SignupRequest, User, new_session_token
from cocreate.extensions import db, utcnow
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


def create_user(*, name: str, email: str, password: str, bio: str = "", address: str | None = None,
                verified: bool = True) -> User:
    """A new account (the shell's and the demo's way; the site's sign-up confirms the address first, see
    ``request_signup``); ``address`` is the client's IP when they signed up on the site. ``verified``: whoever
    makes an account by hand vouches for its address; False makes one that must confirm it first."""
    return _add_user(name=name, email=email, password_hash=hash_password(password), bio=bio, address=address,
                     verified=verified)


def _add_user(*, name: str, email: str, password_hash: str, bio: str = "", address: str | None = None,
              locale: str | None = None, browser_locale: str | None = None, verified: bool = True) -> User:
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(name=name.strip(), email=email, password_hash=password_hash, bio=bio, locale=locale,
                browser_locale=browser_locale, email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    events.user_signed_up.send(user, address=address)
    return user


# --- Sign-up on the site: the same answer for every address; the mail says the rest ----------------------

SIGNUP_LIFETIME = timedelta(days=2)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_signup(*, name: str, email: str, password: str, locale: str | None = None,
                   browser_locale: str | None = None) -> SignupRequest | None:
    """Someone asks for an account. The page answers alike whatever the address (issue 15.9: it told anyone which
    addresses have an account); the mail tells the address's owner which case it is. A new address gets a link
    that makes the account (``signup_requested``, a SignupRequest); an address with an account gets a note that
    someone tried (``signup_repeated``), and nothing changes. Both hash the password, so they take as long."""
    email = normalise_email(email)
    now = utcnow()
    db.session.execute(sa.delete(SignupRequest).where(SignupRequest.expires_at <= now))
    password_hash = hash_password(password)
    user = find_by_email(email)
    if user is not None:
        events.signup_repeated.send(user)
        return None
    token = secrets.token_urlsafe(24)
    request = SignupRequest(email=email, name=name.strip(), password_hash=password_hash, locale=locale,
                            browser_locale=browser_locale, token_hash=_hash_token(token), created_at=now,
                            expires_at=now + SIGNUP_LIFETIME)
    db.session.add(request)
    db.session.flush()
    events.signup_requested.send(request, token=token)
    return request


def find_signup_request(token: str) -> SignupRequest | None:
    """The waiting sign-up of this link, if it is still valid."""
    return db.session.scalar(sa.select(SignupRequest).where(SignupRequest.token_hash == _hash_token(token),
                                                            SignupRequest.expires_at > utcnow()))


def confirm_signup(request: SignupRequest, address: str | None = None) -> User:
    """The link was followed: the address is the requester's. The account is made as asked (name, password,
    language), verified (it was made by the link mailed to the address); every waiting sign-up for the address
    goes."""
    user = _add_user(name=request.name, email=request.email, password_hash=request.password_hash, address=address,
                     locale=request.locale, browser_locale=request.browser_locale)
    db.session.execute(sa.delete(SignupRequest).where(SignupRequest.email == request.email))
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
    """The new password; every other session ends, and (events.password_changed) the user's API tokens are revoked."""
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
    events.password_changed.send(user)
