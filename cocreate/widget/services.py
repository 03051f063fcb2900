"""The rating widget's rules: allowed origins, the company's signing secret, who is rating. No Flask request here.

Two tokens are in play (docs/integrations.md, "The rating widget"):

- **The company's token**: a JWT (HS256) the company's own server signs with the company's widget secret, naming
  its signed-in user (``email``, ``name``, ``exp``). Checked by joserfc (``identify``); Cocreate then finds the
  account with that address or makes a verified one (the company vouches for the address, as it does when it
  invites a customer); on a private product, the person is let in like an invited customer.
- **The widget's token**: what the widget keeps in its memory once it knows who rates (from the company's token,
  or from the person's Cocreate session through the sign-in window). Signed by Cocreate (itsdangerous, SECRET_KEY),
  for one user and one product, valid for ``ACCESS_LIFETIME``, and void as soon as the user's sessions are ended
  (log-out, a new password): it carries a digest of the user's session token.

The widget needs no cookie in the customer's browser: the token travels in the ``Authorization`` header, which is
also why its POSTs need no CSRF token (a cross-site form cannot send the header).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy.exc import IntegrityError

from cocreate.auth import services as auth
from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db, utcnow
from cocreate.products.models import Product, Visibility
from cocreate.products.services import can_view, grant_access
from cocreate.refusal import N_, Refused
from cocreate.widget.models import WidgetOrigin, WidgetSecret

MAX_ORIGINS = 20
ACCESS_LIFETIME = timedelta(hours=2)
# A company's token lives minutes, not days: it is put in pages. Longer ones are refused, so a leaked page cannot
# rate for its user for long.
MAX_TOKEN_LIFETIME = timedelta(days=1)
LEEWAY_SECONDS = 60  # clocks of the company's server and ours may differ a little
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


class WidgetRefused(Refused):
    """A change to the widget's settings, or an identity, the rules do not allow."""


# --- Allowed origins -----------------------------------------------------------------------------------------

def normalise_origin(text: str) -> str:
    """``scheme://host[:port]`` in the form browsers send in ``Origin``; refused with the reason otherwise."""
    value = (text or "").strip().rstrip("/")
    if not value:
        raise WidgetRefused(N_("Enter the address of the site that shows the widget, such as https://app.example.com."))
    if len(value) > 255:
        raise WidgetRefused(N_("That address is too long (at most 255 characters)."))
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise WidgetRefused(N_("That is not a web address: write it as https://app.example.com.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WidgetRefused(N_("An origin starts with https:// (or http://) and names a host, such as "
                              "https://app.example.com."))
    if parts.path or parts.query or parts.fragment or parts.username or parts.password or "@" in value:
        raise WidgetRefused(N_("Only the origin, without a path: https://app.example.com, not "
                              "https://app.example.com/page."))
    host = parts.hostname.lower()
    if "*" in host:
        raise WidgetRefused(N_("Name each site: wildcards such as *.example.com are not allowed."))
    if not (_HOST.match(host) or host == "[::1]" or host == "::1"):
        raise WidgetRefused(N_("That host name is not valid."))
    if host == "::1":
        host = "[::1]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def origins_of(product: Product) -> list[WidgetOrigin]:
    return list(db.session.scalars(sa.select(WidgetOrigin).where(WidgetOrigin.product_id == product.id)
                                   .order_by(WidgetOrigin.origin)))


def allowed_origins(product: Product) -> list[str]:
    return [row.origin for row in origins_of(product)]


def add_origin(product: Product, text: str) -> WidgetOrigin:
    origin = normalise_origin(text)
    existing = allowed_origins(product)
    if origin in existing:
        raise WidgetRefused(N_("%(origin)s is allowed already."), origin=origin)
    if len(existing) >= MAX_ORIGINS:
        raise WidgetRefused(N_("A product may have at most %(count)d sites; remove one first."), count=MAX_ORIGINS)
    row = WidgetOrigin(product_id=product.id, origin=origin)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # added by a simultaneous request
        raise WidgetRefused(N_("%(origin)s is allowed already."), origin=origin) from None
    return row


