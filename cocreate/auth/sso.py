"""Single sign-on with a company's OpenID Connect identity provider (Authlib's client). No routes here.

An owner connects the company's provider (issuer URL, client id, client secret; cocreate/auth/sso_routes.py). The
secret is stored encrypted (Fernet, with a key derived from SECRET_KEY) and never shown back. Signing in:

1. ``client_for(config)`` builds Authlib's Flask OAuth 2 client from the provider's discovery document
   (``<issuer>/.well-known/openid-configuration``), whose ``issuer`` must be the configured one exactly.
2. The sign-in route asks it for ``authorize_redirect``: Authlib makes the ``state``, the ``nonce`` and the PKCE
   ``code_verifier`` (S256), keeps them in the session and sends the browser to the provider.
3. The callback route asks it for ``authorize_access_token``: the ``state`` must be the one in this browser's
   session (else ``MismatchingStateError``), the code is exchanged with the ``code_verifier``, and the ID token's
   signature (the provider's JWKS), ``iss``, ``aud``, ``exp``, ``iat`` and ``nonce`` are checked. Any failure is a
   page that says which check failed (``SSORefused``), never a 500.
4. ``account_for`` finds the account: the one linked to (company, ``sub``); else, signed in already, the signed-in
   account whose address the provider confirms; else the company's member with the provider's confirmed address;
   else a new account (verified when the provider says ``email_verified``). An address that belongs to an account
   outside the company is not taken over: its owner logs in first and connects it.

Customers of a private product whose owner requires it (``Product.sso_required``) see it only in a
session signed in through its provider (``session["sso_company_id"]``; checked in ``sso_routes.customers_through_sso``).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import socket
from collections.abc import Collection
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from cocreate.auth import accounts, services
from cocreate.auth.models import CompanySSO, SSOIdentity, User
from cocreate.companies.models import Company, Membership
from cocreate.extensions import db, utcnow
from cocreate.products.models import Product, Visibility
from cocreate.refusal import N_, Refused

SESSION_KEY = "sso_company_id"
TIMEOUT = 10  # seconds for the provider's discovery, keys and token endpoints


class SSORefused(Refused):
    """Single sign-on cannot go on; the sentence says what to do."""


# --- The secret -------------------------------------------------------------------------------------------

def _fernet() -> Fernet:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"cocreate sso client secret\0" + key).digest()))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SSORefused(N_("The company's client secret can no longer be read (the site's secret key changed). "
                            "An owner enters it again on the single sign-on page.")) from None


# --- Connecting a provider ----------------------------------------------------------------------------------

def _insecure_allowed() -> bool:
    """http:// and private addresses for the provider: tests and development only."""
    app = current_app
    return bool(app.config.get("SSO_ALLOW_INSECURE", app.testing or app.debug))


def check_issuer(issuer: str) -> str:
    """The issuer URL as it will be used: https (http only in tests and development), no query, no fragment, and
    (in production) a host that resolves to public addresses only: the server fetches it."""
    issuer = issuer.strip().rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise SSORefused(N_("Enter the issuer as a URL, such as https://login.example.com/realms/acme."))
    if _insecure_allowed():
        return issuer
    if parts.scheme != "https":
        raise SSORefused(N_("The issuer must use https://."))
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (OSError, UnicodeError):
        raise SSORefused(N_("The issuer's host name cannot be found.")) from None
    if any(not ipaddress.ip_address(str(a).split("%")[0]).is_global for a in addresses):
        raise SSORefused(N_("The issuer must be on the public internet."))
    return issuer


def discover(issuer: str) -> dict:
    """The provider's discovery document; refused when it cannot be read or names another issuer."""
    try:
        response = requests.get(issuer + "/.well-known/openid-configuration", timeout=TIMEOUT,
                                allow_redirects=False)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError):
        raise SSORefused(N_("The provider's discovery document (%(url)s) could not be read. Check the issuer URL."),
                         url=issuer + "/.well-known/openid-configuration") from None
    if not isinstance(metadata, dict) or metadata.get("issuer", "").rstrip("/") != issuer:
        raise SSORefused(N_("The provider calls itself “%(found)s”, not “%(issuer)s”: that issuer is unknown here. "
                            "Enter the issuer exactly as the provider names it."),
                         found=str(metadata.get("issuer", "") if isinstance(metadata, dict) else "")[:200],
                         issuer=issuer)
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(key), str):
            raise SSORefused(N_("The provider's discovery document lacks %(key)s."), key=key)
    return metadata


