"""Background work: one Huey instance, the retry policy, the worker command and the schedule.

Why Huey (see docs/scaling.md): it runs on Redis in production and on a local SQLite file with no other service
for ``make run``, its scheduler declares the periodic work in code next to the tasks, and its retries take a
delay and a back-off factor, so the one retry policy below is Huey's, not ours.

The database stays the record of what must happen (the transactional outbox: ``mail_queue``,
``webhook_deliveries``): a row is written in the transaction that caused it, and the task that sends it is
enqueued only after that transaction commits (``enqueue_after_commit``). The broker only wakes the worker; a
task that is lost (a worker killed mid-task, Redis down when it was enqueued) is found again by the outbox
sweep, which each feature schedules every minute. Every task claims its row before it acts (``claim``), so two
workers never send one mail or webhook twice.

Features declare their tasks in their own ``tasks.py`` with ``@task(...)`` and ``@periodic(...)`` from here; the
feature's ``init_app`` imports that module so the worker and the web process know the same tasks.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy.orm import Mapped, mapped_column

from cocreate import events
from cocreate.database import insert
from cocreate.extensions import Model, UTCDateTime, db, utcnow

log = logging.getLogger(__name__)

# The one retry policy of outgoing work (mail and webhooks): 8 attempts, the n-th retry 2^(n-1) minutes after
# the failure before it: 1, 2, 4 … 64 minutes, about two hours in all; then the row is marked failed.
# The environment can shorten the times (the fault tests run real workers in seconds, not hours).
ATTEMPTS = 8
RETRY_DELAY = float(os.environ.get("TASKS_RETRY_DELAY", 60))  # seconds before the first retry
RETRY_BACKOFF = 2  # each further retry waits this many times longer
# How long a claimed row is kept from others: longer than any single attempt (SMTP and HTTP time out in 10 s).
LEASE = timedelta(seconds=float(os.environ.get("TASKS_LEASE", 120)))
# The sweep leaves a row this long past its due time to the retry Huey has scheduled, then enqueues it again.
SWEEP_GRACE = timedelta(seconds=float(os.environ.get("TASKS_SWEEP_GRACE", 60)))

huey = Huey("cocreate", storage_class=MemoryStorage, results=False, utc=True)
_app: Flask | None = None


def retry_delay(attempts: int) -> timedelta:
    """When Huey runs the next try after the ``attempts``-th failed one (shown in the delivery log)."""
    return timedelta(seconds=RETRY_DELAY * RETRY_BACKOFF ** max(0, attempts - 1))


def outgoing(fn: Callable) -> TaskWrapper:
    """A task that sends one outbox row: retried by Huey with the policy above while it raises ``Retry``."""
    return task(retries=ATTEMPTS - 1, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)(fn)


class Retry(Exception):  # noqa: N818 - it is the instruction, not a failure of the task
    """Raised by an outgoing task whose attempt failed and may succeed later: Huey schedules the next try."""


def task(**options) -> Callable[[Callable], TaskWrapper]:
    """A Huey task that runs inside an app context (the worker's app, or the caller's in tests)."""

    def decorate(fn: Callable) -> TaskWrapper:
        return huey.task(**options)(_in_app_context(fn))  # Huey names it <module>.<function>

    return decorate


def periodic(schedule: Callable[[datetime], bool], **options) -> Callable[[Callable], TaskWrapper]:
    """A task the worker's scheduler runs on ``schedule`` (a ``crontab``); safe to run twice at once."""

    def decorate(fn: Callable) -> TaskWrapper:
        wrapper = huey.periodic_task(schedule, **options)(_in_app_context(fn))
        SCHEDULE[f"{fn.__module__}.{fn.__name__}"] = wrapper
        return wrapper

    return decorate


SCHEDULE: dict[str, TaskWrapper] = {}
every_minute = crontab()


