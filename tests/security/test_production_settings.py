"""With COCREATE_ENV=production the app refuses to start without the settings that make it safe: a PUBLIC_URL for
the links in mail and a SECRET_KEY of its own (the default one is public: anyone could forge sessions and
unsubscribe tokens). It answers only requests for its own host names (TRUSTED_HOSTS, by default PUBLIC_URL's)."""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from cocreate import create_app
from cocreate.config import SettingsError, TestConfig

ROOT = Path(__file__).resolve().parents[2]
KEY = secrets.token_hex(32)


def production(**overrides) -> dict:
    """The suite's settings as production has them: the given ones on top."""
    settings = {name: getattr(TestConfig, name) for name in dir(TestConfig) if name.isupper()}
    return settings | {"PRODUCTION": True, "SECRET_KEY": KEY, "PUBLIC_URL": "https://cocreate.example"} | overrides


# --- PUBLIC_URL -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("public_url", [None, ""])
def test_production_refuses_to_start_without_public_url(public_url):
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        create_app(production(PUBLIC_URL=public_url))


@pytest.mark.parametrize("public_url", ["cocreate.example", "ftp://cocreate.example", "https://"])
def test_a_public_url_that_is_no_web_address_is_refused(public_url):
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        create_app(production(PUBLIC_URL=public_url))


# --- SECRET_KEY -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", [None, "", "dev-only-change-me", "x" * 31])
def test_production_refuses_the_default_or_a_short_secret_key(key):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(production(SECRET_KEY=key))


def test_production_starts_with_a_key_of_32_characters(make_app):
    assert make_app(**production(SECRET_KEY="y" * 32)).config["SECRET_KEY"] == "y" * 32


def _start(env: dict) -> subprocess.CompletedProcess:
    """Build the app in a new process from these environment variables, as gunicorn or `flask` would."""
    clean = {name: value for name, value in os.environ.items()
             if name not in ("COCREATE_ENV", "SECRET_KEY", "PUBLIC_URL", "TRUSTED_HOSTS")}
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=clean | env,  # noqa: S603
                          capture_output=True, text=True, timeout=60)


def test_a_production_process_without_settings_refuses_to_start_and_says_what_to_set():
    started = _start({"COCREATE_ENV": "production"})
    assert started.returncode != 0
    assert "SECRET_KEY" in started.stderr and "PUBLIC_URL" in started.stderr, started.stderr[-2000:]
    started = _start({"COCREATE_ENV": "production", "PUBLIC_URL": "https://cocreate.example", "SECRET_KEY": KEY})
    assert started.returncode == 0, started.stderr[-2000:]


def test_development_starts_with_no_settings():
    started = _start({})
    assert started.returncode == 0, started.stderr[-2000:]


# --- TRUSTED_HOSTS --------------------------------------------------------------------------------------------

def test_production_answers_a_foreign_host_with_400(make_app):
    client = make_app(**production()).test_client()
    forged = client.get("/", headers={"Host": "attacker.example"})
    assert forged.status_code == 400
    assert "attacker.example" not in forged.get_data(as_text=True)
    assert forged.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/products", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/login", base_url="https://cocreate.example").status_code == 200
    assert client.get("/login", base_url="https://cocreate.example:443").status_code == 200


def test_trusted_hosts_can_name_more_hosts(make_app):
    client = make_app(**production(TRUSTED_HOSTS=["cocreate.example", ".cocreate.example"])).test_client()
    assert client.get("/login", base_url="https://www.cocreate.example").status_code == 200
    assert client.get("/login", base_url="https://cocreate.example.attacker.example").status_code == 400


def test_trusted_hosts_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", " cocreate.example, www.cocreate.example ,")
    config = runpy.run_path(str(ROOT / "cocreate" / "config.py"))["Config"]
    assert config.TRUSTED_HOSTS == ["cocreate.example", "www.cocreate.example"]
    monkeypatch.delenv("TRUSTED_HOSTS")
    assert runpy.run_path(str(ROOT / "cocreate" / "config.py"))["Config"].TRUSTED_HOSTS is None


def test_development_answers_any_host(client):
    assert client.get("/login", headers={"Host": "anything.example"}).status_code == 200
