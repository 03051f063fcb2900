"""Rate limits: log-in per account and per address, sign-up per address, idea/comment/vote creation per user.

Each over-limit answer is the friendly 429 page with Retry-After; other accounts and addresses carry on.
"""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cocreate.products.services import create_product
from tests import factories
from tests.security.world import act_as

ROOT = Path(__file__).resolve().parents[2]


def address(n: int) -> dict:
    return {"REMOTE_ADDR": f"203.0.113.{n}"}


def fail_login(client, email: str, ip: int = 1):
    return client.post("/login", data={"email": email, "password": "wrong password here"}, environ_base=address(ip))


def assert_limited(response) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Slow down" in page and "Traceback" not in page
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 3600
    shown = re.search(r"try again in (\d+) seconds", page)
    assert shown and abs(int(shown.group(1)) - seconds) <= 1  # the page and the header may straddle a second


def test_login_is_limited_per_account_from_any_address(limited_app):
    client = limited_app.test_client()
    victim, other = factories.UserFactory(), factories.UserFactory()
    for attempt in range(5):
        assert fail_login(client, victim.email, ip=attempt + 1).status_code == 400
    # A sixth try from yet another address, even with the right password: locked.
    assert_limited(client.post("/login", data={"email": victim.email, "password": factories.PASSWORD},
                               environ_base=address(99)))
    # Same address, another account: unaffected.
    response = client.post("/login", data={"email": other.email, "password": factories.PASSWORD},
                           environ_base=address(5))
    assert response.status_code == 303


def test_an_address_past_its_limit_still_lets_the_right_password_in(limited_app):
    """Issue 15.6: the per-address limit answered 429 to right passwords too, so one attacker behind a shared
    address (an office, a proxy) locked everyone there out. Only wrong passwords are stopped now: past the
    address's limit each one locks its account at once (auth/throttle.py)."""
    client = limited_app.test_client()
    fresh, guessed = factories.UserFactory(), factories.UserFactory()
    for n in range(20):  # 20 failures spread over 5 accounts: no account reaches its own limit
        assert fail_login(client, f"guess{n % 5}@example.com", ip=7).status_code == 400
    response = client.post("/login", data={"email": fresh.email, "password": factories.PASSWORD},
                           environ_base=address(7))
    assert response.status_code == 303
    # A wrong password from there locks that account at once: one guess per account, not five.
    assert_limited(fail_login(limited_app.test_client(), guessed.email, ip=7))
    assert_limited(limited_app.test_client().post("/login", data={"email": guessed.email,
                                                                  "password": factories.PASSWORD},
                                                  environ_base=address(8)))


def test_successful_logins_are_not_counted(limited_app):
    user = factories.UserFactory()
    for _ in range(8):
        client = limited_app.test_client()
        assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD},
                           environ_base=address(3)).status_code == 303


def test_lock_out_does_not_reveal_whether_the_account_exists(limited_app):
    client = limited_app.test_client()
    real = factories.UserFactory()
    pages = []
    for email, ip in ((real.email, 10), ("nobody@example.com", 20)):
        for n in range(5):
            fail_login(client, email, ip=ip + n)
        response = fail_login(client, email, ip=ip + 9)
        assert_limited(response)
        page = re.sub(r'("X-CSRFToken": "|name="csrf_token"[^>]*value=")[^"]*', r"\1", response.get_data(as_text=True))
        pages.append(re.sub(r"\d+", "N", page))  # CSRF tokens carry a timestamp: left out of the comparison
    assert pages[0] == pages[1]
    assert real.email not in pages[0]


def test_signup_is_limited_per_address(limited_app):
    for n in range(10):
        client = limited_app.test_client()  # a new visitor each time
        response = client.post("/signup", data={"name": f"Person {n}", "email": f"p{n}@example.com",
                                                "password": "a long and unusual passphrase"},
                               environ_base=address(4))
        assert response.status_code == 303
    data = {"name": "One more", "email": "more@example.com", "password": "a long and unusual passphrase"}
    assert_limited(limited_app.test_client().post("/signup", data=data, environ_base=address(4)))
    assert limited_app.test_client().post("/signup", data=data, environ_base=address(5)).status_code == 303


def test_signup_is_limited_per_email_address_alike_with_or_without_an_account(limited_app):
    """Issue 15.9: sign-up could be asked about one address again and again (and now mails it each time)."""
    factories.UserFactory(email="taken@example.com")
    for email in ("taken@example.com", "free@example.com"):
        data = {"name": "Someone", "email": email, "password": "a long and unusual passphrase"}
        for n in range(3):  # from three addresses: the limit is the e-mail's
            assert limited_app.test_client().post("/signup", data=data, environ_base=address(30 + n)).status_code == 303
        assert_limited(limited_app.test_client().post("/signup", data=data, environ_base=address(40)))
    other = {"name": "Other", "email": "other@example.com", "password": "a long and unusual passphrase"}
    assert limited_app.test_client().post("/signup", data=other, environ_base=address(40)).status_code == 303


