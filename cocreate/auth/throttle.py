"""Failed log-ins, counted per account and per address in the rate-limit storage that every worker shares.

- **Per account** (any address): the ACCOUNT-th failure in its window locks the account until the window ends.
  While locked, every attempt gets the same answer, whether the password is right or wrong and whether the
  account exists at all, and no password is checked: the lock is no oracle. The owner is mailed a notice with a
  signed link that unlocks the account at once (auth.services.login_failed).
- **Per address**: past ADDRESS failures in its window an address is no longer believed: each further wrong
  password from it locks its account at once (so one address gets ADDRESS guesses, then one per account per
  lock, each mailed to the owner). The right password still gets in: one attacker behind a shared address (an
  office, a proxy without PROXY_COUNT) cannot lock everyone else out. Before (issue 15.6) the address limit
  answered 429 to right passwords too.

- **A browser the account logged in from before** carries a signed device cookie for it (OWASP's "device
  cookies"): the account's lock does not apply to it, only a limit of its own (DEVICE failures). So an attacker who
  keeps someone's account locked, five wrong passwords every quarter of an hour, does not lock its owner out of
  the browsers they use; the cookie is only ever given after the right password, so it tells an attacker nothing.

Only failures count. The route also caps log-in requests per address (LOGIN_REQUESTS, right or wrong) so that
nobody makes the server compute password hashes without end.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db, limiter

ACCOUNT = parse("5/15 minutes")
ADDRESS = parse("20/hour")
DEVICE = parse("5/15 minutes")  # a trusted browser's own failures, instead of the account's
LOGIN_REQUESTS = "30/minute"  # every POST /login from one address, successful or not: the hashing it costs


@dataclass(frozen=True)
class Failure:
    locked_now: bool  # this failure locked the account (its owner is to be told)
    locked_until: float | None  # Unix time the account's lock ends, when it is locked
    address_until: float | None  # Unix time the address's window ends, when it is past its limit


def enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED"))


def _key(item: RateLimitItem, kind: str, value: str) -> str:
    return item.key_for(current_app.config.get("RATELIMIT_KEY_PREFIX") or "cocreate", kind, value)


def _account(email: str) -> str:
    return _key(ACCOUNT, "login-account", email)


def _address(address: str | None) -> str:
    return _key(ADDRESS, "login-address", address or "unknown")


def _device(device: str) -> str:
    return _key(DEVICE, "login-device", device)


def locked_until(email: str, device: str | None = None) -> float | None:
    """When the lock ends (Unix time), or None when it is not locked. `email` is normalised; `device` is the id of
    a trusted browser of this account (`trusted_device`): its own failures count then, not the account's."""
    if not enabled():
        return None
    item, key = (DEVICE, _device(device)) if device else (ACCOUNT, _account(email))
    if limiter.storage.get(key) < item.amount:
        return None
    return limiter.storage.get_expiry(key)


def record_failure(email: str, address: str | None, device: str | None = None) -> Failure:
    """Count a wrong password for `email` (normalised) from `address`, on a trusted browser `device` if any."""
    if not enabled():
        return Failure(False, None, None)
    storage = limiter.storage
    address_key = _address(address)
    address_over = storage.incr(address_key, ADDRESS.get_expiry()) > ADDRESS.amount
    if device:  # the owner's own browser: its own count; nobody is told (the owner is the one typing)
        key = _device(device)
        count = storage.incr(key, DEVICE.get_expiry())
        return Failure(locked_now=False, locked_until=storage.get_expiry(key) if count >= DEVICE.amount else None,
                       address_until=storage.get_expiry(address_key) if address_over else None)
    # Past the address's limit a failure counts as many as lock the account: one guess per account per lock.
    amount = ACCOUNT.amount if address_over else 1
    key = _account(email)
    count = storage.incr(key, ACCOUNT.get_expiry(), amount)
    locked = count >= ACCOUNT.amount
    return Failure(locked_now=locked and count - amount < ACCOUNT.amount,
                   locked_until=storage.get_expiry(key) if locked else None,
                   address_until=storage.get_expiry(address_key) if address_over else None)


def unlock(email: str) -> None:
    """The account's failures are forgotten: it is unlocked (its owner followed the mailed link)."""
    if enabled():
        limiter.storage.clear(_account(email))


def seconds_until(moment: float) -> int:
    return max(1, int(moment - time.time() + 0.999))


# --- The lock's notice and the link that lifts it ------------------------------------------------------------

UNLOCK_SALT = "cocreate-login-unlock"
UNLOCK_MAX_AGE = 24 * 3600  # the mail may be read later; a link to an account that is not locked does nothing


def login_failed(email: str, address: str | None, device: str | None = None) -> Failure:
    """Count a failed log-in; when it locks an existing account, its owner is told (``login_locked``: a mail
    with the unlock link). An address without an account is locked alike, and nobody is told."""
    from cocreate.auth.services import find_by_email

    failure = record_failure(email, address, device)
    if failure.locked_now and failure.locked_until is not None and (user := find_by_email(email)) is not None:
        events.login_locked.send(user, token=unlock_token(user),
                                 until=datetime.fromtimestamp(failure.locked_until, UTC))
    return failure


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNLOCK_SALT)


def _address_digest(email: str) -> str:
    """Binds a link to the address without writing the address into the URL (links end up in logs)."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def unlock_token(user: User) -> str:
    """Signed with the site's key, for this account at this address: a changed address voids it."""
    return _serializer().dumps([user.id, _address_digest(user.email)])


def user_of_unlock_token(token: str) -> User | None:
    """The account an unlock link is for, if it is genuine, recent and the account still has that address."""
    try:
        user_id, digest = _serializer().loads(token, max_age=UNLOCK_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not hmac.compare_digest(str(digest), _address_digest(user.email)):
        return None
    return user


# --- Trusted browsers (device cookies) ------------------------------------------------------------------------

DEVICE_COOKIE = "cocreate_device"
DEVICE_SALT = "cocreate-login-device"
DEVICE_MAX_AGE = 180 * 24 * 3600


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def remember_device(response, user: User) -> None:
    """After the right password: this browser is trusted for this account (one cookie, for the last account)."""
    value = _device_serializer().dumps([_address_digest(user.email), secrets.token_hex(8)])
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_MAX_AGE, path="/login", httponly=True,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), samesite="Lax")


def trusted_device(cookie: str | None, email: str) -> str | None:
    """The id of this browser if its device cookie is genuine, recent and for `email` (normalised), else None."""
    if not cookie:
        return None
    try:
        digest, device = _device_serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if not hmac.compare_digest(str(digest), _address_digest(email)):
        return None
    return str(device)
