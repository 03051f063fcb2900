"""`flask backup`: a consistent copy of the database under instance/backups/.

SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot while the site keeps
running, then the copy is checked with PRAGMA integrity_check. PostgreSQL: pg_dump in its custom format
(restore with pg_restore), reading DATABASE_URL's host, port, user, password and database.
Uploaded images are archived beside it (cocreate-<stamp>-uploads.tar.gz), after the database copy: image
files never change once written, so every image row of the copy has its file in the archive (unless it was
deleted in the seconds between the two). Restore: the database as above, then `tar -xzf` into UPLOAD_FOLDER.
Backups are readable by their owner only (0600); the directory is 0700.
"""

import os
import shutil
import sqlite3
import subprocess  # runs pg_dump only, with a fixed argument list and no shell  # nosec B404
import tarfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from cocreate.extensions import utcnow

PG_DUMP_TIMEOUT = 60 * 60


class BackupError(Exception):
    pass


def backup(url: sa.URL, directory: Path, now: datetime | None = None, uploads: Path | None = None) -> list[Path]:
    """Write a backup of the database at `url` (and of the `uploads` folder, if it has files) into `directory`;
    return the files written."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = (now or utcnow()).strftime("%Y%m%dT%H%M%S%fZ")
    backend = url.get_backend_name()
    if backend == "sqlite":
        target = directory / f"cocreate-{stamp}.sqlite3"
        _sqlite(url, target)
    elif backend == "postgresql":
        target = directory / f"cocreate-{stamp}.pgdump"
        _postgres(url, target)
    else:
        raise BackupError(f"No backup method for {backend} databases.")
    written = [target]
    if uploads is not None and uploads.is_dir() and any(p.is_file() for p in uploads.rglob("*")):
        written.append(_archive(uploads, directory / f"cocreate-{stamp}-uploads.tar.gz"))
    return written


def _archive(folder: Path, target: Path) -> Path:
    target.touch(mode=0o600)
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith(".upload-"):  # not a half-written upload
                archive.add(path, arcname=path.relative_to(folder).as_posix())
    return target


def _sqlite(url: sa.URL, target: Path) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database has nothing on disk to back up.")
    if not Path(database).exists():
        raise BackupError(f"There is no database file at {database}.")
    source = sqlite3.connect(f"file:{Path(database).resolve().as_posix()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one consistent snapshot, even while others write (WAL included)
        problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    os.chmod(target, 0o600)
    if problem != "ok":
        target.unlink()
        raise BackupError(f"The copy failed its integrity check: {problem}")


def _postgres(url: sa.URL, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: postgresql-client).")
    if not url.database:
        raise BackupError("DATABASE_URL names no database.")
    command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
               "--dbname", url.database]
    if url.host:
        command += ["--host", url.host]
    if url.port:
        command += ["--port", str(url.port)]
    if url.username:
        command += ["--username", url.username]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where `ps` would show it
    target.touch(mode=0o600)
    try:
        # The argument list is fixed here; the values come from the operator's own DATABASE_URL, no shell.
        subprocess.run(command, env=env, check=True, capture_output=True, text=True,  # noqa: S603  # nosec B603
                       timeout=PG_DUMP_TIMEOUT)
    except subprocess.CalledProcessError as error:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {error.stderr.strip()}") from error
    except subprocess.TimeoutExpired as error:
        target.unlink(missing_ok=True)
        raise BackupError("pg_dump took longer than an hour and was stopped.") from error
