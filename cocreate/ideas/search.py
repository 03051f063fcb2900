"""Full-text search over ideas: SQLite FTS5 or PostgreSQL text search, behind one function.

The search structures live outside the ORM metadata: `install()` creates them, called by the
migration and after `create_all` (tests). Alembic's env.py ignores them (`is_search_object`).
"""

import re

import sqlalchemy as sa

FTS_TABLE = "ideas_fts"
PG_INDEX = "ix_ideas_fulltext"

# Literal SQL, no interpolation: these are fixed statements.
_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ideas_fts USING fts5("
    "title, description, content='ideas', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER IF NOT EXISTS ideas_fts_insert AFTER INSERT ON ideas BEGIN
        INSERT INTO ideas_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS ideas_fts_delete AFTER DELETE ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS ideas_fts_update AFTER UPDATE OF title, description ON ideas BEGIN
        INSERT INTO ideas_fts(ideas_fts, rowid, title, description)
        VALUES ('delete', old.id, old.title, old.description);
        INSERT INTO ideas_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
    END""",
    "INSERT INTO ideas_fts(ideas_fts) VALUES ('rebuild')",
]
_PG_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_ideas_fulltext ON ideas USING gin "
    "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, '')))"
]
_SQLITE_MATCH = "SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH :match ORDER BY rank"
_PG_MATCH = ("to_tsvector('simple', coalesce(ideas.title, '') || ' ' || coalesce(ideas.description, ''))"
             " @@ to_tsquery('simple', :tsquery)")


def install(connection: sa.Connection) -> None:
    for statement in _SQLITE_DDL if connection.dialect.name == "sqlite" else _PG_DDL:
        connection.execute(sa.text(statement))


def uninstall(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in ("ideas_fts_insert", "ideas_fts_delete", "ideas_fts_update"):
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(sa.text("DROP TABLE IF EXISTS ideas_fts"))
    else:
        connection.execute(sa.text("DROP INDEX IF EXISTS ix_ideas_fulltext"))


def is_search_object(name: str | None) -> bool:
    return name is not None and (name.startswith(FTS_TABLE) or name == PG_INDEX)


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
        ranked = sa.text(_SQLITE_MATCH).bindparams(match=match).columns(sa.column("rowid"))
        return id_column.in_(ranked)
    query = (" | " if any_word else " & ").join(f"{term}:*" for term in terms)
    return sa.text(_PG_MATCH).bindparams(tsquery=query)


# Ranked candidates for similar-idea suggestions: the title weighs three times the description (bm25's column
# weights; PostgreSQL: the title as weight A, 1.0, the description as weight B, 0.4).
_PG_WEIGHTED = ("setweight(to_tsvector('simple', coalesce(ideas.title, '')), 'A') || "
                "setweight(to_tsvector('simple', coalesce(ideas.description, '')), 'B')")


def ranked_candidates(query: sa.Select, terms: list[str], dialect: str, limit: int) -> sa.Select:
    """``query`` (a select of ideas) narrowed to ideas containing any of ``terms`` (each a prefix), ordered by the
    engine's relevance ranking, best first: one statement on the full-text index."""
    if dialect == "sqlite":
        match = " OR ".join(f'"{term}"*' for term in terms)  # quoted: FTS5 syntax is inert
        fts = sa.table("ideas_fts", sa.column("rowid"))
        bm25 = sa.func.bm25(sa.literal_column("ideas_fts"), 3.0, 1.0)  # lower is better
        return (query.join(fts, fts.c.rowid == sa.literal_column("ideas.id"))
                .where(sa.literal_column("ideas_fts").op("MATCH")(match))
                .order_by(bm25, sa.literal_column("ideas.id").desc()).limit(limit))
    tsquery = " | ".join(f"{term}:*" for term in terms)
    rank = sa.text(f"ts_rank({_PG_WEIGHTED}, to_tsquery('simple', :ranked_tsquery)) DESC").bindparams(
        ranked_tsquery=tsquery)
    return (query.where(sa.text(_PG_MATCH).bindparams(tsquery=tsquery))
            .order_by(rank, sa.literal_column("ideas.id").desc()).limit(limit))