def configure(company: Company, *, issuer: str, client_id: str, client_secret: str | None,
              required_products: Collection[int] = (), enabled: bool = True) -> CompanySSO:
    """Connect (or change) the company's provider. A new issuer is checked at once: its discovery document must
    answer and name it (the toggles and the client id change without a round trip). An empty ``client_secret``
    keeps the stored one. ``required_products``: the company's private products whose customers must come through
    the provider (the others' requirement is lifted)."""
    issuer = check_issuer(issuer)
    client_id = client_id.strip()
    if not client_id:
        raise SSORefused(N_("Enter the client id the provider gave you."))
    config = db.session.get(CompanySSO, company.id)
    if config is None and not client_secret:
        raise SSORefused(N_("Enter the client secret the provider gave you."))
    if config is None or config.issuer != issuer:
        discover(issuer)
    if config is None:
        config = CompanySSO(company_id=company.id)
        db.session.add(config)
    config.issuer, config.client_id = issuer, client_id
    if client_secret:
        config.client_secret_encrypted = encrypt(client_secret.strip())
    config.enabled = enabled
    config.updated_at = utcnow()
    wanted = set(required_products)
    for product in private_products(company):
        product.sso_required = product.id in wanted
    db.session.flush()
    return config


def disconnect(company: Company) -> None:
    db.session.execute(sa.delete(CompanySSO).where(CompanySSO.company_id == company.id))


def config_of(company: Company) -> CompanySSO | None:
    return db.session.get(CompanySSO, company.id)


def companies_with_sso() -> list[Company]:
    return list(db.session.scalars(sa.select(Company).join(CompanySSO, CompanySSO.company_id == Company.id)
                                   .where(CompanySSO.enabled.is_(True)).order_by(Company.name)))


# --- Signing in -------------------------------------------------------------------------------------------

def client_for(config: CompanySSO) -> FlaskOAuth2App:
    """Authlib's client for the company's provider: discovery, PKCE (S256), state and nonce. Built for each
    sign-in from the stored settings, so a changed setting is used at once."""
    metadata = discover(config.issuer)
    name = f"company-{config.company_id}"
    client = FlaskOAuth2App(
        FlaskIntegration(name), name, client_id=config.client_id,
        client_secret=decrypt(config.client_secret_encrypted),
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                       # a method's name (RFC 8414), not a password
                       "token_endpoint_auth_method": "client_secret_post",  # nosec B105
                       "default_timeout": TIMEOUT},
        **metadata)  # the discovered server metadata (its issuer checked above): endpoints, keys' URL, algorithms
    return client


# What went wrong at the callback, in words a person can act on. Authlib's and joserfc's errors name the check.
_CALLBACK_PROBLEMS = {
    "mismatching_state": N_("This sign-in did not start in this browser, or it started too long ago (the state "
                            "does not match). Start again from the sign-in page."),
    "expired_token": N_("The identity provider's ID token has expired. Check the provider's clock, then start "
                        "again."),
    "bad_signature": N_("The identity provider's ID token does not carry a valid signature: it was refused."),
    "invalid_claim": N_("The identity provider's ID token is not for this site or not from the configured issuer: "
                        "it was refused."),
    "missing_claim": N_("The identity provider's ID token lacks a required claim: it was refused."),
    "access_denied": N_("The identity provider refused the sign-in."),
    "other": N_("Signing in through the identity provider failed (%(reason)s). Start again, or ask an owner of the "
                "company to check the single sign-on settings."),
}


def refusal(kind: str, **values) -> SSORefused:
    return SSORefused(_CALLBACK_PROBLEMS[kind], **values)