def _in_app_context(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with bound_app().app_context():
            return fn(*args, **kwargs)

    return run


def bound_app() -> Flask:
    global _app
    if _app is None:
        from cocreate import create_app

        _app = create_app()
    return _app


def enqueue_after_commit(wrapper: TaskWrapper, *args: Any) -> None:
    """Hand the task to the broker once the transaction commits; nothing when it rolls back."""
    events.after_commit(functools.partial(_enqueue, wrapper, *args))


def _enqueue(wrapper: TaskWrapper, *args: Any) -> None:
    try:
        wrapper(*args)
    except Exception as error:  # the broker is down: the row is committed, the sweep enqueues it later
        log.warning("could not enqueue %s%r (%s); the outbox sweep will", wrapper.name, args, error)


def claim(table: sa.Table, row_id: int, ready, now: datetime | None = None) -> bool:
    """Take the row for ``LEASE``, if it is ready and no one else holds it; committed at once.

    One UPDATE with the conditions in its WHERE clause: on every database exactly one of several racing
    workers changes the row. A worker that dies holding a row loses it when the lease ends.
    """
    now = now or utcnow()
    taken = db.session.execute(
        sa.update(table).where(table.c.id == row_id, ready,
                               sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
        .values(claimed_until=now + LEASE).returning(table.c.id)
    ).first()
    db.session.commit()
    return taken is not None


class ScheduledRun(Model):
    """A scheduled task that must happen once per period (the team digest of a day): the row is the proof."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # e.g. "2026-12-01"
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def once(name: str, period: str) -> bool:
    """True for the first caller of this (name, period); the row commits or rolls back with the caller's work,
    so a run that failed may run again, and two schedulers racing (a deploy) do the work once."""
    taken = db.session.execute(insert(ScheduledRun.__table__).values(name=name, period=period, ran_at=utcnow())
                               .on_conflict_do_nothing().returning(ScheduledRun.__table__.c.name)).first()
    return taken is not None


# --- Configuration and the worker -------------------------------------------------------------------------

def broker_url(app: Flask) -> str:
    """TASKS_BROKER, else REDIS_URL, else a SQLite file in instance/ (nothing to install for ``make run``)."""
    return (app.config.get("TASKS_BROKER") or app.config.get("REDIS_URL")
            or f"sqlite:///{Path(app.instance_path) / 'tasks.db'}")


def configure(url: str, name: str = "cocreate") -> None:
    """Point the Huey instance at its broker: ``redis://…``, ``sqlite:///path`` or ``memory://`` (tests). ``name``
    keeps apart several deployments (or test runs) that share one Redis."""
    huey.name = name
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # Short timeouts: a request that enqueues while Redis is down must not hang (the sweep catches up).
        pool = ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"connection_pool": pool}
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path)}
    elif url == "memory://":
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
    else:
        raise ValueError(f"TASKS_BROKER must be redis://, sqlite:/// or memory://, not {url!r}")
    huey.storage = huey.create_storage()


def init_app(app: Flask) -> None:
    global _app
    _app = app
    configure(broker_url(app), app.config.get("TASKS_QUEUE") or "cocreate")

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Threads that run tasks.")
    @click.option("--no-scheduler", is_flag=True, help="Run tasks only; another worker runs the schedule.")
    def worker(workers: int, no_scheduler: bool) -> None:
        """Run the background work: queued mail and webhooks, and the schedule (digests, releases, scores …)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        click.echo(f"worker: broker {_safe(broker_url(current_app))}, {workers} threads"
                   f"{'' if no_scheduler else ', scheduler on'}")
        consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_scheduler,
                                        initial_delay=0.1, backoff=1.15, max_delay=1.0, check_worker_health=True)
        consumer.run()

    @app.cli.group("tasks")
    def tasks_cli() -> None:
        """The scheduled tasks (the worker runs them; these commands run one now)."""

    @tasks_cli.command("list")
    def list_tasks() -> None:
        """Every scheduled task and when it runs."""
        for name, wrapper in sorted(SCHEDULE.items()):
            module, task_name = name.rsplit(".", 2)[-2:]
            click.echo(f"{module}.{task_name}: {' '.join((wrapper.func.__doc__ or '').split())}")

    @tasks_cli.command("run")
    @click.argument("name")
    def run_task(name: str) -> None:
        """Run one scheduled task now, in this process (e.g. `flask tasks run send_digests`)."""
        found = [w for n, w in SCHEDULE.items() if n == name or n.endswith("." + name)]
        if len(found) != 1:
            raise click.ClickException(f"No single scheduled task called {name!r}; see `flask tasks list`.")
        result = found[0].call_local()
        click.echo(result if result is not None else "done")


def _safe(url: str) -> str:
    """The broker URL without its password, for the log."""
    head, sep, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if sep else url
