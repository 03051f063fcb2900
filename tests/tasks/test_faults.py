"""Background work under faults, with real workers (`flask worker` processes), a real Redis and PostgreSQL.

Each test starts its own redis-server on a free port (so it can be stopped and started again without touching
the machine's Redis) and the workers as subprocesses on the test's PostgreSQL database. Times are shortened
through the environment (TASKS_RETRY_DELAY, TASKS_LEASE, TASKS_SWEEP_GRACE): the policy is the same, in seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from cocreate import tasks
from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.notifications import services as notifications
from cocreate.notifications.models import MailMessage, MailState
from cocreate.notifications.tasks import sweep_mail
from cocreate.webhooks import services as webhooks
from cocreate.webhooks.models import DeliveryState, WebhookDelivery
from cocreate.webhooks.tasks import deliver_webhook, sweep_webhooks
from tests import factories
from tests.conftest import login
from tests.notifications.conftest import Inbox, free_port

ROOT = Path(__file__).parents[2]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="workers need a shared database: PostgreSQL"),
]


class RedisServer:
    """A private redis-server on a free port that a test can stop and start again."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                   "no", "--dir", str(self.dir)]  # the machine's redis-server, found on PATH as the CI finds it
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,  # noqa: S603 - a fixed command line
                                        stderr=subprocess.DEVNULL)
        wait_for(self._answers, "redis-server to start")

    def _answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def wait_for(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker(tmp_path, app):
    """The private Redis, and this process's Huey pointed at it (restored to memory afterwards)."""
    server = RedisServer(tmp_path)
    server.start()
    tasks.configure(server.url)
    yield server
    tasks.configure("memory://")
    server.stop()


@pytest.fixture
def workers(broker, tmp_path, app):
    """start(n, **env) runs n `flask worker` processes on the test's database and broker; all are killed after."""
    started: list[subprocess.Popen] = []
    logs = []

    def start(count: int = 1, **env) -> list[subprocess.Popen]:
        environment = {**os.environ, "DATABASE_URL": os.environ["TEST_DATABASE_URL"], "TASKS_BROKER": broker.url,
                       "WEBHOOKS_ALLOW_PRIVATE": "1", "TASKS_RETRY_DELAY": "0.2", "TASKS_LEASE": "2",
                       "TASKS_SWEEP_GRACE": "0", "MAIL_SERVER": app.config.get("MAIL_SERVER") or "",
                       "MAIL_PORT": str(app.config.get("MAIL_PORT") or 25), "FLASK_APP": "wsgi.py", **env}
        new = []
        for _ in range(count):
            log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115 - closed after the test
            logs.append(log)
            new.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "worker", "--workers", "4", "--no-scheduler"], cwd=ROOT,
                env=environment, stdout=log, stderr=subprocess.STDOUT))
            started.append(new[-1])
        return new

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
    for log in logs:
        log.close()


class Receiver:
    """A webhook receiver that, like a careful one, counts each delivery id once however often it arrives."""

    def __init__(self):
        self.arrivals: list[str] = []
        self.status = 200
        self.hold = threading.Event()  # set: the next request hangs until released
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.arrivals.append(self.headers["X-Cocreate-Delivery"])
                if receiver.hold.is_set():
                    receiver.hold.clear()
                    receiver.release.wait(30)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def smtp(app):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    app.config.update(saved)
    controller.stop()


def company_with_webhook(url: str):
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    webhook, _ = webhooks.create_webhook(company, owner, url=url, events=["idea.created"])
    return company, owner, webhook


def states(model, column) -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(sa.select(column)))


def test_two_workers_never_send_one_mail_or_webhook_twice(workers, receiver, smtp):
    company, owner, webhook = company_with_webhook(receiver.url)
    product = factories.ProductFactory(company=company)
    for n in range(20):
        factories.idea(product, title=f"Idea {n}")  # one webhook delivery each
    users = [factories.UserFactory() for _ in range(30)]
    for user in users:
        notifications.notify(user, "test", subject=f"Hello {user.id}", body="", url="/")
    db.session.commit()  # 20 deliveries and 30 mails handed to Redis
    # Every task a second time, as a sweep that raced the first wake-up would.
    for mail_id in db.session.scalars(sa.select(MailMessage.id)):
        from cocreate.notifications.tasks import send_mail

        send_mail(mail_id)
    for delivery_id in db.session.scalars(sa.select(WebhookDelivery.id)):
        deliver_webhook(delivery_id)

    workers(2)
    wait_for(lambda: states(MailMessage, MailMessage.state) == Counter({MailState.SENT: 30})
             and states(WebhookDelivery, WebhookDelivery.state) == Counter({DeliveryState.DELIVERED: 20}),
             "every mail and delivery to be sent")
    time.sleep(1)  # anything still running would show up now
    assert len(smtp.messages) == 30
    assert len({m["Message-ID"] for m in smtp.messages}) == 30
    assert sorted(Counter(receiver.arrivals).values()) == [1] * 20
    assert set(db.session.scalars(sa.select(MailMessage.attempts))) == {1}


