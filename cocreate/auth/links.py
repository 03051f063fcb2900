"""Single-use links mailed to an address: confirm it (``verify``, 24 hours), set a new password (``reset``, 1 hour),
sign in without a password (``login``, 1 hour). No Flask request here.

A link's token is 32 random bytes (URL-safe); only its SHA-256 is stored, so a copy of the database opens no
account. A token is bound to its purpose, its account and the address it was mailed to: a token that is not
found (mistyped, tampered with, or of another purpose) is ``invalid``; past ``expires_at`` it is ``expired``;
once it worked it is ``used`` (one conditional UPDATE, so two clicks at the same moment cannot both work); a
verify link to an address the account no longer has is ``moved``; a link opened while another account is signed
in is ``other-account`` (it never signs anyone in as someone else). Each refusal has its own clear sentence and
the page offers a new link (cocreate/auth/link_routes.py).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import AccountLink, User
from cocreate.extensions import db, utcnow
from cocreate.refusal import N_, Refused

# "welcome": an account the team made for a customer it heard at a call or a fair (ideas/voices.py): the mail
# invites them to choose a password, which confirms the address. It waits longer than a reset link: nobody asked.
LIFETIMES = {"verify": timedelta(hours=24), "reset": timedelta(hours=1), "login": timedelta(hours=1),
             "welcome": timedelta(days=14)}


class LinkRefused(Refused):
    """The link cannot be used; ``kind`` says why (invalid, expired, used, moved, other-account)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


_PROBLEMS = {
    "invalid": N_("This link is not valid. It may be incomplete (copy the whole link from the mail) or have been "
                  "changed."),
    "expired": N_("This link has expired."),
    "used": N_("This link has been used already; each link works once."),
    "moved": N_("This link was sent to an address your account no longer has."),
    "other-account": N_("This link is for another account than the one signed in here. Log out first, then open "
                        "the link again."),
}


def refused(kind: str) -> LinkRefused:
    return LinkRefused(kind, _PROBLEMS[kind])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: str) -> tuple[AccountLink, str]:
    """A new link for the user's current address; announced (``account_link_requested``) so that notifications
    mails it. Earlier unused links of the same purpose stop working: only the newest mail counts. Expired links
    of every account go."""
    now = utcnow()
    db.session.execute(sa.delete(AccountLink).where(AccountLink.expires_at <= now - timedelta(days=1)))
    db.session.execute(sa.delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == purpose,
                                                    AccountLink.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    link = AccountLink(purpose=purpose, user_id=user.id, email=user.email, token_hash=hash_token(token),
                       created_at=now, expires_at=now + LIFETIMES[purpose])
    db.session.add(link)
    db.session.flush()
    events.account_link_requested.send(link, token=token)
    return link, token


def find(token: str, purpose: str | tuple[str, ...], signed_in: User | None = None) -> tuple[AccountLink, User]:
    """The link and its account, if the token may be used now; else LinkRefused with the reason. ``purpose``: one,
    or several that lead to the same page (a welcome link sets a password as a reset link does)."""
    purposes = (purpose,) if isinstance(purpose, str) else purpose
    if not token or len(token) > 100:
        raise refused("invalid")
    link = db.session.scalar(sa.select(AccountLink).where(AccountLink.token_hash == hash_token(token),
                                                          AccountLink.purpose.in_(purposes)))
    if link is None:
        raise refused("invalid")
    user = db.session.get(User, link.user_id)
    if user is None:  # pragma: no cover - the row goes with the account (ON DELETE CASCADE)
        raise refused("invalid")
    if signed_in is not None and signed_in.id != user.id:
        raise refused("other-account")
    if link.used_at is not None:
        raise refused("used")
    if link.expires_at <= utcnow():
        raise refused("expired")
    if link.email != user.email:
        raise refused("moved")
    return link, user


def use(link: AccountLink) -> None:
    """Mark the link used; refused as ``used`` when another request used it a moment before."""
    taken = db.session.execute(
        sa.update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=utcnow()).returning(AccountLink.id).execution_options(synchronize_session=False)).first()
    if taken is None:
        raise refused("used")


def drop(user: User, *purposes: str) -> None:
    """Unused links of these purposes stop working (a password was set: older reset links must not)."""
    db.session.execute(sa.delete(AccountLink).where(AccountLink.user_id == user.id,
                                                    AccountLink.purpose.in_(purposes),
                                                    AccountLink.used_at.is_(None)))
