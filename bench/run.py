"""`make bench`: seed, serve with gunicorn (2 sync workers) beside a Flask hello-world, load with wrk.

    python bench/run.py                       # SQLite and PostgreSQL, seeding both first
    python bench/run.py --db sqlite --no-seed # reuse bench/cocreate_bench.db

Every page and the vote are loaded with `wrk -t2 -c16 -d10s` on 127.0.0.1, one after another; the
hello-world is loaded before and after them and the mean is the run's ceiling. Results are printed as
a table (req/s, p50, p99, ratio to hello-world, target) and written into docs/performance.md between
the `bench:results` markers. Needs wrk (Debian: apt-get install wrk) and, for PostgreSQL, a server on
127.0.0.1 that trusts the local user (createdb cocreate_bench).
"""

# ruff: noqa: S310, S603, S607  (a local tool: fixed commands, URLs on 127.0.0.1)
import argparse
import contextlib
import http.cookiejar
import json
import os
import platform
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "performance.md"
SQLITE_URL = f"sqlite:///{BENCH / 'cocreate_bench.db'}"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/cocreate_bench")
WRK = ["wrk", "-t2", "-c16"]
# (ratio to hello-world) per backend, from ../shared/QUALITY.md
TARGETS = {
    "list": {"sqlite": 0.20, "postgresql": 0.15},
    "list (signed in)": {"sqlite": 0.12, "postgresql": 0.08},
    "page": {"sqlite": 0.15, "postgresql": 0.10},
    "board": {"sqlite": 0.20, "postgresql": 0.15},
    "vote": {"sqlite": 0.15, "postgresql": 0.08},
    "leaderboard": {"sqlite": 0.15, "postgresql": 0.10},
}
P50_MS, P99_MS = 25, 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str = "/", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not come up")


def gunicorn(app: str, port: int, env: dict, chdir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--chdir", str(chdir), "--log-level", "warning", app],
        env=env,
    )


