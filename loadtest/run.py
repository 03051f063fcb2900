"""`make loadtest`: a scratch SQLite database with the demo, gunicorn (2 workers, production settings and
rate limits on) on 127.0.0.1, then locust headless for 60 s with 16 customers. Fails on any error answer.

locust lives in its own virtualenv (.venv-load, made by the Makefile): it pins its own gevent and Flask.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
DURATION = os.environ.get("LOADTEST_DURATION", "60s")
USERS = os.environ.get("LOADTEST_USERS", "16")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="cocreate-load-"))
    port = free_port()
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": f"sqlite:///{work / 'load.db'}",
           "COCREATE_ENV": "development", "RATELIMIT_ENABLED": "1", "SECRET_KEY": os.urandom(16).hex()}
    env.pop("REDIS_URL", None)
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL)
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",  # noqa: S603
                               "wsgi:app"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()  # noqa: S310
                break
            except OSError:
                time.sleep(0.3)
        result = subprocess.run([str(LOCUST), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",  # noqa: S603
                                 "--host", f"http://127.0.0.1:{port}", "--users", USERS, "--spawn-rate", "4",
                                 "--run-time", DURATION, "--stop-timeout", "5", "--only-summary",
                                 "--exit-code-on-error", "1", "--csv", str(work / "stats")],
                                cwd=ROOT, timeout=180)
        print((work / "stats_stats.csv").read_text() if (work / "stats_stats.csv").exists() else "")
        failures = work / "stats_failures.csv"
        if failures.exists() and len(failures.read_text().splitlines()) > 1:
            print("Failures:\n" + failures.read_text())
            return 1
        return result.returncode
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
