"""Settings, read from environment variables; the defaults run a development desk with no setup.

With FOLLOWTHROUGH_ENV=production the process refuses to start on development secrets.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FOLLOWTHROUGH_VAR_DIR", BASE_DIR / "var"))

DEV_SECRET_KEY = "dev-insecure-followthrough-key-change-me"  # noqa: S105 - refused in production


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


ENVIRONMENT = os.environ.get("FOLLOWTHROUGH_ENV", "development").strip().lower()
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"FOLLOWTHROUGH_ENV must be 'development' or 'production', not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = _env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = _env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)

if PRODUCTION:
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if DEBUG:
        problems.append("DEBUG must be off")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the hosts this desk is served on")
    if not os.environ.get("DATABASE_URL"):
        problems.append("DATABASE_URL must be set (PostgreSQL in production)")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")

# Case numbers are shown as <prefix>-<id>.
CASE_NUMBER_PREFIX = os.environ.get("FOLLOWTHROUGH_CASE_PREFIX", "FT").strip() or "FT"
if not CASE_NUMBER_PREFIX.isalnum() or len(CASE_NUMBER_PREFIX) > 10:
    raise ImproperlyConfigured(
        f"FOLLOWTHROUGH_CASE_PREFIX must be 1-10 letters or digits, not {CASE_NUMBER_PREFIX!r}"
    )
# Requests per minute one API token may make before it gets 429 Too Many Requests.
# A Server-Timing header on every response (time spent in the desk): for developer tools and
# the benchmarks; off by default.
FOLLOWTHROUGH_SERVER_TIMING = _env_bool("FOLLOWTHROUGH_SERVER_TIMING", default=False)
FOLLOWTHROUGH_API_RATE_LIMIT = int(os.environ.get("FOLLOWTHROUGH_API_RATE_LIMIT", "600"))
# Seconds between the deadline scans `followthrough scheduler` enqueues for the workers.
FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS = int(
    os.environ.get("FOLLOWTHROUGH_DEADLINE_SCAN_SECONDS", "60")
)
# Minutes a handoff may wait for acceptance before the scan escalates it to the team lead.
FOLLOWTHROUGH_HANDOFF_ACCEPT_MINUTES = int(
    os.environ.get("FOLLOWTHROUGH_HANDOFF_ACCEPT_MINUTES", "30")
)
# The largest file an in-product error report may attach (bytes); at most 5 files a report.
FOLLOWTHROUGH_ERROR_REPORT_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("FOLLOWTHROUGH_ERROR_REPORT_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))
)
# Email: where outbound mail goes (an SMTP relay) and who it is from when no mailbox applies.
# Without FOLLOWTHROUGH_SMTP_HOST a development desk prints its mail on the worker's console.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("FOLLOWTHROUGH_SMTP_HOST") or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("FOLLOWTHROUGH_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("FOLLOWTHROUGH_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("FOLLOWTHROUGH_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("FOLLOWTHROUGH_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("FOLLOWTHROUGH_SMTP_STARTTLS", default=False)
EMAIL_USE_SSL = _env_bool("FOLLOWTHROUGH_SMTP_SSL", default=False)
EMAIL_TIMEOUT = int(os.environ.get("FOLLOWTHROUGH_SMTP_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "FOLLOWTHROUGH_MAIL_FROM", "Followthrough <followthrough@localhost>"
)
# The address links in notification mail point at.
FOLLOWTHROUGH_BASE_URL = os.environ.get("FOLLOWTHROUGH_BASE_URL", "http://127.0.0.1:8000").rstrip(
    "/"
)
# The domain our Message-IDs end in (replies thread back by them).
FOLLOWTHROUGH_MAIL_DOMAIN = os.environ.get("FOLLOWTHROUGH_MAIL_DOMAIN", "followthrough.localhost")
# A message larger than this (bytes) is stored and quarantined, not processed.
FOLLOWTHROUGH_MAIL_MAX_BYTES = int(
    os.environ.get("FOLLOWTHROUGH_MAIL_MAX_BYTES", str(64 * 1024 * 1024))
)
# The largest single attachment a processed message may carry (bytes).
FOLLOWTHROUGH_MAIL_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("FOLLOWTHROUGH_MAIL_MAX_ATTACHMENT_BYTES", str(50 * 1024 * 1024))
)
# Automatic mail (acknowledgements) one address may get in an hour: a loop stops here.
FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT = int(
    os.environ.get("FOLLOWTHROUGH_MAIL_AUTO_REPLY_LIMIT", "5")
)
# Seconds between mailbox polls (and sweeps of mail a stopped worker left) by the scheduler.
FOLLOWTHROUGH_MAIL_POLL_SECONDS = int(os.environ.get("FOLLOWTHROUGH_MAIL_POLL_SECONDS", "60"))
# Hosts a webhook may target although they are private or loopback (comma-separated).
FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS = _env_list("FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS", [])

# Background work: the database is the queue, so one machine needs no broker and any
# number of `followthrough worker` processes can share it on PostgreSQL.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The phone region assumed for numbers typed without a country code.
DEFAULT_PHONE_REGION = os.environ.get("FOLLOWTHROUGH_PHONE_REGION", "US").strip().upper()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "followthrough.core",
    "followthrough.accounts",
    "followthrough.customers",
    "followthrough.sla",
    "followthrough.knowledge",
    "followthrough.webhooks",
    "followthrough.cases",
    "followthrough.intake",
]

MIDDLEWARE = [
    "followthrough.core.timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "followthrough.core.middleware.NulCharacterGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says otherwise.
    "followthrough.core.middleware.WorkspaceLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "followthrough.accounts.middleware.UserTimeZoneMiddleware",
    "followthrough.core.middleware.ServiceErrorMiddleware",
    "followthrough.core.idempotency.IdempotencyMiddleware",
    # Last, so it sees failed sign-ins after authentication ran.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Production web processes serve the collected static files themselves.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

AUTHENTICATION_BACKENDS = [
    # Locks out repeated failed sign-ins (per user name and address) before checking passwords.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("FOLLOWTHROUGH_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out sign-in may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# No inline script anywhere: scripts and styles come from our own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "followthrough.urls"
WSGI_APPLICATION = "followthrough.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "followthrough" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "followthrough.accounts.context_processors.workspace",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock
        # up front so concurrent writers queue on the busy timeout instead of failing.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file too, so that threads share one database with the same locking.
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at SQLite or PostgreSQL, not {config['ENGINE']}"
        )
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'followthrough.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/sign-in/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/sign-in/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("FOLLOWTHROUGH_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("FOLLOWTHROUGH_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("FOLLOWTHROUGH_HSTS_SECONDS", "31536000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Sign-in throttling logs every successful sign-in at INFO; failures still show.
    "loggers": {"axes": {"level": "WARNING"}},
}
