"""Voices from elsewhere: the team records an idea or a vote for a customer it heard at a call or a fair.

The customer is an existing account (found by address) or a new one the team names (name and address): that
account is made without a password and unconfirmed, and a welcome mail invites them to choose one (a 14-day
``welcome`` link, auth/links.py). The idea is theirs, with their vote; a recorded vote is theirs too. Both carry
who recorded them and where they were heard (``recorded_by_id``, ``heard_at``), and every page that shows them
says so. Like every vote, a recorded one counts only once the account's address is confirmed (the welcome link
confirms it), so recording cannot inflate a count with made-up people. A voice is never a rating: ratings are
given by customers themselves, on the rating form or the widget.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from cocreate.auth import links
from cocreate.auth.models import User
from cocreate.auth.services import create_user, find_by_email, normalise_email
from cocreate.extensions import db
from cocreate.i18n import _
from cocreate.ideas import services
from cocreate.ideas.models import CLOSED, Idea, Vote
from cocreate.products.models import Product
from cocreate.refusal import N_, Refused


class VoiceRefused(Refused):
    """A voice that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class Heard:
    """What the welcome mail tells the customer (notifications/subscribers.py)."""

    member: str
    company: str
    product: str
    heard_at: str
    title: str
    own_idea: bool  # the idea is theirs (else: their vote for it)

    def what(self) -> str:
        """In the language of the mail (called inside ``in_language_of`` the customer)."""
        if self.own_idea:
            return _("your idea “%(title)s”", title=self.title)
        return _("your vote for “%(title)s”", title=self.title)


def customer_for(product: Product, *, email: str, name: str) -> tuple[User, bool]:
    """The customer with this address, or a new account for them (unconfirmed, no password): (user, made)."""
    address = normalise_email(email)
    user = find_by_email(address)
    if user is not None:
        if services.is_team(user, product):
            raise VoiceRefused(N_("That address belongs to your own team: record customers' voices only."))
        return user, False
    if not name.strip():
        raise VoiceRefused(N_("Nobody has an account with that address yet: give their name too, and they get a "
                              "welcome mail."))
    user = create_user(name=name.strip(), email=address, password=secrets.token_urlsafe(32), verified=False)
    return user, True


def _heard(heard_at: str) -> str:
    text = " ".join(heard_at.split())
    if not text:
        raise VoiceRefused(N_("Say where you heard it (a call, a fair, a visit …)."))
    return text[:120]


def record_idea(product: Product, member: User, *, email: str, name: str, heard_at: str, title: str,
                description: str = "") -> Idea:
    """A customer's idea, with their vote, recorded by a team member; a new account gets its welcome mail."""
    where = _heard(heard_at)
    customer, made = customer_for(product, email=email, name=name)
    idea = services.create_idea(product, customer, title=title, description=description)
    idea.recorded_by_id, idea.heard_at = member.id, where
    db.session.execute(sa.update(Vote).where(Vote.idea_id == idea.id, Vote.user_id == customer.id)
                       .values(recorded_by_id=member.id, heard_at=where))
    db.session.flush()
    if made:
        links.issue(customer, "welcome")
    return idea


def record_vote(idea: Idea, member: User, *, email: str, name: str, heard_at: str) -> User:
    """A customer's vote for the idea, recorded by a team member; refused when they voted already."""
    where = _heard(heard_at)
    if idea.status in CLOSED:
        raise VoiceRefused(N_("This idea takes no more votes."))
    customer, made = customer_for(idea.product, email=email, name=name)
    if db.session.scalar(sa.select(Vote.id).where(Vote.idea_id == idea.id, Vote.user_id == customer.id)):
        raise VoiceRefused(N_("%(name)s has voted for this idea already."), name=customer.name)
    services.set_vote(idea, customer, True)
    db.session.execute(sa.update(Vote).where(Vote.idea_id == idea.id, Vote.user_id == customer.id)
                       .values(recorded_by_id=member.id, heard_at=where))
    db.session.flush()
    if made:
        links.issue(customer, "welcome")
    return customer


def recorded_votes(idea: Idea, limit: int = 50) -> list[tuple[str, str, str | None]]:
    """The votes the team recorded for this idea: (customer, team member, where heard), newest first."""
    member = sa.orm.aliased(User)
    return [(customer, by, where) for customer, by, where in db.session.execute(
        sa.select(User.name, member.name, Vote.heard_at).join(User, User.id == Vote.user_id)
        .join(member, member.id == Vote.recorded_by_id)
        .where(Vote.idea_id == idea.id, Vote.recorded_by_id.is_not(None))
        .order_by(Vote.created_at.desc(), Vote.id.desc()).limit(limit))]


def recent(product: Product, limit: int = 20) -> list[tuple[str, Idea, str, str, str | None]]:
    """The voices recorded for the product lately: (kind, idea, customer, team member, where heard)."""
    member, customer = sa.orm.aliased(User), sa.orm.aliased(User)
    found = []
    for idea, who, by, where, at in db.session.execute(
            sa.select(Idea, customer.name, member.name, Idea.heard_at, Idea.created_at)
            .join(customer, customer.id == Idea.author_id).join(member, member.id == Idea.recorded_by_id)
            .where(Idea.product_id == product.id).order_by(Idea.created_at.desc()).limit(limit)):
        found.append(("idea", idea, who, by, where, at))
    for idea, who, by, where, at in db.session.execute(
            sa.select(Idea, customer.name, member.name, Vote.heard_at, Vote.created_at)
            .join(Vote, Vote.idea_id == Idea.id).join(customer, customer.id == Vote.user_id)
            .join(member, member.id == Vote.recorded_by_id)
            .where(Idea.product_id == product.id, Vote.recorded_by_id.is_not(None),
                   sa.or_(Idea.recorded_by_id.is_(None), Vote.user_id != Idea.author_id))
            .order_by(Vote.created_at.desc()).limit(limit)):
        found.append(("vote", idea, who, by, where, at))
    found.sort(key=lambda v: v[5], reverse=True)
    return [v[:5] for v in found[:limit]]


def heard_from(user: User) -> Heard:
    """The newest voice recorded for this customer, for their welcome mail."""
    member = sa.orm.aliased(User)
    row = db.session.execute(
        sa.select(Idea, member.name, Vote.heard_at, sa.case((Idea.author_id == user.id, Idea.recorded_by_id),
                                                             else_=None).label("own"))
        .join(Vote, Vote.idea_id == Idea.id).join(member, member.id == Vote.recorded_by_id)
        .where(Vote.user_id == user.id, Vote.recorded_by_id.is_not(None))
        .order_by(Vote.created_at.desc(), Vote.id.desc()).limit(1)).first()
    if row is None:
        return Heard("", "", "", "", "", False)
    idea, by, where, own = row
    return Heard(by, idea.product.company.name, idea.product.name, where or "", idea.title, own is not None)