def wrk(url: str, seconds: int, script: Path, args: list[str] | None = None) -> dict:
    command = [*WRK, f"-d{seconds}s", "-s", str(script), url]
    if args:
        command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    result = json.loads(line[len("WRKJSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def session_for(port: int, email: str, password: str, page: str) -> tuple[str, str]:
    """Log in like a browser; return the session cookie and a CSRF token from `page`."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"

    def token(html: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if not match:
            raise SystemExit("no CSRF token found")
        return match.group(1)

    login_page = opener.open(base + "/login").read().decode()
    body = urllib.parse.urlencode({"csrf_token": token(login_page), "email": email, "password": password}).encode()
    opener.open(base + "/login", data=body).read()
    html = opener.open(base + page).read().decode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "Log out" not in html and "logout" not in html:
        raise SystemExit("bench login failed")
    return cookie, token(html)


def database_facts(url: str) -> tuple[str, list[int], bool]:
    """(company slug, open idea ids of the heavy product, whether the leaderboard route exists)."""
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from cocreate import create_app
    from cocreate.config import database_url
    from cocreate.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "SQLALCHEMY_ENGINE_OPTIONS": {}})
    leaderboard = any(rule.rule == "/c/<slug>/ambassadors" for rule in app.url_map.iter_rules())
    with app.app_context():
        ids = list(db.session.scalars(sa.text(
            "SELECT i.id FROM ideas i JOIN products p ON p.id = i.product_id WHERE p.slug = 'bench-heavy' "
            "AND i.status IN ('open', 'under_review', 'planned', 'in_progress') ORDER BY i.id LIMIT 200")))
        slug = db.session.scalar(sa.text(
            "SELECT c.slug FROM companies c JOIN products p ON p.company_id = c.id WHERE p.slug = 'bench-heavy'"))
        db.engine.dispose()
    return slug, ids, leaderboard


def bench_backend(name: str, url: str, seconds: int, seed: bool) -> dict:
    if seed:
        subprocess.run([sys.executable, str(BENCH / "seed.py"), url], check=True)
    from seed import BENCH_PASSWORD, HEAVY_SLUG  # noqa: PLC0415  (bench/ is on sys.path when run as a script)

    company, idea_ids, has_leaderboard = database_facts(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only-secret", "PYTHONPATH": str(ROOT)}
    env.pop("COCREATE_ENV", None)
    app_port, hello_port = free_port(), free_port()
    servers = [gunicorn("app:app", app_port, env, BENCH), gunicorn("hello:app", hello_port, env, BENCH)]
    results: dict[str, dict | None] = {}
    try:
        wait_up(app_port)
        wait_up(hello_port)
        base = f"http://127.0.0.1:{app_port}"
        # (path, kind, logged in as): the leaderboard is for the company's team (user 1 owns bench-co-1).
        pages = {f"ideas ({sort})": (f"/p/{HEAVY_SLUG}/ideas?sort={sort}", "list", None)
                 for sort in ("trending", "top", "new", "discussed")}
        pages["ideas (trending, signed in)"] = (f"/p/{HEAVY_SLUG}/ideas?sort=trending", "list (signed in)",
                                                "user11@bench.example")
        pages["board"] = ("/board", "board", None)
        pages["maturity page"] = (f"/p/{HEAVY_SLUG}/maturity", "page", None)
        pages["idea page"] = (f"/p/{HEAVY_SLUG}/ideas/{idea_ids[0]}", "page", None)
        pages["ambassador leaderboard"] = (f"/c/{company}/ambassadors", "leaderboard", "user1@bench.example")
        cookie, token = session_for(app_port, "user11@bench.example", BENCH_PASSWORD, f"/p/{HEAVY_SLUG}/ideas")
        report = BENCH / "report.lua"
        print(f"\n== {name}: hello-world", flush=True)
        hello = [wrk(f"http://127.0.0.1:{hello_port}/", seconds, report)]
        for label, (path, kind, who) in pages.items():
            if kind == "leaderboard" and not has_leaderboard:
                results[label] = None
                print(f"== {name}: {label}: n/a (no such route yet)", flush=True)
                continue
            page_cookie = session_for(app_port, who, BENCH_PASSWORD, path)[0] if who else ""
            request = urllib.request.Request(base + path, headers={"Cookie": page_cookie})
            try:
                for _ in range(10):  # warms the templates and checks the page answers 200
                    with urllib.request.urlopen(request) as response:  # noqa: S310
                        status = response.status
            except urllib.error.HTTPError as error:
                results[label] = {"failed": f"HTTP {error.code}"}
                print(f"== {name}: {label}: HTTP {error.code}, not measured", flush=True)
                continue
            print(f"== {name}: {label} {path} (HTTP {status})", flush=True)
            results[label] = {**wrk(base + path, seconds, report, [page_cookie] if who else []), "kind": kind}
        print(f"== {name}: vote toggle", flush=True)
        results["vote (toggle)"] = {
            **wrk(base + "/", seconds, BENCH / "vote.lua", [cookie, token, HEAVY_SLUG, ",".join(map(str, idea_ids))]),
            "kind": "vote",
        }
        print(f"== {name}: hello-world again", flush=True)
        hello.append(wrk(f"http://127.0.0.1:{hello_port}/", seconds, report))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    ceiling = sum(h["rps"] for h in hello) / len(hello)
    return {"hello": hello, "ceiling": ceiling, "pages": results}


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
                        capture_output=True, text=True).stdout.strip() or "not reached"
    return (f"{os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg}, {wrk_version.split('[')[0].strip()}")


def table(runs: dict[str, dict], seconds: int) -> str:
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `wrk -t2 -c16 -d{seconds}s` on 127.0.0.1, "
        "gunicorn with 2 sync workers (bench/app.py: rate limits off). Machine: " + machine() + ".",
        "",
        "| database | page or action | req/s | p50 ms | p99 ms | errors (socket or timeout / HTTP ≥ 400) "
        "| ratio to hello-world | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for backend, run in runs.items():
        hello = run["hello"]
        lines.append(f"| {backend} | hello-world (before / after) | {hello[0]['rps']:.0f} / {hello[-1]['rps']:.0f} "
                     f"| {hello[0]['p50_us'] / 1000:.1f} | {hello[0]['p99_us'] / 1000:.1f} | "
                     f"{hello[0]['socket_errors'] + hello[0]['bad_status']} | 100 % | | |")
        for label, r in run["pages"].items():
            if r is None:
                lines.append(f"| {backend} | {label} | n/a | | | | | | |")
                continue
            if "failed" in r:
                lines.append(f"| {backend} | {label} | {r['failed']} | | | | | | **no** |")
                continue
            ratio = r["rps"] / run["ceiling"]
            target = TARGETS[r["kind"]][backend]
            fast = r["p50_us"] / 1000 < P50_MS and r["p99_us"] / 1000 < P99_MS
            errors = r["socket_errors"] + r["bad_status"]
            met = "yes" if ratio >= target and fast and not errors else "**no**"
            lines.append(f"| {backend} | {label} | {r['rps']:.0f} | {r['p50_us'] / 1000:.1f} | "
                         f"{r['p99_us'] / 1000:.1f} | {r['socket_errors']} / {r['bad_status']} | {ratio:.0%} | "
                         f"≥ {target:.0%} | {met} |")
    lines += ["", f"`met` needs the ratio, p50 < {P50_MS} ms, p99 < {P99_MS} ms and no errors."]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    start, end = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
    doc = DOC.read_text() if DOC.exists() else f"# Performance\n\n{start}\n{end}\n"
    if start not in doc:
        doc += f"\n{start}\n{end}\n"
    before, rest = doc.split(start, 1)
    after = rest.split(end, 1)[1]
    DOC.write_text(f"{before}{start}\n{text}\n{end}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Load-test the app against a hello-world ceiling.")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--no-seed", action="store_true", help="reuse the databases seeded by an earlier run")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    options = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    runs = {}
    if options.db in ("sqlite", "both"):
        runs["sqlite"] = bench_backend("sqlite", SQLITE_URL, options.seconds, not options.no_seed)
    if options.db in ("postgresql", "both"):
        if not options.no_seed:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "cocreate_bench"],
                           capture_output=True)  # exists already: fine, seed.py empties it
        runs["postgresql"] = bench_backend("postgresql", PG_URL, options.seconds, not options.no_seed)
    text = table(runs, options.seconds)
    print("\n" + text)
    if not options.no_doc:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
