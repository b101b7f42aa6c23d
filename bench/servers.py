"""Start and stop gunicorn the way `make serve` runs it (gunicorn.conf.py), sign in over HTTP, and read a
worker's memory. Used by bench_http.py and bench_phone.py."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from common import BENCH, ROOT, production_environment

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn master with gunicorn.conf.py's workers and threads, on a free local port."""

    def __init__(self, app: str, url: str | None, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = dict(os.environ)
        if url is not None:
            env.update(production_environment(url))
        env.update(
            HOST="127.0.0.1",
            PORT=str(self.port),
            # Recycling a worker every few thousand requests would restart workers (and their PDF render
            # workers) in the middle of a 10-second run at thousands of requests a second, so the ceiling
            # would be measured on cold workers. The benchmark turns it off for both apps alike.
            GUNICORN_MAX_REQUESTS="0",
            **(extra_env or {}),
        )
        self.process = subprocess.Popen(
            [GUNICORN, "--config", str(ROOT / "gunicorn.conf.py"), "--pythonpath", str(BENCH), app],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log: one line a request
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.process.stderr.read().decode()[-2000:])
            with contextlib.suppress(OSError):
                status, _, _ = request(self.port, "GET", path)
                if status < 500:
                    # Both workers up (each answers on its own): give the second a moment too.
                    time.sleep(1.5)
                    return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start in time")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children that are gunicorn processes (not the PDF
        forkserver or its render workers)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(p) for p in children.read_text().split()]
        return [p for p in pids if b"gunicorn" in Path(f"/proc/{p}/cmdline").read_bytes()]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the line)
        return total / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def request(port: int, method: str, path: str, body: dict | None = None, cookie: str | None = None):
    """(status, headers, body) for one HTTP request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {}
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    """Name → value from Set-Cookie headers. The production cookies are Secure and __Host-, which a client
    following the rules would not send back over plain HTTP; the benchmark sends them back itself."""
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the real form (a young person has no second step); returns a Cookie header."""
    status, headers, body = request(port, "GET", "/sign-in")
    assert status == 200, status
    jar = _cookies(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, _ = request(
        port, "POST", "/sign-in", {"csrf_token": token, "email": email, "password": password}, cookie
    )
    assert status == 302, f"sign-in answered {status}"
    jar.update(_cookies(headers))
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def memory_kb(pid: int) -> dict[str, int]:
    """Resident (RSS) and proportional (PSS: shared pages split between the processes sharing them) memory."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
            values[key] = int(rest.split()[0])
    return {
        "rss_kb": values["Rss"],
        "pss_kb": values["Pss"],
        "private_kb": values["Private_Clean"] + values["Private_Dirty"],
    }
