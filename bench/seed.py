"""Seed a fresh database for the load test: 20,000 users, 100,000 ideas, 1,000,000 votes.

    python bench/seed.py sqlite:///bench/cocreate_bench.db
    python bench/seed.py postgresql://postgres@127.0.0.1:5432/cocreate_bench

The schema comes from the models (create_all, with the search structures); the small things
(companies, products with their touchpoints, versions, tags) go through the services; the big tables
are written in bulk: executemany on a raw sqlite3 connection, COPY on PostgreSQL, in chunks. Stored
counters agree with the rows: ideas.vote_count = its votes, ideas.comment_count = its live comments,
ideas.hot = cocreate.ideas.services.hot_score(...). Deterministic (random.Random(8)).

One product, "bench-heavy", holds a fifth of all ideas (20,000): the idea-list numbers are for it.
Every user's password is BENCH_PASSWORD; bench/run.py logs in as user 11 (a customer).
"""

import argparse
import random
import secrets
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from cocreate import create_app  # noqa: E402
from cocreate.config import database_url  # noqa: E402
from cocreate.extensions import db  # noqa: E402

USERS = 20_000
IDEAS = 100_000
VOTES = 1_000_000
COMMENTS = 60_000
COMPANIES = 10
PRODUCTS_PER_COMPANY = 5
HEAVY_SHARE = 0.2
RATINGS_PER_VERSION = 120
CHUNK = 20_000
BENCH_PASSWORD = "bench password 2026"  # noqa: S105  (a load-test fixture, not a secret)
HEAVY_SLUG = "bench-heavy"
STATUSES = (["open"] * 70 + ["under_review"] * 10 + ["planned"] * 7 + ["in_progress"] * 4 + ["shipped"] * 5
            + ["declined"] * 3 + ["merged"] * 1)
WORDS = ["export", "dark", "mode", "faster", "search", "offline", "sync", "calendar", "share", "invite", "tags",
         "filter", "sort", "mobile", "login", "keyboard", "shortcut", "print", "pdf", "csv", "import", "backup",
         "notify", "email", "weekly", "digest", "chart", "colour", "theme", "accessibility", "zoom", "font"]


def log(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)


