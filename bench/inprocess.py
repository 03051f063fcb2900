"""Time (and optionally profile) the bench's pages in-process, with Flask's test client on a seeded database.

    python bench/inprocess.py sqlite:///bench/cocreate_bench.db            # ms per request, queries per request
    python bench/inprocess.py postgresql://postgres@127.0.0.1/cocreate_bench --only vote --profile 25

Single-threaded CPU time per request, free of wrk, gunicorn and the load of other processes on the machine:
what a page costs the server. ``--profile N`` prints cProfile's top functions (cumulative) for that page.
Visitors' pages are measured past the page cache (PAGE_CACHE_SECONDS=0): what a cache miss costs.
"""

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from seed import BENCH_PASSWORD, HEAVY_SLUG  # noqa: E402

from cocreate import create_app  # noqa: E402
from cocreate.config import database_url  # noqa: E402
from cocreate.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("-n", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--only", help="only the pages whose name contains this")
    parser.add_argument("--profile", type=int, default=0, metavar="ROWS", help="print cProfile's top ROWS")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative (default) or tottime")
    options = parser.parse_args()

    url = options.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):  # relative to here, not to instance/
        url = "sqlite:///" + str(Path(url[len("sqlite:///"):]).resolve())
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "RATELIMIT_ENABLED": False,
                      "PAGE_CACHE_SECONDS": 0, "SECRET_KEY": "bench-only-secret"})
    with app.app_context():
        ideas = list(db.session.scalars(sa.text(
            "SELECT i.id FROM ideas i JOIN products p ON p.id = i.product_id WHERE p.slug = :slug "
            "AND i.status IN ('open', 'under_review', 'planned', 'in_progress') ORDER BY i.id LIMIT 200"),
            {"slug": HEAVY_SLUG}))
        company = db.session.scalar(sa.text(
            "SELECT c.slug FROM companies c JOIN products p ON p.company_id = c.id WHERE p.slug = :slug"),
            {"slug": HEAVY_SLUG})
        db.session.remove()

    def client_for(email: str | None):
        client = app.test_client()
        if email:
            html = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
            response = client.post("/login", data={"csrf_token": token, "email": email, "password": BENCH_PASSWORD})
            assert response.status_code in (302, 303), response.status_code
        return client

    customer, owner, visitor = (client_for("user11@bench.example"), client_for("user1@bench.example"),
                                client_for(None))
    ideas_path = f"/p/{HEAVY_SLUG}/ideas?sort=trending"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', customer.get(ideas_path).get_data(as_text=True)).group(1)
    votes = iter(range(10**9))

    def vote():
        n = next(votes)
        return customer.post(f"/p/{HEAVY_SLUG}/ideas/{ideas[(n // 2) % len(ideas)]}/vote",
                             data={"csrf_token": token, "vote": str(1 - n % 2)},
                             headers={"HX-Request": "true", "X-CSRFToken": token})

    pages = {
        "home": lambda: visitor.get("/"),
        "ideas (trending)": lambda: visitor.get(ideas_path),
        "ideas (trending, signed in)": lambda: customer.get(ideas_path),
        "board": lambda: visitor.get("/board"),
        "idea page": lambda: visitor.get(f"/p/{HEAVY_SLUG}/ideas/{ideas[0]}"),
        "maturity page": lambda: visitor.get(f"/p/{HEAVY_SLUG}/maturity"),
        "ambassador leaderboard": lambda: owner.get(f"/c/{company}/ambassadors"),
        "vote (toggle)": vote,
    }
    statements: list[int] = []
    for name, call in pages.items():
        if options.only and options.only not in name:
            continue
        for _ in range(10):
            response = call()
            assert response.status_code == 200, (name, response.status_code)
        with app.app_context():
            engine = db.engine
        statements.clear()

        def count(*_args):
            statements.append(1)

        sa.event.listen(engine, "after_cursor_execute", count)
        profiler = cProfile.Profile(time.process_time) if options.profile else None  # CPU time, not waiting
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(options.n):
            call()
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        sa.event.remove(engine, "after_cursor_execute", count)
        print(f"{name:32s} {wall / options.n * 1000:6.2f} ms wall  {cpu / options.n * 1000:6.2f} ms CPU  "
              f"{len(statements) / options.n:5.1f} queries", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(options.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
