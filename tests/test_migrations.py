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


def test_single_sign_on_required_moves_from_the_company_to_each_private_product_and_back(empty_database_url):
    """0031: a company that required its customers to come through its provider now requires it of each of its
    private products (its public ones are not gated); the downgrade gives the company's flag back."""
    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    runner = app.test_cli_runner()
    from cocreate.extensions import db

    with app.app_context():
        assert runner.invoke(args=["db", "upgrade", "0030"]).exit_code == 0
        with db.engine.begin() as conn:
            for company_id, slug in ((1, "acme"), (2, "other")):
                conn.execute(sa.text("INSERT INTO companies (id, name, slug, created_at) VALUES (:id, :slug, :slug, "
                                     "CURRENT_TIMESTAMP)"), {"id": company_id, "slug": slug})
            conn.execute(sa.text("INSERT INTO company_sso (company_id, issuer, client_id, client_secret_encrypted, "
                                 "customers_required, enabled, updated_at) VALUES (1, 'https://id.acme', 'c', 'x', "
                                 ":yes, :yes, CURRENT_TIMESTAMP)"), {"yes": True})
            for product_id, company_id, visibility in ((1, 1, "private"), (2, 1, "public"), (3, 2, "private")):
                conn.execute(sa.text("INSERT INTO products (id, company_id, name, slug, tagline, description, "
                                     "description_html, visibility, created_at, updated_at) VALUES (:id, :company, "
                                     "'P', :slug, '', '', '', :visibility, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                             {"id": product_id, "company": company_id, "slug": f"p{product_id}",
                              "visibility": visibility})
            conn.execute(sa.text("INSERT INTO versions (product_id, label, notes, notes_html, released_on, created_at) "
                                 "VALUES (1, 'v1', '', '', '2026-01-01', CURRENT_TIMESTAMP)"))
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as conn:
            assert dict(conn.execute(sa.text("SELECT id, sso_required FROM products ORDER BY id")).all()) == {
                1: True, 2: False, 3: False}
        assert runner.invoke(args=["db", "downgrade", "0030"]).exit_code == 0
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT customers_required FROM company_sso")).scalar() in (True, 1)
            # SQLite rebuilt the products table to drop the column: its versions are still there (migrations/env.py
            # turns foreign keys off while it runs; with them on, the rebuild deleted every product's versions)
            assert conn.execute(sa.text("SELECT count(*) FROM versions")).scalar() == 1
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again for the app
        db.engine.dispose()
