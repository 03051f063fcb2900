"""This feature's background work: POST each delivery, find lost ones, purge old ones."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab

from cocreate import tasks
from cocreate.extensions import db, utcnow
from cocreate.webhooks import services

KEEP_DAYS = 90


@tasks.outgoing
def deliver_webhook(delivery_id: int) -> str:
    """POST one delivery; a failure is retried by Huey with the retry policy, then marked failed."""
    outcome = services.deliver(delivery_id)
    if outcome == "retry":
        raise tasks.Retry(f"webhook delivery {delivery_id} not accepted yet")
    return outcome


@tasks.periodic(tasks.every_minute)
def sweep_webhooks() -> int:
    """Pending deliveries whose task was lost (a killed worker, the broker down) are queued again."""
    ids = services.lost()
    for delivery_id in ids:
        deliver_webhook(delivery_id)
    return len(ids)


@tasks.periodic(crontab(minute="35", hour="3"))
def purge_deliveries() -> int:
    """Daily at 03:35 UTC: delivered and failed deliveries older than 90 days; pending ones never."""
    count = services.purge(utcnow() - timedelta(days=KEEP_DAYS))
    db.session.commit()
    return count
