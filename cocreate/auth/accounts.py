"""A confirmed address, a forgotten password, signing in by a mailed link. No Flask request here.

Only verified accounts count toward raters, votes and ambassador scores. A sign-up is verified by construction
(the account is made by the link mailed to the address); a change of address makes the account unverified until
the link mailed to the new address is followed: meanwhile the user may browse and follow, and their votes and
ratings are stored but held (``email_changed`` takes what counted out of the stored figures; ``email_verified``
puts everything back in at the moment the address is confirmed). See docs/accounts.md.
"""

from __future__ import annotations

from cocreate import events
from cocreate.auth import links, services
from cocreate.auth.models import AccountLink, User
from cocreate.extensions import utcnow
from cocreate.refusal import N_, Refused


class AccountRefused(Refused):
    """A change to an account that the rules do not allow."""


# --- The address ------------------------------------------------------------------------------------------

def change_email(user: User, new_email: str, password: str) -> str:
    """The account moves to ``new_email`` at once, unverified; a link goes to the new address and the old one is
    told (``email_changed``). Needs the current password: a session left open is not enough to move the account.
    Returns the link's token."""
    if services.authenticate(user.email, password) is None:
        raise AccountRefused(N_("That is not your current password."))
    email = services.normalise_email(new_email)
    if email == user.email:
        raise AccountRefused(N_("That is your address already."))
    other = services.find_by_email(email)
    if other is not None:
        raise AccountRefused(N_("Another account uses that address."))
    old, was_verified = user.email, user.is_verified
    user.email = email
    user.email_verified_at = None
    links.drop(user, "verify", "reset", "login")  # links mailed to the old address stop working
    events.email_changed.send(user, old_email=old, was_verified=was_verified)
    _link, token = links.issue(user, "verify")
    return token


def mark_verified(user: User) -> bool:
    """The current address is the user's: from now on their votes and ratings count. False if it was already."""
    if user.is_verified:
        return False
    user.email_verified_at = utcnow()
    events.email_verified.send(user)
    return True


def confirm_email(token: str, signed_in: User | None) -> User:
    """The verify link was followed (and its button pressed)."""
    link, user = links.find(token, "verify", signed_in)
    links.use(link)
    mark_verified(user)
    return user


def resend_verification(user: User) -> str:
    if user.is_verified:
        raise AccountRefused(N_("Your address is confirmed already."))
    _link, token = links.issue(user, "verify")
    return token


# --- Reset and sign-in links: the same answer, and the same work, for every address ------------------------

def request_link(email: str, purpose: str, locale: str | None = None) -> None:
    """Someone asks for a reset (``reset``) or sign-in (``login``) link for an address. With an account, a link
    is mailed (``account_link_requested``); without, the address is told it has no account
    (``account_link_unknown``): either way one mail is queued, so the page's answer and the time it takes say
    nothing about the address."""
    assert purpose in ("reset", "login")  # nosec B101 - the routes pass constants
    user = services.find_by_email(email)
    if user is None:
        events.account_link_unknown.send(services.normalise_email(email), purpose=purpose, locale=locale)
        return
    links.issue(user, purpose)


def check_link(token: str, purpose: str | tuple[str, ...], signed_in: User | None) -> tuple[AccountLink, User]:
    return links.find(token, purpose, signed_in)


# The links that open the choose-a-password page: a reset asked for, and a welcome to an account the team made.
SET_PASSWORD = ("reset", "welcome")


def reset_password(token: str, new_password: str, signed_in: User | None) -> User:
    """The reset link's form was sent: the new password is set, every session of the user ends (the caller
    signs nobody in: the user logs in with the new password), other reset and sign-in links stop working, and
    (``password_changed``) the API tokens are revoked. The mail proved the address: an unverified one is confirmed."""
    link, user = links.find(token, SET_PASSWORD, signed_in)
    links.use(link)
    services.change_password(user, new_password)
    links.drop(user, "reset", "login", "welcome")
    mark_verified(user)
    return user


def sign_in_by_link(token: str, signed_in: User | None) -> User:
    """The sign-in link's button was pressed: the caller logs the user in. The mail proved the address."""
    link, user = links.find(token, "login", signed_in)
    links.use(link)
    mark_verified(user)
    return user
