"""Settings, read from the environment. SQLite under instance/ is the default database."""

import os
from collections.abc import MutableMapping
from urllib.parse import urlsplit

# The key of `make run` and other development processes: public (it is in the source), so production refuses it.
DEVELOPMENT_SECRET_KEY = "dev-only-change-me"  # noqa: S105  # nosec B105
MIN_SECRET_KEY_LENGTH = 32
# The base of the links in mail when PUBLIC_URL is unset (development: where `make run` serves).
DEVELOPMENT_URL = "http://localhost:5000"


def host_names(value: str | None) -> list[str] | None:
    """TRUSTED_HOSTS from the environment: comma-separated names; None (any host) when unset or empty."""
    names = [name.strip() for name in (value or "").split(",") if name.strip()]
    return names or None


def database_url(url: str) -> str:
    """Normalise a database URL: plain PostgreSQL URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    # Signs sessions, CSRF and unsubscribe tokens. Production refuses the default and keys under 32 characters.
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", "sqlite:///cocreate.db"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    PRODUCTION = os.environ.get("COCREATE_ENV", "development") == "production"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PRODUCTION
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = PRODUCTION
    WTF_CSRF_TIME_LIMIT = None
    # Argon2id parameters; tests lower them so the suite stays fast.
    PASSWORD_TIME_COST = 3
    PASSWORD_MEMORY_COST = 64 * 1024
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Where the limits count, shared by every worker process: Redis when REDIS_URL is set, else a SQLite file
    # in instance/ (create_app; cocreate/limit_storage.py), or any "db+postgresql://…" set here.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL
    RATELIMIT_KEY_PREFIX = "cocreate"
    # Reverse proxies in front of the app (0: none). Behind one, every request seems to come from the proxy:
    # the per-address limits would then count the whole site as one visitor. Trust exactly this many hops of
    # X-Forwarded-For/-Proto/-Host; with 0 those headers are ignored (a client cannot fake its address).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # The site's address, the base of every link in mail: never the request's Host header, which the client
    # chooses. Required in production; unset in development, links go to DEVELOPMENT_URL.
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    # Host names the site answers to (Flask/Werkzeug check the Host header; others get a 400). A name starting
    # with a dot takes its subdomains too. Unset: any host in development, PUBLIC_URL's host in production.
    TRUSTED_HOSTS = host_names(os.environ.get("TRUSTED_HOSTS"))
    # Uploaded images: stored re-encoded under UPLOAD_FOLDER/images (default instance/uploads), never in static/.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    IMAGE_MAX_BYTES = 10 * 1024 * 1024  # the upload routes accept this much instead of MAX_CONTENT_LENGTH
    IMAGE_MAX_PIXELS = 25_000_000  # stored at 2400 px a side at most: more only costs decoding (docs/security.md)
    # Shared cache (the board's figures): Redis when configured, else per process.
    CACHE_TYPE = "RedisCache" if REDIS_URL else "SimpleCache"
    CACHE_REDIS_URL = REDIS_URL
    CACHE_KEY_PREFIX = "cocreate:"
    CACHE_DEFAULT_TIMEOUT = 60
    # Pages for visitors who are not logged in, shared for this many seconds (cocreate/page_cache.py); 0: off.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "5"))
    # Background work (cocreate/tasks.py): Huey's broker. Unset: REDIS_URL when set, else instance/tasks.db.
    TASKS_BROKER = os.environ.get("TASKS_BROKER")
    TASKS_QUEUE = os.environ.get("TASKS_QUEUE", "cocreate")  # the queue's name on the broker
    # Webhooks to localhost or private networks (SSRF); only tests and local development turn this on.
    WEBHOOKS_ALLOW_PRIVATE = os.environ.get("WEBHOOKS_ALLOW_PRIVATE") == "1"


class SettingsError(RuntimeError):
    """Settings the site must not run with: create_app raises it and nothing starts."""


def check_settings(config: MutableMapping) -> None:
    """Refuse unsafe settings before anything starts: in production a PUBLIC_URL and a SECRET_KEY of its own are
    required, and TRUSTED_HOSTS defaults to PUBLIC_URL's host. Every problem is named at once."""
    problems = []
    public_url = config.get("PUBLIC_URL")
    production = bool(config.get("PRODUCTION"))
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"PUBLIC_URL must be the site's web address, like https://cocreate.example.com, "
                            f"not {public_url!r}.")
    elif production:
        problems.append("PUBLIC_URL is not set: set it to the site's address (like https://cocreate.example.com), "
                        "the base of the links in e-mails and the host name the site answers to.")
    if production:
        key = config.get("SECRET_KEY") or ""
        if key == DEVELOPMENT_SECRET_KEY:
            wrong = "is the public development key"
        elif len(key) < MIN_SECRET_KEY_LENGTH:
            wrong = f"is shorter than {MIN_SECRET_KEY_LENGTH} characters" if key else "is not set"
        else:
            wrong = ""
        if wrong:
            problems.append(f"SECRET_KEY {wrong}: set a random value of at least {MIN_SECRET_KEY_LENGTH} characters, "
                            "like the output of python -c 'import secrets; print(secrets.token_hex(32))'.")
    if problems:
        where = "with COCREATE_ENV=production" if production else "with these settings"
        raise SettingsError(f"Cocreate will not start {where}: " + " ".join(problems))
    if production and config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = [urlsplit(public_url).hostname]


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - the test suite's key  # nosec B105
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    PAGE_CACHE_SECONDS = 0  # tests that need the page cache turn it on themselves (tests/test_page_cache.py)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    CACHE_TYPE = "NullCache"  # tests that need the cache turn it on themselves
    WTF_CSRF_ENABLED = False
    PASSWORD_TIME_COST = 1
    PASSWORD_MEMORY_COST = 64
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    WEBHOOKS_ALLOW_PRIVATE = True  # the tests' receiver listens on 127.0.0.1
    TASKS_BROKER = "memory://"  # tasks wait in memory until a test runs them (tests/conftest.py: run_tasks)
