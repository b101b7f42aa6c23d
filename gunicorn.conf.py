"""gunicorn settings for `make serve` (and bench/bench_http.py, which measures them).

Workers and threads, for 2 cores: 2 gthread workers × 4 threads.
- One worker process per core: a page is mostly Python (the passport page is about 6 ms of CPU, of which the
  database is well under 1 ms on SQLite and 2 to 3 ms of waiting on PostgreSQL), so a third process would
  only queue for the same two cores, and each costs about 110 MB (plus its PDF render process).
- Four threads per worker: while one request waits on PostgreSQL, another's Python runs. More threads add
  no throughput (the GIL) and only lengthen the queue inside a worker; fewer leave a core idle while a
  worker waits. The database pool is sized to match (passport/config.py: engine_options).
- gthread rather than sync: keep-alive connections from phones and the load balancer do not each hold a
  worker; rather than gevent: the database driver and WeasyPrint's hand-off are plain blocking code.
WEB_CONCURRENCY and GUNICORN_THREADS change them (one worker per core is the rule); bench/RESULTS.md has
the figures.
"""

import gc
import os
import re

from gunicorn.glogging import Logger

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound. A worker's memory stays flat
# (about 108 MB from 1,000 to 7,000 requests, bench/RESULTS.md) and a restart costs a second or two of CPU
# (the app, and its PDF render process), so not too often: at 100 requests a second, every few minutes.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
# Never log query strings: an invite link carries its code there. Nor a share link's token, which is in the
# path (/s/<token>): PrivateAccessLogger below writes it as /s/[hidden] (tests/test_logs.py).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class PrivateAccessLogger(Logger):
    """gunicorn's logger, with the request's path, line and referrer in access lines made safe: no query
    string, no share-link token (the same rule as passport/logs.py, kept here so the master process need
    not import the app)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _SHARE_TOKEN.sub(r"\1/s/[hidden]", _QUERY.sub("", atoms[key]))
                atoms[key] = _SHL_TOKEN.sub(r"\1/shl/\2[hidden]", atoms[key])
        atoms["q"] = "-"
        return atoms


_QUERY = re.compile(r"\?[^\s\"\x1b]*")
_SHARE_TOKEN = re.compile(r"(^|[\s\"]|://[^/\s\"]*)/s/[^/?#\s\"\x1b]+")
_SHL_TOKEN = re.compile(r"(^|[\s\"]|://[^/\s\"]*)/shl/(files/)?[^/?#\s\"\x1b]+")
logger_class = PrivateAccessLogger


def post_worker_init(worker):
    # Warm the PDF render workers now, so the first PDF a user asks for is not the slow one.
    from passport.exports.pdf import start_render_workers

    start_render_workers()
    tune_garbage_collector()


def tune_garbage_collector():
    """The app, its modules and everything else loaded so far live as long as the worker. Freezing them
    takes them out of the garbage collector's full passes, which otherwise walk all of them now and then in
    the middle of a request: that halved the p95 of the caseload page. A staff list makes a few thousand
    short-lived objects, so the youngest generation is collected every 20,000 allocations rather than 700:
    10 to 15% off those pages, for a few MB of cyclic garbage waiting a little longer (bench/RESULTS.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)
