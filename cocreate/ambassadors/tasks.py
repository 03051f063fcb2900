"""This feature's background work: the contribution scores of every company, kept fresh."""

from __future__ import annotations

from huey import crontab

from cocreate import tasks
from cocreate.ambassadors.scores import refresh_all
from cocreate.extensions import db


@tasks.periodic(crontab(minute="*/15"))
def refresh_contribution_scores() -> int:
    """Every 15 minutes: recompute every company's contribution scores (the leaderboard reads them)."""
    count = refresh_all()
    db.session.commit()
    return count
