"""Full-text search over ideas: SQLite FTS5 or PostgreSQL text search, behind one function.

The search structures live outside the ORM metadata: `install()` creates them, called by the
migration and after `create_all` (tests). Alembic's env.py ignores them (`is_search_object`).
"""

import re

import sqlalchemy as sa

FTS_TABLE = "ideas_fts"
PG_INDEX = "ix_ideas_fulltext"
PG_DOCUMENT = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))"

_SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title, description, content='ideas', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER IF NOT EXISTS ideas_fts_insert AFTER INSERT ON ideas BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS ideas_fts_delete AFTER DELETE ON ideas BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS ideas_fts_update AFTER UPDATE OF title, description ON ideas BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO {FTS_TABLE}(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
_PG_DDL = [f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON ideas USING gin ({PG_DOCUMENT})"]


def install(connection: sa.Connection) -> None:
    for statement in _SQLITE_DDL if connection.dialect.name == "sqlite" else _PG_DDL:
        connection.execute(sa.text(statement))


def uninstall(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in ("ideas_fts_insert", "ideas_fts_delete", "ideas_fts_update"):
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    else:
        connection.execute(sa.text(f"DROP INDEX IF EXISTS {PG_INDEX}"))


def is_search_object(name: str | None) -> bool:
    return bool(name) and (name.startswith(FTS_TABLE) or name == PG_INDEX)


_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str, limit: int = 12) -> list[str]:
    """The words of a query; everything else (quotes, %, _, operators) is dropped."""
    return _WORD.findall(text.lower())[:limit]


def matching_clause(id_column, text: str, dialect: str, any_word: bool = False):
    """A WHERE clause for ideas matching the query text, or None when it has no words.

    Every word must match as a prefix (any word, with `any_word`, for similar-idea suggestions).
    Values are bound parameters; the query string never becomes SQL.
    """
    terms = words(text)
    if not terms:
        return None
    joiner = " OR " if any_word else " AND "
    if dialect == "sqlite":
        match = joiner.join(f'"{term}"*' for term in terms)  # quoted: FTS5 syntax is inert
        ranked = sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match ORDER BY rank")
        return id_column.in_(ranked.bindparams(match=match).columns(sa.column("rowid")))
    query = (" | " if any_word else " & ").join(f"{term}:*" for term in terms)
    return sa.text(f"{PG_DOCUMENT} @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=query)