def callback_refusal(error: Exception) -> SSORefused:
    """The SSORefused that explains ``error`` (raised by Authlib, joserfc or requests at the callback)."""
    name = getattr(error, "error", None) or type(error).__name__
    if name in ("mismatching_state", "MismatchingStateError"):
        return SSORefused(_CALLBACK_PROBLEMS["mismatching_state"])
    if name in ("expired_token", "ExpiredTokenError"):
        return SSORefused(_CALLBACK_PROBLEMS["expired_token"])
    if name in ("bad_signature", "BadSignatureError", "DecodeError", "InvalidKeyIdError"):
        return SSORefused(_CALLBACK_PROBLEMS["bad_signature"])
    if name in ("invalid_claim", "InvalidClaimError"):
        return SSORefused(_CALLBACK_PROBLEMS["invalid_claim"])
    if name in ("missing_claim", "MissingClaimError"):
        return SSORefused(_CALLBACK_PROBLEMS["missing_claim"])
    if name == "access_denied":
        return SSORefused(_CALLBACK_PROBLEMS["access_denied"])
    return SSORefused(_CALLBACK_PROBLEMS["other"], reason=str(name)[:80])


CALLBACK_ERRORS: tuple[type[Exception], ...] = (AuthlibBaseError, requests.RequestException, ValueError, KeyError,
                                                TypeError)
try:  # joserfc raises its own errors for the ID token (Authlib 1.6+)
    from joserfc.errors import JoseError as _JoseError

    CALLBACK_ERRORS += (_JoseError,)
except ImportError:  # pragma: no cover
    pass


def account_for(company: Company, claims: dict, signed_in: User | None) -> User:
    """The account of the person the provider vouches for (see the module's docstring); flushes only."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SSORefused(_CALLBACK_PROBLEMS["missing_claim"])
    email = services.normalise_email(str(claims.get("email") or ""))
    email_verified = claims.get("email_verified") is True
    identity = db.session.scalar(sa.select(SSOIdentity).where(SSOIdentity.company_id == company.id,
                                                              SSOIdentity.subject == subject))
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        assert user is not None  # nosec B101 - the identity goes with the account (ON DELETE CASCADE)
        if signed_in is not None and signed_in.id != user.id:
            raise SSORefused(N_("That identity signs in to another account here. Log out first."))
    elif signed_in is not None:
        if not (email_verified and email == signed_in.email):
            raise SSORefused(N_("The provider vouches for %(email)s, but you are signed in as another address. Log "
                                "out, then sign in through the provider."), email=email or "?")
        user = signed_in
    else:
        existing = services.find_by_email(email) if email else None
        if existing is not None:
            member = db.session.scalar(sa.select(Membership.id).where(Membership.company_id == company.id,
                                                                      Membership.user_id == existing.id))
            if not (email_verified and member is not None):
                raise SSORefused(N_("An account with %(email)s exists already. Log in to it (with its password or a "
                                    "link by e-mail), then sign in through %(company)s's provider once to connect "
                                    "them."), email=email, company=company.name)
            user = existing
        else:
            if not email:
                raise SSORefused(N_("The provider did not give an e-mail address; an account needs one."))
            name = str(claims.get("name") or claims.get("preferred_username") or email.split("@")[0])[:80]
            user = services.create_user(name=name, email=email, password=secrets.token_urlsafe(32),
                                        verified=email_verified)
            if not email_verified:
                accounts.resend_verification(user)
    if identity is None:
        identity = SSOIdentity(company_id=company.id, user_id=user.id, subject=subject[:255])
        db.session.add(identity)
    if email_verified and email == user.email:
        accounts.mark_verified(user)
    identity.last_login_at = utcnow()
    db.session.flush()
    return user


# --- Customers who must come through the provider -----------------------------------------------------------

def private_products(company: Company) -> list[Product]:
    """The company's private products, by name: those the owner may ask to come through the provider."""
    return list(db.session.scalars(sa.select(Product).where(Product.company_id == company.id,
                                                            Product.visibility == Visibility.PRIVATE)
                                   .order_by(Product.name, Product.id)))


def sso_required_for(product: Product, user: User, session_company_id: int | None) -> bool:
    """Whether this signed-in user must sign in through the company's provider to see this private product: the
    owner asked it for this product, the provider is on, and they are a customer (the team is never asked)."""
    if not product.sso_required or product.visibility != Visibility.PRIVATE or session_company_id == product.company_id:
        return False
    required = db.session.scalar(sa.select(CompanySSO.company_id).where(
        CompanySSO.company_id == product.company_id, CompanySSO.enabled.is_(True)))
    if required is None:
        return False
    member = db.session.scalar(sa.select(Membership.id).where(Membership.company_id == product.company_id,
                                                              Membership.user_id == user.id))
    return member is None
