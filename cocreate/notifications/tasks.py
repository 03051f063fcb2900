"""This feature's background work: send each queued mail, find lost ones, bundle digests, purge old mail."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab

from cocreate import tasks
from cocreate.extensions import db, utcnow
from cocreate.notifications import mail
from cocreate.notifications.digests import queue_team_digests

KEEP_DAYS = 90


@tasks.outgoing
def send_mail(mail_id: int) -> str:
    """Send one queued mail; a failure is retried by Huey with the retry policy, then marked failed."""
    outcome = mail.deliver(mail_id)
    if outcome == "retry":
        raise tasks.Retry(f"mail {mail_id} not sent yet")
    return outcome


@tasks.periodic(tasks.every_minute)
def sweep_mail() -> int:
    """Queued mail whose task was lost (a killed worker, the broker down when it was queued) is queued again."""
    ids = mail.lost()
    for mail_id in ids:
        send_mail(mail_id)
    return len(ids)


@tasks.periodic(crontab(minute="5", hour="6"))
def send_digests() -> int:
    """Daily at 06:05 UTC: each digest reader's waiting mail, bundled into one mail."""
    count = mail.bundle_digests()
    db.session.commit()
    return count


@tasks.periodic(crontab(minute="15", hour="6-23"))
def team_digests() -> int:
    """Daily from 06:15 UTC (hourly after that, should a run be missed), and the weekly one on Mondays: the team
    digest for owners and product owners, once per day whatever the number of schedulers."""
    today = utcnow().date()
    count = 0
    if tasks.once("team_digest_daily", today.isoformat()):
        count += queue_team_digests("daily")
    if today.weekday() == 0 and tasks.once("team_digest_weekly", today.isoformat()):
        count += queue_team_digests("weekly")
    db.session.commit()
    return count


@tasks.periodic(crontab(minute="30", hour="3"))
def purge_mail() -> int:
    """Daily at 03:30 UTC: finished mail (sent, bundled, failed) older than 90 days; queued mail never."""
    count = mail.purge(utcnow() - timedelta(days=KEEP_DAYS))
    db.session.commit()
    return count
