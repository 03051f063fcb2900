"""This feature's background work: versions whose release day has come are announced as released."""

from __future__ import annotations

from huey import crontab

from cocreate import tasks
from cocreate.extensions import db
from cocreate.products.services import release_due_versions


@tasks.periodic(crontab(minute="1"))
def release_versions() -> int:
    """Hourly: announce ``version_released`` for versions dated today or earlier (followers of the ideas they
    ship are told, the version.released webhook goes out). Once per version, so an hour missed is caught up."""
    count = release_due_versions()
    db.session.commit()
    return count
