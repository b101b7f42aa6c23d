"""The framework's own ceiling: a bare Flask app with one route, served by the same gunicorn configuration as
the real app (gunicorn.conf.py) so the passport page's throughput can be read as a fraction of it.

    gunicorn --config gunicorn.conf.py --chdir bench hello_app:app

Not part of the real app: no database, no session, no templates, no security headers.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