def test_a_worker_killed_mid_task_loses_nothing_and_the_effect_happens_once(workers, receiver, broker):
    company, owner, webhook = company_with_webhook(receiver.url)
    receiver.hold.set()  # the first POST hangs: the worker is killed while it waits for the answer
    factories.idea(factories.ProductFactory(company=company), title="Kickstand")
    db.session.commit()
    [first] = workers(1)
    wait_for(lambda: receiver.arrivals, "the worker to start the delivery")
    first.send_signal(signal.SIGKILL)
    first.wait()
    receiver.release.set()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    db.session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)  # the attempt was never recorded
    assert delivery.claimed_until is not None  # held by the dead worker until its lease ends

    workers(1)
    time.sleep(2.5)  # the lease (TASKS_LEASE=2 s) ends; then the scheduler's sweep finds the row
    sweep_webhooks()  # what the scheduler does every minute, enqueued from here to keep the test short
    wait_for(lambda: states(WebhookDelivery, WebhookDelivery.state) == Counter({DeliveryState.DELIVERED: 1}),
             "the delivery to go out again")
    db.session.refresh(delivery)
    assert delivery.attempts == 1  # one recorded, successful attempt
    assert set(receiver.arrivals) == {str(delivery.id)}  # one delivery id: the receiver acts on it once


def test_the_broker_down_for_a_while_delays_and_loses_nothing(workers, broker, client, smtp):
    company, owner, webhook = company_with_webhook("http://127.0.0.1:9/unused")
    product = factories.ProductFactory(company=company, slug="bike")
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Kickstand")
    db.session.commit()

    broker.stop()  # Redis is down: pages keep answering, and the work waits in the outbox
    login(client, owner)
    started = time.monotonic()
    response = client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "under_review"})
    assert response.status_code == 303 and time.monotonic() - started < 5
    assert client.get("/p/bike").status_code == 200
    assert states(MailMessage, MailMessage.state) == Counter({MailState.QUEUED: 1})

    broker.start()  # back (empty: what was enqueued before it went down is gone too)
    workers(1)
    sweep_mail()  # the scheduler's next sweep
    wait_for(lambda: states(MailMessage, MailMessage.state) == Counter({MailState.SENT: 1}), "the mail to go out")
    assert [m["To"] for m in smtp.messages] == [author.email]


def test_a_failing_receiver_is_retried_with_back_off_then_marked_failed_visibly(workers, receiver, client,
                                                                                monkeypatch):
    # The retry settings travel with the task: this process enqueues it, so it carries the short delay too.
    monkeypatch.setattr(deliver_webhook.task_class, "default_retry_delay", 0.2)
    company, owner, webhook = company_with_webhook(receiver.url)
    receiver.status = 503
    factories.idea(factories.ProductFactory(company=company), title="Kickstand")
    db.session.commit()
    started = time.monotonic()
    workers(1)  # retries 0.2, 0.4, 0.8 … 12.8 s apart (TASKS_RETRY_DELAY=0.2): the policy, in fractions of time
    wait_for(lambda: states(WebhookDelivery, WebhookDelivery.state) == Counter({DeliveryState.FAILED: 1}),
             "the delivery to be given up", timeout=60)
    elapsed = time.monotonic() - started
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.attempts == tasks.ATTEMPTS == len(receiver.arrivals)
    assert elapsed >= 0.2 * (2 ** (tasks.ATTEMPTS - 1) - 1)  # the waits grew: 0.2 + 0.4 + … + 12.8 s
    assert (delivery.last_status, delivery.next_attempt_at) == (503, None)

    login(client, owner)
    page = client.get(f"/c/{company.slug}/webhooks/{webhook.id}").get_data(as_text=True)
    assert "failed" in page and "HTTP 503" in page and f"/deliveries/{delivery.id}/retry" in page
    receiver.status = 200
    assert client.post(f"/c/{company.slug}/webhooks/{webhook.id}/deliveries/{delivery.id}/retry").status_code == 303
    wait_for(lambda: states(WebhookDelivery, WebhookDelivery.state) == Counter({DeliveryState.DELIVERED: 1}),
             "the owner's retry to go out")
    assert json.loads(db.session.scalar(sa.select(WebhookDelivery.body)))["event"] == "idea.created"
