"""Issue 15.6: failed log-ins lock the account, not the address; the lock is no oracle; its owner can lift it;
and the counts are shared by every worker process without Redis (cocreate/limit_storage.py)."""

import base64
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from cocreate.auth import services as auth_services
from cocreate.extensions import db, limiter
from cocreate.limit_storage import SQLStorage, default_uri
from cocreate.notifications.models import MailMessage
from tests import factories
from tests.security.test_rate_limits import address, assert_limited, fail_login

ROOT = Path(__file__).resolve().parents[2]


def mails_to(email: str) -> list[MailMessage]:
    return list(db.session.scalars(sa.select(MailMessage).where(MailMessage.to_address == email)
                                   .order_by(MailMessage.id)))


def login(client, email: str, password: str = factories.PASSWORD, ip: int = 50):
    return client.post("/login", data={"email": email, "password": password}, environ_base=address(ip))


def lock(client, email: str) -> None:
    for n in range(5):
        assert fail_login(client, email, ip=60 + n).status_code == 400


def normalised(response) -> str:
    page = re.sub(r'("X-CSRFToken": "|name="csrf_token"[^>]*value=")[^"]*', r"\1", response.get_data(as_text=True))
    return re.sub(r"\d+", "N", page)


def test_a_locked_account_answers_the_right_password_as_a_wrong_one_and_checks_neither(limited_app, monkeypatch):
    """The oracle property: while locked, nothing in the answer depends on the password, nor on whether the
    account exists; the password is not even checked (its time cannot tell either)."""
    client = limited_app.test_client()
    owner = factories.UserFactory()
    lock(client, owner.email)
    lock(client, "nobody@example.com")
    checked = []
    monkeypatch.setattr(auth_services, "authenticate", lambda *args: checked.append(args))
    answers = [login(client, owner.email, factories.PASSWORD), login(client, owner.email, "wrong password here"),
               login(client, "nobody@example.com", "wrong password here")]
    for response in answers:
        assert_limited(response)
        assert "locked" in response.get_data(as_text=True)
    assert len({normalised(response) for response in answers}) == 1
    assert checked == []


def test_the_lock_mails_its_owner_once_and_the_link_unlocks_at_once(limited_app):
    client = limited_app.test_client()
    owner = factories.UserFactory()
    db.session.commit()
    lock(client, owner.email)
    assert_limited(login(client, owner.email))
    assert_limited(fail_login(client, owner.email, ip=70))
    notices = mails_to(owner.email)
    assert len(notices) == 1, "one notice per lock, however many tries follow"
    assert "locked" in notices[0].subject
    link = re.search(r"https?://[^/\s]+(/login/unlock/\S+)", notices[0].body)
    assert link, notices[0].body
    path = link.group(1)

    page = client.get(path)
    assert page.status_code == 200 and "Unlock my account" in page.get_data(as_text=True)
    assert_limited(login(client, owner.email))  # the GET changed nothing

    unlocked = client.post(path)
    assert unlocked.status_code == 200 and "Your account is unlocked" in unlocked.get_data(as_text=True)
    assert login(limited_app.test_client(), owner.email).status_code == 303


def test_an_unlock_link_that_is_forged_or_for_an_old_address_does_nothing(limited_app):
    client = limited_app.test_client()
    owner = factories.UserFactory()
    db.session.commit()
    lock(client, owner.email)
    path = re.search(r"(/login/unlock/\S+)", mails_to(owner.email)[0].body).group(1)
    assert owner.email not in base64.urlsafe_b64decode(path.split("/")[-1].split(".")[0] + "==").decode()
    assert client.post(path[:-3] + "xyz").status_code == 404
    assert client.get("/login/unlock/not-a-token").status_code == 404
    old_email = owner.email
    owner.email = "moved@example.com"
    db.session.commit()
    assert client.post(path).status_code == 404
    assert_limited(login(client, old_email))


def test_locking_an_address_without_an_account_mails_nobody(limited_app):
    client = limited_app.test_client()
    lock(client, "nobody@example.com")
    assert_limited(fail_login(client, "nobody@example.com", ip=71))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == 0


def test_login_requests_per_address_are_capped_right_or_wrong(limited_app):
    """Every attempt costs a password hash: 30 a minute from one address, whatever the answer."""
    user = factories.UserFactory()
    answers = [login(limited_app.test_client(), user.email, ip=80).status_code for _ in range(31)]
    assert answers[:30] == [303] * 30 and answers[30] == 429


def test_without_redis_the_default_storage_is_a_file_every_worker_shares(make_app):
    """Before: memory://, one count per gunicorn worker (every limit multiplied by the workers)."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=None, REDIS_URL=None)
    assert app.config["RATELIMIT_STORAGE_URI"] == default_uri(app.instance_path)
    assert isinstance(limiter.storage, SQLStorage)
    assert limiter.storage.url.database == os.path.join(app.instance_path, "ratelimits.db")


_WORKER = """
import sys
from cocreate import create_app
from cocreate.extensions import limiter
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLALCHEMY_ENGINE_OPTIONS": {}, "TESTING": True,
                  "WTF_CSRF_ENABLED": False, "PASSWORD_TIME_COST": 1, "PASSWORD_MEMORY_COST": 64})
