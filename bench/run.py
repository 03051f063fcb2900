"""`make bench`: seed, serve with gunicorn (2 sync workers) beside a Flask hello-world, load with wrk.

    python bench/run.py                       # SQLite and PostgreSQL, seeding both first (3 rounds of 10 s)
    python bench/run.py --db sqlite --no-seed # reuse bench/cocreate_bench.db
    python bench/run.py --quick               # the seeded data again: 1 round of 3 s a page, under 3 minutes

A round loads the hello-world, every page and the vote, and the hello-world again, each with
`wrk -t2 -c16` on 127.0.0.1; rounds are interleaved (round 1 of every page, then round 2 ...) and the
table shows medians. A page's ratio is its req/s over the mean of its round's two hello-world runs.
Beside req/s: the server's CPU time per request (the gunicorn workers' user + system time from /proc,
before and after the wrk run, over the requests it completed), and after the run each worker's
resident memory. Results are printed as a table and written into docs/performance.md between the
`bench:results` markers. Needs wrk (Debian: apt-get install wrk) and, for PostgreSQL, a server on
127.0.0.1 that trusts the local user (BENCH_PG_URL, default the database cocreate_bench).
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
import statistics
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
SQLITE_URL = os.environ.get("BENCH_SQLITE_URL", f"sqlite:///{BENCH / 'cocreate_bench.db'}")
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
    "home": None,  # no target of its own (QUALITY.md): measured because every visit starts there
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
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


def workers(server: subprocess.Popen) -> list[int]:
    """The gunicorn master's worker processes."""
    pids: list[int] = []
    for task in Path(f"/proc/{server.pid}/task").iterdir():
        with contextlib.suppress(OSError):
            pids += [int(pid) for pid in (task / "children").read_text().split()]
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measured(server: subprocess.Popen, url: str, seconds: int, script: Path, args: list[str] | None = None) -> dict:
    """wrk's numbers, and the server's CPU time per completed request."""
    pids = workers(server)
    before = cpu_seconds(pids)
    result = wrk(url, seconds, script, args)
    result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(1, result["requests"])
    return result


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


