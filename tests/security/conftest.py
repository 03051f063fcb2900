"""Apps configured differently from the suite's shared one: rate limits on, production settings."""

from contextlib import contextmanager

import pytest

from cocreate import create_app
from cocreate.config import TestConfig
from cocreate.extensions import db, limiter
from tests.conftest import Client


@contextmanager
def _limiter_restored():
    """Flask-Limiter keeps its settings on the one module-level `limiter`, not per app: building another app
    re-configures it (and the key prefix sticks from the first app that had limits on). Put it back after."""
    saved = {name: getattr(limiter, name) for name in ("enabled", "initialized", "_key_prefix", "_storage",
                                                       "_limiter", "_headers_enabled")}
    limiter._key_prefix = None  # let the new app's RATELIMIT_KEY_PREFIX apply
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(limiter, name, value)


@pytest.fixture
def make_app(app):
    """`make_app(**config)`: a second app on the test database, with its own settings. Its tables exist
    (created here for in-memory SQLite, shared with the suite's app on PostgreSQL)."""
    built = []

    def make(**config):
        settings = {name: getattr(TestConfig, name) for name in dir(TestConfig) if name.isupper()} | config
        new = create_app(settings)
        new.test_client_class = Client
        with new.app_context():
            import cocreate.models  # noqa: F401

            db.create_all()
        built.append(new)
        return new

    with _limiter_restored():
        yield make
    for new in built:
        with new.app_context():
            if db.engine.dialect.name == "sqlite":
                db.drop_all()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def limited_app(make_app):
    """Rate limits on, counted in memory, fresh for each test; its app context is the test's."""
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with limited.app_context():
        yield limited
        db.session.remove()