def remove_origin(row: WidgetOrigin) -> None:
    db.session.delete(row)
    db.session.flush()


# --- The company's signing secret ----------------------------------------------------------------------------

def secret_of(company: Company) -> WidgetSecret | None:
    return db.session.get(WidgetSecret, company.id)


def new_secret(company: Company) -> WidgetSecret:
    """A new secret (the first, or instead of the current one: tokens signed with the old one stop working)."""
    row = secret_of(company)
    value = "cws_" + secrets.token_urlsafe(32)
    if row is None:
        row = WidgetSecret(company_id=company.id, secret=value, created_at=utcnow())
        db.session.add(row)
    else:
        row.secret, row.created_at = value, utcnow()
    db.session.flush()
    return row


def sign_identity(secret: str, *, email: str, name: str, lifetime: timedelta = timedelta(minutes=10)) -> str:
    """What the company's server does (any JWT library does the same): for the demo page, the docs and tests."""
    now = int(utcnow().timestamp())
    claims = {"email": email, "name": name, "iat": now, "exp": now + int(lifetime.total_seconds())}
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(secret))


def identify(product: Product, token: str, *, address: str | None = None) -> User:
    """The person a company's token names, for rating ``product``: their account, made (verified) if there is none.

    Refused when the company has no secret, the signature or its algorithm is not right, the token has expired,
    lives longer than a day, or lacks a valid ``email`` or ``name``."""
    row = secret_of(product.company)
    if row is None:
        raise WidgetRefused(N_("This company has not set up signed sign-in for its widget."))
    try:
        decoded = jwt.decode(token, OctKey.import_key(row.secret), algorithms=["HS256"])
        jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, exp={"essential": True}, email={"essential": True},
                              name={"essential": True}).validate(decoded.claims)
    except (JoseError, ValueError, TypeError):
        raise WidgetRefused(N_("The sign-in token is not valid (or has expired): reload the page.")) from None
    claims = decoded.claims
    now = utcnow().timestamp()
    if not isinstance(claims["exp"], int | float) or claims["exp"] - now > MAX_TOKEN_LIFETIME.total_seconds():
        raise WidgetRefused(N_("The sign-in token lives too long: sign tokens for at most a day."))
    email, name = claims["email"], claims["name"]
    if not isinstance(email, str) or not isinstance(name, str) or not name.strip() or len(name.strip()) > 80:
        raise WidgetRefused(N_("The sign-in token must name the person: an e-mail address and a name of at most "
                              "80 characters."))
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise WidgetRefused(N_("The sign-in token's e-mail address is not valid.")) from None
    user = auth.find_by_email(email)
    if user is None:
        try:
            with db.session.begin_nested():
                user = auth.create_user(name=name.strip(), email=email, password=secrets.token_urlsafe(32),
                                        address=address, verified=True)
        except IntegrityError:  # the same person's first token, exchanged twice at once: the other made it
            user = auth.find_by_email(email)
            if user is None:
                raise
    if product.visibility != Visibility.PUBLIC and not can_view(product, user):
        try:
            with db.session.begin_nested():
                grant_access(product, user)  # the company vouched for them, as an invitation does
        except IntegrityError:  # let in by a simultaneous exchange
            pass
    return user


# --- The widget's own token ----------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cocreate.widget.access")


def _session_digest(user: User) -> str:
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:24]


def access_token(user: User, product: Product) -> str:
    return _serializer().dumps({"u": user.id, "p": product.id, "s": _session_digest(user)})


def user_for(token: str, product: Product) -> User | None:
    """The user of a widget token for this product; None when it is forged, expired, for another product, or the
    user's sessions have ended since."""
    try:
        data = _serializer().loads(token, max_age=int(ACCESS_LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != product.id or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not hmac.compare_digest(str(data.get("s", "")), _session_digest(user)):
        return None
    return user