def _write(kind: str, client, product, idea, n: int):
    if kind == "idea":
        return client.post(f"/p/{product.slug}/ideas/new", data={"title": f"Idea number {n}"})
    if kind == "comment":
        return client.post(f"/p/{product.slug}/ideas/{idea.id}/comments", data={"body": f"Comment {n}"})
    return client.post(f"/p/{product.slug}/ideas/{idea.id}/vote", data={"vote": str(n % 2)})


@pytest.mark.parametrize("kind", ["idea", "comment", "vote"])
def test_writes_are_limited_per_user_not_per_address(limited_app, kind):
    product = create_product(factories.CompanyFactory(), name="Limited", slug="limited")
    idea = factories.idea(product)
    eager, calm = factories.UserFactory(), factories.UserFactory()
    client = limited_app.test_client()
    act_as(client, eager)
    for n in range(30):
        assert _write(kind, client, product, idea, n).status_code == 303
    assert_limited(_write(kind, client, product, idea, 30))
    other = limited_app.test_client()  # same address, another account
    act_as(other, calm)
    assert _write(kind, other, product, idea, 1).status_code == 303


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

_WORKER = """
import sys
from cocreate import create_app
from cocreate.extensions import limiter
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLALCHEMY_ENGINE_OPTIONS": {}, "TESTING": True,
                  "WTF_CSRF_ENABLED": False, "PASSWORD_TIME_COST": 1, "PASSWORD_MEMORY_COST": 64,
                  "RATELIMIT_KEY_PREFIX": sys.argv[1]})
with app.app_context():
    import cocreate.models
    from cocreate.extensions import db
    db.create_all()
    print(type(limiter.storage).__name__)
client = app.test_client()
for _ in range(int(sys.argv[2])):
    r = client.post("/login", data={"email": "shared@example.com", "password": "wrong password here"})
    print(r.status_code, r.headers.get("Retry-After", ""))
"""


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def _worker(prefix: str, attempts: int) -> list[str]:
    env = {**os.environ, "REDIS_URL": REDIS_URL, "COCREATE_ENV": "development"}
    done = subprocess.run([sys.executable, "-c", _WORKER, prefix, str(attempts)], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.split("\n")


def test_two_processes_share_the_counter_in_redis_when_redis_url_is_set():
    """Two separate app processes (as two gunicorn workers or hosts): the second sees the first's failures."""
    redis = _redis()
    prefix = f"cocreate-test-{uuid.uuid4().hex}"
    try:
        first = _worker(prefix, 5)
        assert first[0] == "RedisStorage", "REDIS_URL set: limits must be counted in Redis"
        assert [line.split()[0] for line in first[1:6]] == ["400"] * 5
        assert redis.keys(f"*{prefix}*"), "the counters live in Redis under the app's key prefix"
        second = _worker(prefix, 1)
        status, retry_after = second[1].split()
        assert status == "429" and int(retry_after) > 0
    finally:
        keys = redis.keys(f"*{prefix}*")
        if keys:
            redis.delete(*keys)


def test_behind_a_proxy_limits_count_the_forwarded_address(make_app):
    """With PROXY_COUNT=1 (one reverse proxy), visitors are told apart by X-Forwarded-For, not by the proxy."""
    proxied = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", PROXY_COUNT=1)
    with proxied.app_context():
        def attempt(visitor: str, n: int):
            return proxied.test_client().post(
                "/login", data={"email": f"guess{n % 5}-{n // 5}@example.com", "password": "wrong password here"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": visitor})

        for n in range(20):
            assert attempt("203.0.113.1", n).status_code == 400
        assert attempt("203.0.113.1", 99).status_code == 429
        # Another visitor through the same proxy, on another account (the first one is locked now).
        assert attempt("203.0.113.2", 98).status_code == 400


def test_without_a_proxy_a_forged_forwarded_for_changes_nothing(limited_app):
    for n in range(20):
        response = limited_app.test_client().post(
            "/login", data={"email": f"x{n}@example.com", "password": "wrong password here"},
            environ_base=address(9), headers={"X-Forwarded-For": f"198.51.100.{n}"})
        assert response.status_code == 400
    assert_limited(limited_app.test_client().post(
        "/login", data={"email": "y@example.com", "password": "wrong password here"},
        environ_base=address(9), headers={"X-Forwarded-For": "198.51.100.200"}))


def test_image_uploads_are_limited_per_user(limited_app, tmp_path):
    import io

    from cocreate.companies.models import Role
    from tests.security.world import PNG

    limited_app.config["UPLOAD_FOLDER"] = str(tmp_path)
    product = create_product(factories.CompanyFactory(), name="Pictured", slug="pictured")
    client = limited_app.test_client()
    act_as(client, factories.member(product.company, Role.PRODUCT))
    answers = [client.post(f"/p/{product.slug}/images", data={"image": (io.BytesIO(PNG), "a.png")}).status_code
               for _ in range(60)]
    assert answers.count(303) == 8 and set(answers[8:]) == {400}  # 8 images at most; the refusals count too
    assert_limited(client.post(f"/p/{product.slug}/images", data={"image": (io.BytesIO(PNG), "a.png")}))
