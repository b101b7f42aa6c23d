"""gunicorn settings for `make serve`. Two cores: 2 workers × 4 threads keeps both cores busy while a
request waits on the database, without the memory of more processes."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
# Never log query strings: an invite link carries its code there.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    # Warm the PDF render workers now, so the first PDF a user asks for is not the slow one.
    from passport.exports.pdf import start_render_workers

    start_render_workers()
