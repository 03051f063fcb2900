"""What ideas do when something happens elsewhere: an erased account's votes leave the counters."""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db
from cocreate.ideas.models import Idea, Vote
from cocreate.ideas.services import hot_score


def connect() -> None:
    events.account_erasing.connect(on_account_erasing)


def on_account_erasing(user: User, **_extra) -> None:
    """Their votes go, and each idea's stored counter and trending score move as if each vote were withdrawn.
    Their ideas and comments stay, by "deleted user" (the database sets the author to NULL)."""
    voted = db.session.scalars(sa.select(Vote.idea_id).where(Vote.user_id == user.id)).all()
    if not voted:
        return
    db.session.execute(sa.delete(Vote).where(Vote.user_id == user.id))
    for idea in db.session.scalars(sa.select(Idea).where(Idea.id.in_(voted))):
        idea.vote_count = max(0, idea.vote_count - voted.count(idea.id))
        idea.hot = hot_score(idea.vote_count, idea.comment_count, idea.created_at)
    db.session.flush()
