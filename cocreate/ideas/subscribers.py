"""What ideas do when something happens elsewhere: an erased account's votes leave the counters; an account's
votes leave them when it changes its address, and come back when it confirms it (only verified accounts count)."""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db
from cocreate.ideas.models import Idea, Vote
from cocreate.ideas.services import _bump, hot_score


def connect() -> None:
    events.account_erasing.connect(on_account_erasing)
    events.email_changed.connect(on_email_changed)
    events.email_verified.connect(on_email_verified)


def _move_votes(user: User, delta: int) -> None:
    """Each idea the user voted for counts their vote (+1) or not (-1); its trending score moves with it."""
    voted = db.session.scalars(sa.select(Idea).join(Vote, Vote.idea_id == Idea.id).where(Vote.user_id == user.id)
                               .order_by(Idea.id)).all()
    for idea in voted:
        _bump(idea, votes=delta)


def on_email_changed(user: User, *, was_verified: bool, **_extra) -> None:
    if was_verified:
        _move_votes(user, -1)


def on_email_verified(user: User, **_extra) -> None:
    _move_votes(user, +1)


def on_account_erasing(user: User, **_extra) -> None:
    """Their votes go, and each idea's stored counter and trending score move as if each vote were withdrawn.
    Their ideas and comments stay, by "deleted user" (the database sets the author to NULL)."""
    voted = db.session.scalars(sa.select(Vote.idea_id).where(Vote.user_id == user.id)).all()
    if not voted:
        return
    db.session.execute(sa.delete(Vote).where(Vote.user_id == user.id))
    if not user.is_verified:  # their votes were held, never counted
        return
    for idea in db.session.scalars(sa.select(Idea).where(Idea.id.in_(voted))):
        idea.vote_count = max(0, idea.vote_count - voted.count(idea.id))
        idea.hot = hot_score(idea.vote_count, idea.comment_count, idea.created_at)
    db.session.flush()