with app.app_context():
    import cocreate.models
    from cocreate.extensions import db
    db.create_all()
    print(type(limiter.storage).__name__)
client = app.test_client()
for n in range(int(sys.argv[1])):
    r = client.post("/login", data={"email": "shared@example.com", "password": "wrong password here"},
                    environ_base={"REMOTE_ADDR": f"203.0.113.{int(sys.argv[2]) + n}"})
    print(r.status_code, r.headers.get("Retry-After", ""))
"""


def _worker(storage: str, attempts: int, first_address: int) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "TASKS_BROKER")}
    env |= {"RATELIMIT_STORAGE_URI": storage, "COCREATE_ENV": "development", "TASKS_BROKER": "memory://"}
    done = subprocess.run([sys.executable, "-c", _WORKER, str(attempts), str(first_address)],  # noqa: S603
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.split("\n")


def test_two_worker_processes_share_the_failures_without_redis(tmp_path):
    """Two app processes (two gunicorn workers) on the SQLite file storage: the second sees the first's three
    failures, and its third failure of its own is the account's sixth try: locked."""
    storage = f"db+sqlite:///{tmp_path / 'limits.db'}"
    first = _worker(storage, 3, 1)
    assert first[0] == "SQLStorage"
    assert [line.split()[0] for line in first[1:4]] == ["400"] * 3
    second = _worker(storage, 3, 10)
    statuses = [line.split()[0] for line in second[1:4]]
    assert statuses == ["400", "400", "429"]
    assert int(second[3].split()[1]) > 0


_COUNTER = """
import sys
from limits.storage import storage_from_string
import cocreate.limit_storage
storage = storage_from_string(sys.argv[1])
for _ in range(200):
    storage.incr("votes", 60)
"""


def test_counts_from_racing_processes_are_never_lost(tmp_path):
    """Four processes add 200 each to one counter at the same time: 800, on the SQLite file."""
    uri = f"db+sqlite:///{tmp_path / 'limits.db'}"
    env = {**os.environ}

    def run(_):
        return subprocess.run([sys.executable, "-c", _COUNTER, uri], cwd=ROOT, env=env,  # noqa: S603
                              capture_output=True, text=True, timeout=120, check=True)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(run, range(4)))
    from limits.storage import storage_from_string

    storage = storage_from_string(uri)
    assert storage.get("votes") == 800
    assert 0 < storage.get_expiry("votes") - time.time() <= 60


def test_the_storage_counts_windows_and_clears(tmp_path):
    uri = f"db+sqlite:///{tmp_path / 'limits.db'}"
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    storage = storage_from_string(uri)
    storage.clear("k")
    strategy, item = FixedWindowRateLimiter(storage), parse("3/minute")
    assert [strategy.hit(item, "k") for _ in range(4)] == [True, True, True, False]
    assert strategy.get_window_stats(item, "k").remaining == 0
    assert storage.incr("short", 1) >= 1
    storage.clear(item.key_for("k"))
    assert strategy.hit(item, "k") and storage.check()
    time.sleep(1.1)
    assert storage.get("short") == 0 and storage.incr("short", 1) == 1  # a window that ended starts again


def test_an_attacker_who_keeps_an_account_locked_does_not_lock_its_owners_browser_out(limited_app):
    """OWASP's device cookies: the browser the owner logged in from before is not held by the account's lock (only
    by its own failures), so five wrong passwords every quarter of an hour do not keep the owner out."""
    owner = factories.UserFactory()
    db.session.commit()
    browser = limited_app.test_client()
    assert login(browser, owner.email, ip=90).status_code == 303
    assert browser.get_cookie("cocreate_device", path="/login") is not None
    browser.post("/logout")  # logging out keeps the browser trusted
    with browser.session_transaction() as session:
        session.clear()

    attacker = limited_app.test_client()
    lock(attacker, owner.email)
    assert_limited(login(attacker, owner.email, ip=91))  # the right password, from elsewhere: locked
    assert login(browser, owner.email, ip=90).status_code == 303  # the owner's browser gets in
    with browser.session_transaction() as session:
        session.clear()
    # The trusted browser has a limit of its own: five wrong passwords, then it waits too.
    for _ in range(5):
        assert login(browser, owner.email, "wrong password here", ip=90).status_code == 400
    assert_limited(login(browser, owner.email, ip=90))


def test_a_device_cookie_for_another_account_or_forged_opens_no_lock(limited_app):
    owner, other = factories.UserFactory(), factories.UserFactory()
    db.session.commit()
    client = limited_app.test_client()
    assert login(client, other.email, ip=92).status_code == 303  # trusted for the other account only
    with client.session_transaction() as session:
        session.clear()
    lock(limited_app.test_client(), owner.email)
    assert_limited(login(client, owner.email, ip=92))
    client.set_cookie("cocreate_device", "forged.value.here", path="/login")
    assert_limited(login(client, owner.email, ip=92))
