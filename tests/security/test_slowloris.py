"""Issue 15.12: idle connections that send half a request must not stall the site. gunicorn is started with the
repository's gunicorn.conf.py, as production runs it (README, Deployment)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, timeout: float) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=timeout) as r:  # noqa: S310
        return r.status


def test_two_idle_half_requests_do_not_stall_gunicorn(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "FLASK_APP": "wsgi.py"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    idle: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                assert _get(port, 2) == 200
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        for _ in range(2):  # as many as the sync workers the README used to run, and more than one each
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # and then nothing
            idle.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        assert _get(port, 5) == 200
        assert time.monotonic() - started < 2
    finally:
        for s in idle:
            s.close()
        server.terminate()
        server.wait(timeout=10)
