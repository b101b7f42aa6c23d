"""Throughput over HTTP: the young person's passport page against a bare Flask "hello" route, both served by
gunicorn with gunicorn.conf.py (2 workers × 4 threads), measured with wrk in the same run; then the memory
of each gunicorn worker after a mix of pages.

    python bench/bench_http.py --database postgresql --size 10k

The app runs as production does (PASSPORT_ENV=production, a real SECRET_KEY, Secure __Host- cookies). The
young person signs in through the real sign-in form over HTTP; the benchmark reads the Set-Cookie header
and sends the cookie back itself, since a client following the rules would not send a Secure cookie over
plain HTTP. wrk (Debian package `wrk`) and the servers share the machine's two cores, as they would not in
production: the ratio, measured the same way for both apps, is the figure that carries over.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time

from common import BENCH, emit, load_manifest
from servers import Server, memory_kb, request, sign_in

WRK_SCRIPT = str(BENCH / "wrk" / "report.lua")
# The young person's pages, for the memory run (each a different template and part of the passport).
PAGES = (
    "/my-passport/",
    "/my-passport/about-me",
    "/my-passport/gp-and-services",
    "/my-passport/health",
    "/my-passport/vaccines",
    "/my-passport/contacts",
    "/my-passport/who-can-see",
    "/my-passport/who-looked",
    "/my-passport/leaving-pack",
)


def wrk(port: int, path: str, seconds: int, connections: int, cookie: str | None = None, paths=None) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", WRK_SCRIPT]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    env = dict(os.environ)
    if paths:
        env["WRK_PATHS"] = ",".join(paths)
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


def measured(server: Server, path: str, seconds: int, connections: int, cookie: str | None = None) -> dict:
    """A wrk run, with the CPU time the server's workers spent per request (which the machine's other work
    does not inflate, unlike requests per second)."""
    before = server.cpu_seconds()
    run = wrk(server.port, path, seconds, connections, cookie)
    run["worker_cpu_ms_per_request"] = round((server.cpu_seconds() - before) * 1000 / run["requests"], 3)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", default="10k")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        emit({"skipped": "wrk is not installed (apt-get install wrk)"})
        return
    manifest = load_manifest(arguments.database, arguments.size)
    seconds, connections = arguments.seconds, arguments.connections

    with Server("hello_app:app", None) as hello, Server("wsgi:app", manifest["url"]) as real:
        hello.wait_until_up("/")
        real.wait_until_up("/healthz")
        cookie = sign_in(real.port, manifest["email"], manifest["password"])
        status, _, body = request(real.port, "GET", "/my-passport/", cookie=cookie)
        assert status == 200, f"/my-passport/ answered {status}"
        page_bytes = len(body)
        started_memory = {pid: memory_kb(pid) for pid in real.worker_pids()}

        # Warm both up (imports, template compilation, connection pools), then alternate.
        wrk(hello.port, "/", 2, connections)
        wrk(real.port, "/my-passport/", 2, connections, cookie)
        hello_runs, page_runs = [], []
        for _ in range(arguments.rounds):
            hello_runs.append(measured(hello, "/", seconds, connections))
            page_runs.append(measured(real, "/my-passport/", seconds, connections, cookie))
        for run in page_runs + hello_runs:
            if run["non_2xx"] or run["socket_errors"]:
                raise SystemExit(f"wrk saw errors: {run}")

        # Memory: a mix of the young person's pages, then each worker's resident memory.
        mixed = wrk(real.port, PAGES[0], seconds, connections, cookie, paths=PAGES)
        served = sum(r["requests"] for r in page_runs) + mixed["requests"]
        time.sleep(0.5)
        workers = {pid: memory_kb(pid) for pid in real.worker_pids()}
        hello_workers = {pid: memory_kb(pid) for pid in hello.worker_pids()}

    hello_rps = statistics.median(r["rps"] for r in hello_runs)
    page_rps = statistics.median(r["rps"] for r in page_runs)
    hello_cpu = statistics.median(r["worker_cpu_ms_per_request"] for r in hello_runs)
    page_cpu = statistics.median(r["worker_cpu_ms_per_request"] for r in page_runs)
    emit(
        {
            "database": arguments.database,
            "size": arguments.size,
            "wrk": f"wrk -t1 -c{connections} -d{seconds}s, {arguments.rounds} alternating rounds",
            "page_bytes": page_bytes,
            "hello_rps": round(hello_rps, 1),
            "page_rps": round(page_rps, 1),
            "ratio": round(page_rps / hello_rps, 3),
            "hello_cpu_ms": hello_cpu,
            "page_cpu_ms": page_cpu,
            # What the ratio would be if the workers had both cores to themselves: CPU per request, inverted.
            "cpu_ratio": round(hello_cpu / page_cpu, 3),
            "hello_runs": hello_runs,
            "page_runs": page_runs,
            "mixed_run": mixed,
            "requests_served": served,
            "memory_at_start_kb": list(started_memory.values()),
            "memory_after_kb": list(workers.values()),
            "hello_memory_kb": list(hello_workers.values()),
        }
    )


if __name__ == "__main__":
    main()