def bench_backend(name: str, url: str, seconds: int, seed: bool, rounds: int) -> dict:
    if seed:
        subprocess.run([sys.executable, str(BENCH / "seed.py"), url], check=True)
    from seed import BENCH_PASSWORD, HEAVY_SLUG  # noqa: PLC0415  (bench/ is on sys.path when run as a script)

    company, idea_ids, has_leaderboard = database_facts(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only-secret", "PYTHONPATH": str(ROOT)}
    env.pop("COCREATE_ENV", None)
    app_port, hello_port = free_port(), free_port()
    app_server, hello_server = gunicorn("app:app", app_port, env, BENCH), gunicorn("hello:app", hello_port, env, BENCH)
    pages: dict[str, list[dict] | dict | None] = {}
    hello: list[list[dict]] = []
    try:
        wait_up(app_port)
        wait_up(hello_port)
        base = f"http://127.0.0.1:{app_port}"
        # (path, kind, logged in as): the leaderboard is for the company's team (user 1 owns bench-co-1).
        plan = {"home": ("/", "home", None)}
        plan.update({f"ideas ({sort})": (f"/p/{HEAVY_SLUG}/ideas?sort={sort}", "list", None)
                     for sort in ("trending", "top", "new", "discussed")})
        plan["ideas (trending, signed in)"] = (f"/p/{HEAVY_SLUG}/ideas?sort=trending", "list (signed in)",
                                               "user11@bench.example")
        plan["board"] = ("/board", "board", None)
        plan["maturity page"] = (f"/p/{HEAVY_SLUG}/maturity", "page", None)
        plan["idea page"] = (f"/p/{HEAVY_SLUG}/ideas/{idea_ids[0]}", "page", None)
        plan["ambassador leaderboard"] = (f"/c/{company}/ambassadors", "leaderboard", "user1@bench.example")
        cookie, token = session_for(app_port, "user11@bench.example", BENCH_PASSWORD, f"/p/{HEAVY_SLUG}/ideas")
        report = BENCH / "report.lua"
        cookies: dict[str, str] = {}
        for label, (path, kind, who) in plan.items():
            if kind == "leaderboard" and not has_leaderboard:
                pages[label] = None
                continue
            cookies[label] = session_for(app_port, who, BENCH_PASSWORD, path)[0] if who else ""
            request = urllib.request.Request(base + path, headers={"Cookie": cookies[label]})
            try:
                for _ in range(10):  # warms the templates and checks the page answers 200
                    with urllib.request.urlopen(request) as response:  # noqa: S310
                        response.read()
            except urllib.error.HTTPError as error:
                pages[label] = {"failed": f"HTTP {error.code}"}
                print(f"== {name}: {label}: HTTP {error.code}, not measured", flush=True)
                continue
            pages[label] = []
        pages["vote (toggle)"] = []
        for n in range(1, rounds + 1):
            print(f"\n== {name}, round {n} of {rounds}: hello-world", flush=True)
            hello.append([measured(hello_server, f"http://127.0.0.1:{hello_port}/", seconds, report)])
            for label, (path, kind, who) in plan.items():
                runs = pages.get(label)
                if not isinstance(runs, list):
                    continue
                print(f"== {name}, round {n}: {label} {path}", flush=True)
                args = [cookies[label]] if who else []
                runs.append({**measured(app_server, base + path, seconds, report, args), "kind": kind})
            print(f"== {name}, round {n}: vote toggle", flush=True)
            votes = pages["vote (toggle)"]
            assert isinstance(votes, list)
            votes.append({**measured(app_server, base + "/", seconds, BENCH / "vote.lua",
                                     [cookie, token, HEAVY_SLUG, ",".join(map(str, idea_ids))]), "kind": "vote"})
            print(f"== {name}, round {n}: hello-world again", flush=True)
            hello[-1].append(measured(hello_server, f"http://127.0.0.1:{hello_port}/", seconds, report))
        rss = [rss_mb(pid) for pid in workers(app_server)]
    finally:
        for server in (app_server, hello_server):
            server.terminate()
        for server in (app_server, hello_server):
            server.wait(timeout=30)
    ceilings = [sum(h["rps"] for h in pair) / len(pair) for pair in hello]
    return {"hello": hello, "ceilings": ceilings, "pages": pages, "rss": rss, "rounds": rounds}


def median_run(runs: list[dict], ceilings: list[float]) -> dict:
    """The median of each number over the rounds; the ratio is each round's req/s over that round's ceiling."""
    keys = ("rps", "p50_us", "p99_us", "cpu_ms")
    result = {key: statistics.median(r[key] for r in runs) for key in keys}
    result["ratio"] = statistics.median(r["rps"] / ceiling for r, ceiling in zip(runs, ceilings, strict=True))
    result["socket_errors"] = sum(r["socket_errors"] for r in runs)
    result["bad_status"] = sum(r["bad_status"] for r in runs)
    result["kind"] = runs[0]["kind"]
    return result


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


def table(runs: dict[str, dict], seconds: int, load: str) -> str:
    rounds = max(run["rounds"] for run in runs.values())
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `wrk -t2 -c16 -d{seconds}s` on 127.0.0.1, {rounds} interleaved "
        f"round{'s' if rounds > 1 else ''} (medians), gunicorn with 2 sync workers (bench/app.py: rate limits off). "
        f"Machine: {machine()}. Load: {load}.",
        "",
        "| database | page or action | req/s | server CPU ms / request | p50 ms | p99 ms "
        "| errors (socket or timeout / HTTP ≥ 400) | ratio to hello-world | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    for backend, run in runs.items():
        first, last = run["hello"][0][0], run["hello"][-1][-1]
        hello = [h for pair in run["hello"] for h in pair]
        lines.append(f"| {backend} | hello-world (first / last) | {first['rps']:.0f} / {last['rps']:.0f} "
                     f"| {statistics.median(h['cpu_ms'] for h in hello):.2f} "
                     f"| {statistics.median(h['p50_us'] for h in hello) / 1000:.1f} "
                     f"| {statistics.median(h['p99_us'] for h in hello) / 1000:.1f} | "
                     f"{sum(h['socket_errors'] + h['bad_status'] for h in hello)} | 100 % | | |")
        for label, runs_of_page in run["pages"].items():
            if runs_of_page is None:
                lines.append(f"| {backend} | {label} | n/a | | | | | | | |")
                continue
            if isinstance(runs_of_page, dict):
                lines.append(f"| {backend} | {label} | {runs_of_page['failed']} | | | | | | | **no** |")
                continue
            r = median_run(runs_of_page, run["ceilings"])
            target = TARGETS[r["kind"]]
            errors = r["socket_errors"] + r["bad_status"]
            if target is None:
                goal, met = "–", "–"
            else:
                goal = f"≥ {target[backend]:.0%}"
                fast = r["p50_us"] / 1000 < P50_MS and r["p99_us"] / 1000 < P99_MS
                met = "yes" if r["ratio"] >= target[backend] and fast and not errors else "**no**"
            lines.append(f"| {backend} | {label} | {r['rps']:.0f} | {r['cpu_ms']:.2f} | {r['p50_us'] / 1000:.1f} | "
                         f"{r['p99_us'] / 1000:.1f} | {r['socket_errors']} / {r['bad_status']} | {r['ratio']:.1%} | "
                         f"{goal} | {met} |")
    memory = "; ".join(f"{backend} {', '.join(f'{mb:.0f} MB' for mb in run['rss'])}" for backend, run in runs.items())
    memory = "; ".join(f"{backend} {', '.join(f'{mb:.0f} MB' for mb in run['rss'])}" for backend, run in runs.items())
    lines += ["", f"`met` needs the ratio, p50 < {P50_MS} ms, p99 < {P99_MS} ms and no errors. Server CPU is the two "
              f"workers' user + system time over the requests they answered. Worker memory (RSS) after the run: "
              f"{memory} (the goal: each under 200 MB)."]
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
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the table shows medians")
    parser.add_argument("--quick", action="store_true",
                        help="the seeded databases again, 1 round of 3 s a page: under 3 minutes for both")
    parser.add_argument("--load", default="", help="what else ran on the machine, for the table's heading")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/performance.md alone")
    options = parser.parse_args()
    if options.quick:
        options.no_seed, options.seconds, options.rounds = True, 3, 1
    load = options.load or f"load average {os.getloadavg()[0]:.1f} at the start"
    sys.path.insert(0, str(BENCH))
    runs = {}
    if options.db in ("sqlite", "both"):
        runs["sqlite"] = bench_backend("sqlite", SQLITE_URL, options.seconds, not options.no_seed, options.rounds)
    if options.db in ("postgresql", "both"):
        if not options.no_seed:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_URL.rsplit("/", 1)[1]],
                           capture_output=True)  # exists already: fine, seed.py empties it
        runs["postgresql"] = bench_backend("postgresql", PG_URL, options.seconds, not options.no_seed,
                                           options.rounds)
    text = table(runs, options.seconds, load)
    print("\n" + text)
    if not options.no_doc:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