class Writer:
    """Bulk rows into a table: COPY on PostgreSQL, executemany on SQLite. Values are Python objects."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    @staticmethod
    def _sqlite_value(value):
        if isinstance(value, datetime):  # the format SQLAlchemy's SQLite DateTime writes and reads
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        raw = self.engine.raw_connection()
        count = 0
        try:
            cursor = raw.cursor()
            if self.pg:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
                chunk: list[tuple] = []
                for row in rows:
                    chunk.append(tuple(self._sqlite_value(v) for v in row))
                    if len(chunk) >= CHUNK:
                        cursor.executemany(sql, chunk)
                        count += len(chunk)
                        chunk = []
                if chunk:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
            raw.commit()
        finally:
            raw.close()
        return count


def skewed_counts(total: int, n: int, rng: random.Random, minimum: int = 1) -> list[int]:
    """n integers (each >= minimum) summing to total, long-tailed: a few popular items, many quiet ones."""
    cap = USERS - COMPANIES  # one vote per customer
    weights = [rng.paretovariate(1.3) for _ in range(n)]
    scale = (total - minimum * n) / sum(weights)
    counts = [min(cap, minimum + int(w * scale)) for w in weights]
    rest, i = total - sum(counts), 0
    while rest > 0:  # rounding and the cap: hand out the rest, one each
        if counts[i % n] < cap:
            counts[i % n] += 1
            rest -= 1
        i += 1
    return counts


def seed(url: str) -> None:
    from cocreate.companies.models import Company, Membership, Role
    from cocreate.ideas.models import Tag
    from cocreate.ideas.services import hot_score
    from cocreate.maturity.services import refresh_stages
    from cocreate.products.models import Version
    from cocreate.products.services import create_product

    started = time.monotonic()
    rng = random.Random(8)  # noqa: S311  (reproducible fake data)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "SQLALCHEMY_ENGINE_OPTIONS": {}})
    now = datetime.now(UTC).replace(tzinfo=None)
    today = now.date()
    if url.startswith("sqlite:///"):  # a new file: DROP TABLE with foreign keys on deletes row by row
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    with app.app_context():
        import cocreate.models  # noqa: F401

        db.drop_all()
        db.create_all()
        engine = db.engine
        writer = Writer(engine)
        log("schema created", started)

        # --- users ---------------------------------------------------------------------------------
        password_hash = PasswordHasher().hash(BENCH_PASSWORD)
        user_rows = ((i, f"user{i}@bench.example", f"Bench User {i}", password_hash, "", secrets.token_urlsafe(24),
                      i % 7 == 0, now - timedelta(days=400 - i % 400)) for i in range(1, USERS + 1))
        writer.write("users", ["id", "email", "name", "password_hash", "bio", "session_token", "contact_opt_in",
                               "created_at"], user_rows)
        log(f"{USERS:,} users", started)

        # --- companies, products, touchpoints, versions, tags: through the services -------------------
        products = []
        for c in range(COMPANIES):
            company = Company(name=f"Bench Company {c + 1}", slug=f"bench-co-{c + 1}")
            db.session.add(company)
            db.session.flush()
            db.session.add(Membership(company_id=company.id, user_id=c + 1, role=Role.OWNER))
            for p in range(PRODUCTS_PER_COMPANY):
                slug = HEAVY_SLUG if (c, p) == (0, 0) else f"bench-{c + 1}-{p + 1}"
                product = create_product(company, name=f"Bench product {c + 1}.{p + 1}", slug=slug,
                                         tagline="A product under load", description="Seeded for `make bench`.")
                db.session.flush()
                for label, days in (("v1", 120), ("v2", 20)):
                    db.session.add(Version(product_id=product.id, label=label, notes="", notes_html="",
                                           released_on=today - timedelta(days=days)))
                for name in ("ux", "performance", "mobile", "integrations"):
                    db.session.add(Tag(product_id=product.id, name=name))
                products.append(product)
        db.session.commit()
        product_ids = [p.id for p in products]
        touchpoints = {p.id: [t.id for t in p.touchpoints] for p in products}
        versions = {p.id: [v.id for v in p.versions] for p in products}  # newest first
        tags = dict(db.session.execute(sa.select(Tag.product_id, sa.func.min(Tag.id)).group_by(Tag.product_id)).all())
        team = {p.id: p.company_id for p in products}  # owner of company n is user n
        log(f"{len(products)} products in {COMPANIES} companies", started)

        # --- ideas, votes, comments -------------------------------------------------------------------
        heavy = int(IDEAS * HEAVY_SHARE)
        idea_product = [product_ids[0]] * heavy + [product_ids[1 + i % (len(product_ids) - 1)]
                                                   for i in range(IDEAS - heavy)]
        vote_counts = skewed_counts(VOTES, IDEAS, rng)
        comment_counts = skewed_counts(COMMENTS, IDEAS, rng, minimum=0)
        officials: list[dict] = []
        ideas, votes, comments, idea_tags = [], [], [], []
        vote_id = comment_id = 0
        for n in range(IDEAS):
            idea_id = n + 1
            product_id = idea_product[n]
            created = now - timedelta(seconds=rng.randrange(10, 300 * 86400))
            status = rng.choice(STATUSES)
            voters = rng.sample(range(COMPANIES + 1, USERS + 1), vote_counts[n])
            author = voters[0]
            for k, user_id in enumerate(voters):
                vote_id += 1
                votes.append((vote_id, idea_id, user_id, created + timedelta(minutes=k)))
            responded = created + timedelta(hours=rng.randrange(1, 240)) if status != "open" or n % 3 == 0 else None
            for k in range(comment_counts[n]):
                comment_id += 1
                is_team = k == 0 and responded is not None
                if is_team:
                    officials.append({"comment": comment_id, "idea": idea_id})
                body = f"Comment {k + 1} on idea {idea_id}: {rng.choice(WORDS)} would help."
                comments.append((comment_id, idea_id, team[product_id] if is_team else rng.randrange(11, USERS + 1),
                                 body, f"<p>{body}</p>", is_team, False,
                                 (responded if is_team else created) + timedelta(hours=k + 1)))
            if n % 3 == 0:
                idea_tags.append((idea_id, tags[product_id] + n % 4))
            title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize() + f" #{idea_id}"
            promised = today + timedelta(days=rng.randrange(-60, 90)) if status in ("planned", "in_progress") else None
            shipped_on = today - timedelta(days=rng.randrange(1, 20)) if status == "shipped" else None
            ideas.append((
                idea_id, product_id, author, versions[product_id][0], touchpoints[product_id][n % 6], title,
                f"Seeded idea {idea_id}.", f"<p>Seeded idea {idea_id}.</p>", status, vote_counts[n],
                comment_counts[n], hot_score(vote_counts[n], comment_counts[n], created.replace(tzinfo=UTC)),
                promised, versions[product_id][0] if shipped_on else None, shipped_on,
                None if status != "merged" else max(1, idea_id - 1), responded, created, created,
            ))
        log("rows generated", started)
        writer.write("ideas", ["id", "product_id", "author_id", "version_id", "touchpoint_id", "title", "description",
                               "description_html", "status", "vote_count", "comment_count", "hot", "promised_on",
                               "shipped_version_id", "shipped_on", "merged_into_id", "first_response_at",
                               "created_at", "updated_at"], ideas)
        log(f"{len(ideas):,} ideas", started)
        writer.write("votes", ["id", "idea_id", "user_id", "created_at"], votes)
        log(f"{len(votes):,} votes", started)
        writer.write("comments", ["id", "idea_id", "author_id", "body", "body_html", "is_team", "helpful",
                                  "created_at"], comments)
        writer.write("idea_tags", ["idea_id", "tag_id"], idea_tags)
        log(f"{len(comments):,} comments, {len(idea_tags):,} tags on ideas", started)
        with engine.begin() as conn:  # the team's first comment is the official response
            conn.execute(sa.text("UPDATE ideas SET official_comment_id = :comment WHERE id = :idea"), officials)
        log(f"{len(officials):,} official responses", started)

        # --- ratings of the current and the previous version of every product ---------------------------
        ratings, scores = [], []
        rating_id = 0
        for product_id in product_ids:
            for v, version_id in enumerate(versions[product_id]):
                raters = rng.sample(range(COMPANIES + 1, USERS + 1), RATINGS_PER_VERSION)
                base = 3 + (product_id % 3) * 0.5 - v * 0.4
                for user_id in raters:
                    rating_id += 1
                    ratings.append((rating_id, version_id, user_id, rng.randint(3, 5), rng.random() < 0.4, "",
                                    now - timedelta(days=5), now - timedelta(days=5)))
                    for tp in touchpoints[product_id]:
                        scores.append((rating_id, tp, min(5, max(1, round(rng.gauss(base, 0.9))))))
        writer.write("ratings", ["id", "version_id", "user_id", "expected", "is_returning", "comment", "created_at",
                                 "updated_at"], ratings)
        writer.write("rating_scores", ["rating_id", "touchpoint_id", "score"], scores)
        log(f"{len(ratings):,} ratings, {len(scores):,} scores", started)

        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                for table in ("users", "ideas", "votes", "comments", "ratings"):
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                         f"(SELECT max(id) FROM {table}))"))
            else:
                conn.execute(sa.text("INSERT INTO ideas_fts(ideas_fts) VALUES ('optimize')"))
        with engine.connect() as conn:  # statistics for the planners; on PostgreSQL also the visibility map
            # (index-only scans), as autovacuum would have set it on a database that grew over months
            statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text(statement))
        from cocreate.maturity import stored
        from cocreate.products.models import Version

        stored.rebuild(list(db.session.scalars(sa.select(Version.id))))  # ratings were loaded in bulk
        refresh_stages(products)
        log("maturity sums and figures stored", started)
        from cocreate.ambassadors.scores import refresh_all

        refresh_all()
        log("ambassador scores computed", started)
        db.session.commit()
        check(engine)
        log("done", started)


def check(engine: sa.Engine) -> None:
    """The stored counters agree with the rows."""
    with engine.connect() as conn:
        counts = {t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in ("users", "ideas", "votes")}  # noqa: S608
        wrong = conn.scalar(sa.text(
            "SELECT count(*) FROM ideas i WHERE i.vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)"))
        wrong_comments = conn.scalar(sa.text(
            "SELECT count(*) FROM ideas i WHERE i.comment_count <> "
            "(SELECT count(*) FROM comments c WHERE c.idea_id = i.id AND c.deleted_at IS NULL)"))
    print(f"rows: {counts}; ideas with a wrong vote count: {wrong}, wrong comment count: {wrong_comments}")
    if wrong or wrong_comments or counts != {"users": USERS, "ideas": IDEAS, "votes": VOTES}:
        raise SystemExit("seed check failed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="database URL (the database is emptied first)")
    seed(parser.parse_args().url)
