"""Database helpers every feature shares: enum columns, INSERT … ON CONFLICT (and counters added in one upsert),
SQLite's connection settings."""

from __future__ import annotations

import enum
import math
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cocreate.extensions import db


def enum_type(cls: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """An enum stored as its values in a VARCHAR with a CHECK (portable; adding a member needs no ALTER TYPE)."""
    return sa.Enum(cls, name=name, native_enum=False, length=length,
                   values_callable=lambda members: [m.value for m in members], validate_strings=True)


def insert(table: sa.Table | type):
    """INSERT with ``on_conflict_do_nothing`` / ``on_conflict_do_update``, for the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def add_to(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add each row's counters (the columns that are not its primary key) to the stored row with the same key, or
    store it as it is where there is none: one INSERT … ON CONFLICT DO UPDATE for all the rows (a rating moves six
    touchpoints, their emotions and their heat-map cells, cocreate/maturity/stored.py: three statements, not two
    per row). Keys are unique; every row names the same columns."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    columns = tuple(rows[0])
    statement = _ADDING.get((dialect, table.name, columns))
    if statement is None:  # built once per database, table and columns (building one cost more than running it)
        key = [column.name for column in table.primary_key.columns]
        statement = insert(table)
        statement = _ADDING[dialect, table.name, columns] = statement.on_conflict_do_update(
            index_elements=key, set_={name: table.c[name] + statement.excluded[name] for name in columns
                                      if name not in key})
    db.session.execute(statement, list(rows))


_ADDING: dict[tuple[str, str, tuple[str, ...]], sa.Insert] = {}


def _set_sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    try:  # the trending score is computed in SQL (ideas.services.hot_sql)
        cursor.execute("SELECT log10(1)")
    except sqlite3.OperationalError:  # an SQLite built without its math functions: lend it Python's
        dbapi_connection.create_function("log10", 1, math.log10, deterministic=True)
    cursor.close()


def init_app(app) -> None:
    """Foreign keys, WAL, a busy timeout and log10 on every SQLite connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _set_sqlite_pragmas)
