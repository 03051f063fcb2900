"""What happened: the named domain events, and work deferred until the transaction commits.

A feature announces what it did by sending one of the signals below from its service, after its own rows are
written (flushed) and before the request or command commits. The features that care connect a receiver in
their own package (``subscribers.py``, connected from the feature's ``init_app``); the sender never imports
them. Receivers run synchronously, inside the same transaction: what they write commits or rolls back with the
change that caused it.

Nothing that leaves the process (a mail, a webhook, a job for the worker, a cache write) may happen inside
that transaction: a receiver registers it with ``after_commit(fn)``, and ``fn`` runs only once the database
committed. A rollback drops it, so a failed request sends, queues and caches nothing.

Every signal is sent with the object it is about as the sender, and keyword arguments as documented below;
receivers take ``(sender, **extra)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from blinker import Namespace
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_events = Namespace()

# --- Ideas (sender: the Idea) ---------------------------------------------------------------------------
idea_created = _events.signal("idea-created", doc="A customer submitted an idea (its author's vote included).")
idea_status_changed = _events.signal("idea-status-changed", doc="change: StatusChange, actor: User.")
idea_shipped = _events.signal("idea-shipped", doc="change: StatusChange, version: Version, actor: User.")
idea_merged = _events.signal("idea-merged", doc="Sender: the duplicate. into: Idea, actor: User.")
idea_unmerged = _events.signal("idea-unmerged", doc="Sender: the duplicate. into: Idea | None, actor: User.")
vote_cast = _events.signal("vote-cast", doc="user: User. Only when a vote row was really added.")
vote_withdrawn = _events.signal("vote-withdrawn", doc="user: User. Only when a vote row was really removed.")
comment_posted = _events.signal("comment-posted", doc="Sender: the Comment.")
official_response_changed = _events.signal(
    "official-response-changed", doc="Sender: the Idea. comment: Comment, actor: User, marked: bool.")

# --- Products (sender: the Version) ---------------------------------------------------------------------
version_saved = _events.signal("version-saved", doc="A version was added or edited (its date may have moved).")
version_released = _events.signal(
    "version-released", doc="A version's release day came: once per version (at creation, on an edit that moves "
                            "the date back, or from the daily release task).")

# --- Maturity -------------------------------------------------------------------------------------------
rating_saved = _events.signal("rating-saved", doc="Sender: the Rating. product: Product.")
self_assessment_saved = _events.signal("self-assessment-saved", doc="Sender: the Version. product: Product.")
stage_changed = _events.signal("stage-changed", doc="Sender: the StageChange row, already flushed.")

# --- Misses (sender: the Miss) --------------------------------------------------------------------------
miss_opened = _events.signal(
    "miss-opened", doc="A counted rating scored a touchpoint 1-2, or two points below what was expected. "
                       "product: Product.")
miss_answered = _events.signal("miss-answered", doc="reply: MissReply (to the customer), actor: User.")
miss_closed = _events.signal(
    "miss-closed", doc="Closed as fixed in miss.fixed_version. product: Product, actor: User.")
miss_recovered = _events.signal(
    "miss-recovered", doc="The customer's score of the touchpoint on the fixing version reached what they "
                          "expected. product: Product.")

# --- Ambassadors ----------------------------------------------------------------------------------------
ambassador_invited = _events.signal(
    "ambassador-invited", doc="Sender: the Candidate. company: Company, url: where the customer answers.")
ambassador_answered = _events.signal(
    "ambassador-answered", doc="Sender: the Candidate. company: Company, accepted: bool, inviters: list[User] (who "
    "to tell), url: the shortlist.")

# --- Accounts and companies -----------------------------------------------------------------------------
user_signed_up = _events.signal("user-signed-up", doc="Sender: the User. address: the client's IP or None.")
signup_requested = _events.signal(
    "signup-requested", doc="Sender: the SignupRequest (an address without an account). token: the secret of the "
                            "link that finishes the sign-up; it must reach the address, and only the address.")
signup_repeated = _events.signal(
    "signup-repeated", doc="Sender: the User whose address someone tried to sign up with. The page answered as for "
                           "a new address; only the owner of the address may learn that it has an account.")
password_changed = _events.signal(
    "password-changed", doc="Sender: the User, whose new password is set and whose other sessions are ended. "
                            "Whatever else stands in for the old password (API tokens) is revoked.")
login_locked = _events.signal(
    "login-locked", doc="Sender: the User whose account a failed log-in just locked (too many wrong passwords). "
                        "token: the signed link's secret that unlocks it at once; until: when the lock ends. The "
                        "owner is told; the page said the same to whoever tried, right password or not.")
email_changed = _events.signal(
    "email-changed", doc="Sender: the User, now at the new address and not verified. old_email: the address before; "
                         "was_verified: whether the account was verified until now (its votes and ratings counted). "
                         "They stop counting until the new address is confirmed; the old address is told.")
email_verified = _events.signal(
    "email-verified", doc="Sender: the User whose current address was just confirmed. Their votes and ratings, held "
                          "until now, count from this moment (only verified accounts count).")
account_link_requested = _events.signal(
    "account-link-requested", doc="Sender: the AccountLink (purpose verify, reset or login). token: the secret of the "
                                  "link; it must reach the link's address, and only that address.")
account_link_unknown = _events.signal(
    "account-link-unknown", doc="Sender: the address (str) someone asked a reset or sign-in link for; it has no "
                                "account. purpose: reset or login; locale: the page's language. The page answered "
                                "as for an account.")
member_joined = _events.signal("member-joined", doc="Sender: the Membership.")
member_invited = _events.signal(
    "member-invited", doc="Sender: the Invitation (to join a company). user: the account with the invited address, "
                          "or None. Nobody joins without accepting.")
customer_invited = _events.signal(
    "customer-invited", doc="Sender: the ProductInvitation (to see a private product). user: the account with the "
                            "invited address, or None.")
account_erasing = _events.signal(
    "account-erasing", doc="Sender: the User, about to be deleted. Each feature removes or adjusts its own rows "
                           "(and brings its stored counters in step); the database's ON DELETE rules do the rest.")


# --- After commit ---------------------------------------------------------------------------------------

_KEY = "cocreate.after_commit"


def after_commit(fn: Callable[[], object], session: Session | None = None) -> None:
    """Run ``fn()`` once the current transaction commits; never if it rolls back.

    Outside a transaction, too: the work waits for the next commit of the session. Exceptions raised by ``fn``
    are logged, not raised: the commit has happened, and a mail or job that cannot be handed over now is picked
    up by the worker's sweep (the outbox rows are committed).
    """
    if session is None:
        from cocreate.extensions import db

        session = db.session()
    session.info.setdefault(_KEY, []).append(fn)


def pending(session: Session) -> list[Callable[[], object]]:
    return list(session.info.get(_KEY, ()))


def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for fn in callbacks:
        try:
            fn()
        except Exception:  # the transaction is committed; the sweep will redo what could not be handed over
            log.exception("after-commit work %r failed", fn)


def _drop_on_outer_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: everything it would have sent goes
        session.info.pop(_KEY, None)


sa.event.listen(Session, "after_commit", _run_after_commit)
sa.event.listen(Session, "after_soft_rollback", _drop_on_outer_rollback)
