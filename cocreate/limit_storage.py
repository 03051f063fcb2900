"""Rate-limit counters in a SQL database, so that every worker process of the site counts together.

Flask-Limiter's in-memory storage counts per process: with four gunicorn workers a limit of 30 votes a minute
let 120 through, and each worker had its own count of failed log-ins (issue 15.6). Redis is shared, but
``make run`` must not need it. This is a storage for the `limits` library (which Flask-Limiter uses) that keeps
one row per counter in a SQL table: by default a SQLite file in ``instance/`` (every worker of one host shares
it), or any PostgreSQL database (every host shares it).

    RATELIMIT_STORAGE_URI = "db+sqlite:////srv/cocreate/instance/ratelimits.db"
    RATELIMIT_STORAGE_URI = "db+postgresql://user@host/limits"

What follows ``db+`` is a SQLAlchemy URL. Use a database (or file) of its own, not the site's: the table is made
here on first use, not by the migrations. Each increment is one atomic ``INSERT … ON CONFLICT DO UPDATE …
RETURNING``, so racing workers never lose a count. Only the fixed-window strategy (Flask-Limiter's default) is
supported: the moving window would need a row per hit.
"""

from __future__ import annotations

import os
import threading
import time

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

SCHEME = "db+"
TABLE = "rate_limit_counters"
# Expired counters are deleted by the process that makes every PURGE_EVERY-th increment.
PURGE_EVERY = 500

_metadata = sa.MetaData()
counters = sa.Table(
    TABLE, _metadata,
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # Unix time
)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")  # workers take turns writing (first: WAL's switch waits too)
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # a counter lost in a power cut is no loss
    cursor.close()


class SQLStorage(Storage):
    """Counters for the fixed-window strategy in one SQL table (see the module's docstring)."""

    STORAGE_SCHEME = ["db+sqlite", "db+postgresql", "db+postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        url = uri.removeprefix(SCHEME)
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        self.url = sa.make_url(url)
        self._engine: sa.Engine | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    @property
    def engine(self) -> sa.Engine:
        """One engine per process, made on first use: a connection is never shared across a fork (gunicorn
        forks its workers after loading the app)."""
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                if self.url.get_backend_name() == "sqlite":
                    database = self.url.database or ""
                    if database and database != ":memory:":
                        os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
                    engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
                    sa.event.listen(engine, "connect", _sqlite_pragmas)
                else:
                    engine = sa.create_engine(self.url, pool_pre_ping=True, pool_size=2, max_overflow=8)
                with engine.begin() as connection:  # IF NOT EXISTS: workers starting together race here
                    connection.execute(sa.schema.CreateTable(counters, if_not_exists=True))
                self._engine, self._pid = engine, os.getpid()
            return self._engine

    def _insert(self):
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(counters)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the counter and return it; a counter whose window ended starts again at `amount`."""
        now = time.time()
        statement = self._insert().values(key=key, count=amount, expires_at=now + expiry)
        expired = counters.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[counters.c.key],
            set_={"count": sa.case((expired, amount), else_=counters.c.count + amount),
                  "expires_at": sa.case((expired, now + expiry), else_=counters.c.expires_at)},
        ).returning(counters.c.count)
        with self.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
        self._increments += 1
        if self._increments % PURGE_EVERY == 0:
            with self.engine.begin() as connection:
                connection.execute(sa.delete(counters).where(counters.c.expires_at <= now))
        return int(count)

    def _row(self, key: str):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(counters.c.count, counters.c.expires_at)
                                      .where(counters.c.key == key, counters.c.expires_at > time.time())).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(sa.select(1))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(sa.delete(counters)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(counters).where(counters.c.key == key))


def default_uri(instance_path: str) -> str:
    """Without RATELIMIT_STORAGE_URI and REDIS_URL: a SQLite file beside the task broker's, in instance/."""
    return f"{SCHEME}sqlite:///{os.path.join(os.path.abspath(instance_path), 'ratelimits.db')}"
