"""CPU time of a rating on the biggest product, in-process, on a copy of the seeded SQLite file (never the file
itself: every rating is a new row).

    python bench/rating.py bench/cocreate_bench.db                 # 60 first ratings of bench-heavy's version
    python bench/rating.py bench/cocreate_bench.db -n 30 --profile 40

Each rater is a customer who has not rated the product's current version; the log-ins happen before the clock
starts, so the time is the rating POST alone (the form as a browser sends it: every touchpoint scored, what was
expected, first time or not, a comment, an emotion), with the statements it runs. The issue's target is under 10 ms.
"""

import argparse
import cProfile
import io
import pstats
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from seed import BENCH_PASSWORD, HEAVY_SLUG  # noqa: E402

from cocreate import create_app  # noqa: E402
from cocreate.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="the seeded SQLite file (copied first)")
    parser.add_argument("-n", type=int, default=60, help="ratings (default 60)")
    parser.add_argument("--profile", type=int, default=0, metavar="ROWS", help="print cProfile's top ROWS")
    parser.add_argument("--sort", default="cumulative")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "rating.db"
        with sqlite3.connect(options.database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}", "RATELIMIT_ENABLED": False,
                          "PAGE_CACHE_SECONDS": 0, "SECRET_KEY": "bench-only-secret"})
        run(app, options)


def run(app, options) -> None:
    with app.app_context():
        emails = list(db.session.scalars(sa.text(
            "SELECT u.email FROM users u, products p WHERE p.slug = :slug "
            "AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.company_id = p.company_id) "
            "AND NOT EXISTS (SELECT 1 FROM ratings r JOIN versions v ON v.id = r.version_id "
            "                WHERE r.user_id = u.id AND v.product_id = p.id) "
            "ORDER BY u.id LIMIT :n"), {"slug": HEAVY_SLUG, "n": options.n + 5}))
        # The seed's accounts have no confirmed address, and an unconfirmed rater's rating moves no sums: these
        # raters confirmed theirs (on the copy), so each rating takes the whole road of a counted one.
        db.session.execute(sa.text("UPDATE users SET email_verified_at = created_at WHERE email IN :emails")
                           .bindparams(sa.bindparam("emails", expanding=True)), {"emails": emails})
        db.session.commit()
        db.session.remove()
    path = f"/p/{HEAVY_SLUG}/rate"
    posts = []
    for email in emails:
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        response = client.post("/login", data={"csrf_token": token, "email": email, "password": BENCH_PASSWORD})
        assert response.status_code in (302, 303), response.status_code
        form = client.get(path).get_data(as_text=True)
        token = re.search(r'"X-CSRFToken": "([^"]+)"', form).group(1)
        version = re.search(r'name="version_id"[^>]*value="(\d+)"', form) or re.search(
            r'value="(\d+)"[^>]*name="version_id"', form)
        touchpoints = sorted(set(re.findall(r'name="(tp_\d+)"', form)))
        data = {"csrf_token": token, "version_id": version.group(1), "expected": "3", "experience": "first",
                "comment": "Works, mostly.", "feel_0": "joy"}
        data |= {name: str(1 + (i + len(posts)) % 5) for i, name in enumerate(touchpoints)}
        posts.append((client, data))
    warm, timed = posts[:5], posts[5:]
    for client, data in warm:
        assert client.post(path, data=data).status_code in (200, 303)
    statements: list[int] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", lambda *_args: statements.append(1))
    profiler = cProfile.Profile(time.process_time) if options.profile else None
    costs = []
    for client, data in timed:
        if profiler:
            profiler.enable()
        cpu = time.process_time()
        response = client.post(path, data=data)
        costs.append(time.process_time() - cpu)
        if profiler:
            profiler.disable()
        assert response.status_code == 303, response.status_code
    print(f"rating on {HEAVY_SLUG}: median {statistics.median(costs) * 1000:.2f} ms CPU, "
          f"min {min(costs) * 1000:.2f}, max {max(costs) * 1000:.2f} ({len(costs)} ratings), "
          f"{len(statements) / len(costs):.1f} statements", flush=True)
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(options.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
