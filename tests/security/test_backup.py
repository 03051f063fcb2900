"""`flask backup`: a consistent copy that restores, on SQLite (online backup API) and PostgreSQL (pg_dump)."""

import os
import shutil
import sqlite3
import stat
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.extensions import db
from tests import factories


@pytest.fixture
def file_app(make_app, tmp_path):
    """The app on an SQLite file, with its instance folder in tmp_path."""
    file_app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    file_app.instance_path = str(tmp_path / "instance")
    file_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")  # its own: none of the other tests' images
    with file_app.app_context():
        yield file_app


def test_sqlite_backup_restores_with_the_data(file_app, tmp_path):
    user = factories.UserFactory(email="kept@example.com")
    factories.idea(author=user, title="Survives the backup")
    # A write that is not committed while the backup runs must not appear in it, nor break it.
    writer = sqlite3.connect(tmp_path / "live.db", timeout=5)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE users SET name = 'half-written' WHERE email = 'kept@example.com'")
    try:
        result = file_app.test_cli_runner().invoke(args=["backup"])
    finally:
        writer.rollback()
        writer.close()
    assert result.exit_code == 0, result.output
    backups = list((tmp_path / "instance" / "backups").iterdir())
    assert len(backups) == 1 and backups[0].name.startswith("cocreate-") and backups[0].suffix == ".sqlite3"
    assert str(backups[0]) in result.output
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(backups[0].parent.stat().st_mode) == 0o700

    restored = tmp_path / "restored.db"
    shutil.copy(backups[0], restored)
    engine = sa.create_engine(f"sqlite:///{restored}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        names = conn.execute(sa.select(User.__table__.c.name).where(User.__table__.c.email == "kept@example.com"))
        assert names.scalar() != "half-written"
        assert conn.execute(sa.text("SELECT title FROM ideas")).scalar() == "Survives the backup"
    engine.dispose()


def test_two_backups_do_not_overwrite_each_other(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["backup", "--dir", str(tmp_path / "b")]).exit_code == 0
    assert len(list((tmp_path / "b").iterdir())) == 2


def test_in_memory_database_is_refused_clearly(app, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the suite runs on PostgreSQL")
    result = app.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path)])
    assert result.exit_code != 0 and "in-memory" in result.output
    assert not list(tmp_path.iterdir())


def test_postgres_backup_restores_with_the_data(app, tmp_path, monkeypatch):
    if db.engine.dialect.name != "postgresql" or not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL) and pg_dump/pg_restore")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "no-uploads"))  # the database alone
    factories.UserFactory(email="kept@example.com")
    result = app.test_cli_runner().invoke(args=["backup", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (dump,) = tmp_path.iterdir()
    assert dump.suffix == ".pgdump" and stat.S_IMODE(dump.stat().st_mode) == 0o600

    url = db.engine.url
    scratch = f"cocreate_restore_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    connection = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
                  "--username", url.username or "postgres"]
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    try:
        restore = [shutil.which("pg_restore"), "--no-owner", "--exit-on-error", *connection, "--dbname", scratch,
                   str(dump)]
        subprocess.run(restore, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603 (our own file)
        restored = sa.create_engine(url.set(database=scratch))
        with restored.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM users WHERE email = 'kept@example.com'")).scalar() == 1
        restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def test_backup_archives_the_uploaded_images(file_app, tmp_path):
    import tarfile

    from cocreate.images import services as images
    from tests.security.world import PNG

    product = factories.ProductFactory()
    image = images.add(images.Target(product), factories.UserFactory(), PNG, alt="Kept")
    db.session.commit()
    result = file_app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    [archive] = (tmp_path / "instance" / "backups").glob("*-uploads.tar.gz")
    assert str(archive) in result.output and stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        assert names == sorted(p.relative_to(tmp_path / "uploads").as_posix() for p in images.paths_of(image))
        member = tar.extractfile(names[0])
        assert member.read() == (tmp_path / "uploads" / names[0]).read_bytes()
