"""Settings for running django-helpdesk 2.6.1 in the benchmark.

The apps, URLs, login and helpdesk settings follow django-helpdesk's install guide (teams mode
off, so no pinax-teams); everything else is Django's default. The database comes from
HELPDESK_BENCH_DATABASE_URL and is configured as Followthrough configures its own (persistent
PostgreSQL connections; SQLite in WAL mode), so the comparison is between the applications.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

# A fixed key is fine: this project only ever serves the loopback address during a benchmark.
SECRET_KEY = "helpdesk-bench-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - bench only
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds its absolute links from the Site
    "django.contrib.humanize",  # helpdesk's templates load it
    "rest_framework",  # helpdesk's API and its ticket list's JSON endpoint
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": _database(os.environ["HELPDESK_BENCH_DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

SITE_ID = 1
LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

# django-helpdesk: no pinax-teams (its optional extra), everything else at its defaults.
HELPDESK_TEAMS_MODE_ENABLED = False

# Mail is rendered as helpdesk always does, then dropped: nothing to deliver it to here.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Runtime files stay under the repository's var/ (ignored by git); no attachment is ever uploaded.
RUNTIME_DIR = Path(
    os.environ.get(
        "HELPDESK_BENCH_RUNTIME_DIR", BASE_DIR.parent.parent / "var" / "bench" / "helpdesk"
    )
)
STATIC_URL = "static/"
STATIC_ROOT = RUNTIME_DIR / "static"
MEDIA_ROOT = RUNTIME_DIR / "media"

# With DEBUG off Django only mails errors; print them, so that a failed check can be read in
# the gunicorn log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
