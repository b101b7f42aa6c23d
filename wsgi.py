"""Entry point for gunicorn and `flask --app wsgi`."""

from passport import create_app

app = create_app()
