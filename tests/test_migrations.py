"""`flask db upgrade` builds an empty database; `flask db check` then finds nothing to generate."""

import os
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from cocreate import create_app
from cocreate.config import TestConfig, database_url


@pytest.fixture
def empty_database_url(tmp_path):
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = sa.make_url(database_url(server))
    name = f"cocreate_migrations_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_upgrade_on_empty_database_then_check_finds_nothing(empty_database_url):
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = app.test_cli_runner()
    from cocreate.extensions import db

    with app.app_context():  # on top of the suite's app, so the commands use this database
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "companies", "memberships", "products", "versions"} <= tables
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output + str(result.exception)
        db.engine.dispose()


def test_seed_demo_is_idempotent(runner, app):
    from cocreate.auth.models import User
    from cocreate.extensions import db
    from cocreate.images.models import Image
    from cocreate.products.models import Product, Version

    def counts():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (User, Product, Version, Image)]

    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    assert after_first[0] >= 46 and after_first[1] == 4 and 8 <= after_first[2] <= 12
    assert after_first[3] == 4  # a drawn cover per product
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in skipped.output
