"""Settings, read from the environment and grouped by where the app runs.

`create_app()` picks one class by `PASSPORT_ENV` (development, test, production). Every setting a deployment
may change is an environment variable, so several app servers can share one configuration.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Known placeholder keys; production refuses to start with any of them.
INSECURE_SECRET_KEYS = frozenset({"", "dev", "change-me", "development-only-secret-key", "test"})

# The languages the passport speaks. en_GB is the source language; the rest are drafts until a native
# speaker has reviewed them (translations/README.md). Right-to-left scripts are listed in RTL_LOCALES.
SUPPORTED_LOCALES = ("en_GB", "cy", "ar", "fa", "ps", "ti", "sq", "vi")
RTL_LOCALES = frozenset({"ar", "fa", "ps"})

# The GOV.UK Notify templates the app sends through, each named by an id from the environment
# (NOTIFY_TEMPLATE_REMINDER_SMS …). docs/reminders.md has the text to paste into each.
NOTIFY_TEMPLATE_NAMES = ("reminder_sms", "reminder_email", "code_sms", "code_email", "digest_email")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'passport.sqlite3'}")
    # Set from the database URL by create_app (engine_options below) unless given explicitly.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Redis connect and read timeouts, in seconds. A Redis that accepts connections and never answers costs
    # a request at most this (twice, if the connection itself hangs), then the limiter counts in this
    # process instead (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and says so in the log once.
    REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5"))
    # /healthz answers within this many seconds, whatever the database and Redis do (passport/health.py).
    HEALTH_CHECK_SECONDS = float(os.environ.get("HEALTH_CHECK_SECONDS", "2"))
    # Leaving-pack batches made on a background thread of the web server itself, with the same claim and
    # leases as `flask render-leaving-packs` (services/pdf_batches.py). On in development, so `make run`
    # finishes batches with nothing else running; in production the worker makes them, away from the web
    # servers' CPUs (docs/deploy.md).
    RENDER_BATCHES_IN_PROCESS = _bool("RENDER_BATCHES_IN_PROCESS", False)

    # Sessions are signed cookies so app servers keep no state; the LoginSession table makes them revocable.
    SESSION_COOKIE_NAME = "passport_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_MAX_HOURS", "12")))
    # Sharing or downloading the passport asks for the password again when the session signed in (or last
    # confirmed it) longer ago than this: a phone left unlocked should not hand the record to someone else.
    REAUTHENTICATE_AFTER = timedelta(minutes=int(os.environ.get("REAUTHENTICATE_MINUTES", "15")))

    WTF_CSRF_TIME_LIMIT = 3600 * 8
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    SUPPORTED_LOCALES = SUPPORTED_LOCALES

    INVITE_LIFETIME = timedelta(days=int(os.environ.get("INVITE_LIFETIME_DAYS", "14")))
    # Photos and files a passport may hold, all together (each is at most 10 MB: passport/uploads.py).
    ATTACHMENTS_PER_PASSPORT_MB = int(os.environ.get("ATTACHMENTS_PER_PASSPORT_MB", "25"))
    STAFF_SETUP_LIFETIME = timedelta(days=7)
    # Shorter than a sign-up code: it opens an account that already holds health data.
    PASSWORD_RESET_LIFETIME = timedelta(days=3)

    # The https address that signs offline health cards (their "iss"), fixed by configuration: a card made
    # at one host name verifies at any other. Production refuses to start without it; development and tests
    # use a fixed stand-in (below), never the request's host.
    SHC_ISSUER = os.environ.get("SHC_ISSUER")

    # Flask-Limiter: Redis when REDIS_URL is set so the count holds across app servers.
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
    # Counts are stored under this prefix, so two deployments (say training and live) can share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "passport")
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "fixed-window"
    # If Redis stops answering, keep counting in each process rather than failing every sign-in with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    SIGN_IN_LIMIT = os.environ.get("SIGN_IN_LIMIT", "10 per 15 minutes")
    # Authenticator-app and recovery codes, per account. Tighter than the password: with the password known,
    # 20 guesses a day at 3 live 6-digit codes is about a 1 in 17,000 chance a day.
    TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per 15 minutes; 20 per day")

    # GOV.UK Notify, for reminders by text and email (docs/reminders.md). With no key, messages are written
    # to the message log instead (a laptop, a demo); production with no key sends nothing.
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
    NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
    # Connect and read timeouts: a hung Notify costs a request (sending a code) a few seconds at most.
    NOTIFY_TIMEOUT_SECONDS = float(os.environ.get("NOTIFY_TIMEOUT_SECONDS", "5"))
    NOTIFY_TEMPLATE_IDS = {
        name: os.environ.get(f"NOTIFY_TEMPLATE_{name.upper()}", "") for name in NOTIFY_TEMPLATE_NAMES
    }
    # The address people open the app at (https://…), for the links in messages the daily run sends.
    BASE_URL = os.environ.get("BASE_URL", "")

    SEND_HSTS = True
    # Compress HTML, CSS, JS and JSON in the app (passport/assets.py). Turn off behind a proxy that does it.
    COMPRESS_RESPONSES = _bool("COMPRESS_RESPONSES", True)
    ALLOW_SQLITE_IN_PRODUCTION = _bool("ALLOW_SQLITE_IN_PRODUCTION", False)
    # When set (tests, demos), the app's clock reads this instead of the real time: see passport.clock.
    FROZEN_NOW = None
    # The key `flask backup` encrypts with and `flask restore` decrypts with: 32 random bytes, base64
    # (passport/backup.py says how to make one). Kept apart from the backups themselves.
    BACKUP_KEY = os.environ.get("BACKUP_KEY", "")
    # A request that changes a versioned row without checking the version its person saw is an error
    # (services/versions.py). In production it is logged and the save goes ahead.
    STRICT_ROW_VERSIONS = True


# A stand-in issuer for development and tests: https, as the spec requires, and the same whatever address
# the app was opened at. No verifier outside can fetch its keys, which is right for invented data.
DEVELOPMENT_SHC_ISSUER = "https://health-passport.localhost"


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    RENDER_BATCHES_IN_PROCESS = _bool("RENDER_BATCHES_IN_PROCESS", True)
    SECRET_KEY = os.environ.get("SECRET_KEY") or "development-only-secret-key"
    SHC_ISSUER = os.environ.get("SHC_ISSUER") or DEVELOPMENT_SHC_ISSUER
    SEND_HSTS = False


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    # Tests only; production refuses this value (check_production_settings).
    SECRET_KEY = "test"  # noqa: S105  # nosec B105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    SEND_HSTS = False
    SHC_ISSUER = DEVELOPMENT_SHC_ISSUER
    # Tests point the app at their own local Notify (tests/fake_notify.py), never at one from the environment.
    NOTIFY_API_KEY = ""
    NOTIFY_TEMPLATE_IDS = dict.fromkeys(NOTIFY_TEMPLATE_NAMES, "")
    # Tests only: an invented backup key (32 bytes, base64).
    BACKUP_KEY = "dGVzdHMtb25seS1iYWNrdXAta2V5LTMyLWJ5dGVzISE="


class ProductionConfig(Config):
    ENV_NAME = "production"
    STRICT_ROW_VERSIONS = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # The __Host- prefix pins the cookie to this exact host over HTTPS, with no Domain attribute.
    SESSION_COOKIE_NAME = "__Host-passport_session"
    REMEMBER_COOKIE_NAME = "__Host-passport_remember"
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def engine_options(database_url: str) -> dict:
    """SQLAlchemy engine settings for the database the app runs on.

    PostgreSQL: each gunicorn worker runs GUNICORN_THREADS (4) requests at once and each holds one
    connection, so the pool keeps that many open (DB_POOL_SIZE) and allows a couple more for a burst
    (DB_MAX_OVERFLOW); a request that still finds none waits at most DB_POOL_TIMEOUT seconds and fails
    rather than queueing for ever. Connections are replaced after DB_POOL_RECYCLE seconds (before a
    firewall or PgBouncer drops an idle one) and checked with a cheap ping when taken from the pool
    (pool_pre_ping: about 0.1 ms), so a database restart or failover costs errors for no one. Each app
    server then holds at most workers × (pool size + overflow) connections: 2 × 6 = 12 by default; keep
    the sum over all servers (and the render-leaving-packs worker) under PostgreSQL's max_connections
    (docs/deploy.md). SQLite: one file, no server; only the ping is set.
    """
    # hide_parameters: a database error names the statement but not its values, which are health data and
    # would otherwise reach the log with the error.
    options: dict = {"pool_pre_ping": True, "hide_parameters": True}
    if database_url.startswith("postgresql"):
        options.update(
            pool_size=int(os.environ.get("DB_POOL_SIZE", os.environ.get("GUNICORN_THREADS", "4"))),
            max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "2")),
            pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "10")),
            pool_recycle=int(os.environ.get("DB_POOL_RECYCLE", "1800")),
            connect_args=postgres_connect_args(),
        )
    return options


def postgres_connect_args() -> dict:
    """libpq settings that bound every wait on PostgreSQL (SECURITY.md 29).

    - connect_timeout: a server that does not accept, or accepts and never answers the start-up, fails the
      connection after this many seconds (libpq's smallest is 2).
    - keepalives and tcp_user_timeout: a server or network that vanishes mid-query is noticed in about ten
      seconds, rather than the kernel's two hours.
    - statement_timeout: no query runs longer than this on the server (a request is worth nothing after
      gunicorn's 30-second timeout anyway).
    With the database unreachable, every page answers the branded 503 (web.py) and /healthz says so.
    """
    statement_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "25000"))
    return {
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "3")),
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,
        "options": f"-c statement_timeout={statement_ms}",
        "application_name": "health-passport",
    }


class ConfigurationError(RuntimeError):
    """The app was asked to start with settings that would be unsafe."""


def config_for(env_name: str | None) -> type[Config]:
    name = (env_name or os.environ.get("PASSPORT_ENV") or "development").strip().lower()
    if name not in CONFIGS:
        raise ConfigurationError(f"PASSPORT_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}.")
    return CONFIGS[name]


def check_production_settings(settings: dict) -> None:
    """Refuse to run in production with settings that would leak or forge sessions."""
    key = settings.get("SECRET_KEY") or ""
    if key in INSECURE_SECRET_KEYS or len(key) < 32:
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    issuer = settings.get("SHC_ISSUER") or ""
    if not re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*[^\s?#/])?", issuer):
        # Every signed card names its issuer, and verifiers fetch <issuer>/.well-known/jwks.json: a card
        # signed under a host name that happened to reach the server would fail everywhere else.
        raise ConfigurationError(
            "SHC_ISSUER must be set in production to the site's https address, with no trailing slash "
            "(for example https://passport.example.org): it is the issuer of every signed health card."
        )
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite://") and not settings.get(
        "ALLOW_SQLITE_IN_PRODUCTION"
    ):
        # One machine with SQLite is fine for a pilot, but say so explicitly.
        raise ConfigurationError(
            "DATABASE_URL points at SQLite. Set a PostgreSQL DATABASE_URL, or "
            "ALLOW_SQLITE_IN_PRODUCTION=1 for a single-server pilot."
        )
    if settings.get("NOTIFY_API_KEY"):
        missing = [
            f"NOTIFY_TEMPLATE_{name.upper()}"
            for name in NOTIFY_TEMPLATE_NAMES
            if not (settings.get("NOTIFY_TEMPLATE_IDS") or {}).get(name)
        ]
        if not settings.get("BASE_URL"):
            missing.append("BASE_URL")
        if missing:
            raise ConfigurationError(
                "NOTIFY_API_KEY is set, so set BASE_URL (the https address of the app) and the id of every "
                f"Notify template too (docs/reminders.md). Missing: {', '.join(missing)}."
            )
