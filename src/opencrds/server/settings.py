"""Django settings of the OpenCRDS server, driven by environment variables.

``OPENCRDS_HOME`` (data folder), ``DATABASE_URL`` (PostgreSQL instead of SQLite),
``OPENCRDS_OBSERVATORY`` (the one observatory served), ``OPENCRDS_DEBUG``,
``OPENCRDS_ALLOWED_HOSTS`` / ``OPENCRDS_CSRF_TRUSTED_ORIGINS`` (comma-separated),
``OPENCRDS_SECRET_KEY``, ``OPENCRDS_PUBLIC_URL`` (base URL advertised to clients when behind a
proxy), ``OPENCRDS_MAX_BODY`` (largest JSON-RPC body, bytes), ``OPENCRDS_BUNDLE_MAX_BYTES``
(most file bytes one ``/unchecked_bundle/`` response may carry).

Importing this module writes nothing. The start-up step of every command and of the WSGI entry
point (:func:`opencrds.server.startup.prepare_home`) makes the data folder and the SQLite
database owner-only and, for the embedded default only, the secret key; with ``DATABASE_URL``
the key must be given (:class:`opencrds.server.config.MissingSecretKey` otherwise). A command
may set the home, observatory and allowed hosts for its process
(:func:`opencrds.server.config.configure`). Static files (the admin's) are served by WhiteNoise
from ``STATIC_ROOT``, filled by ``collectstatic`` (``opencrds serve`` runs it).

Admin logins are throttled by django-axes: after ``AXES_FAILURE_LIMIT`` wrong passwords for one
user name, or from one address, logins are refused (HTTP 429) for ``AXES_COOLOFF_TIME``;
``opencrds manage axes_reset`` (or ``axes_reset_username NAME``) lifts a lockout at once.
"""

from __future__ import annotations

import datetime
import os

from .config import current
from .queue import huey_settings


def _csv(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


_config = current()
OPENCRDS_HOME = _config.home
OPENCRDS_STORE = _config.store
OPENCRDS_OBSERVATORY = _config.observatory
OPENCRDS_PUBLIC_URL = os.environ.get("OPENCRDS_PUBLIC_URL", "").rstrip("/") or None

DEBUG = os.environ.get("OPENCRDS_DEBUG", "").lower() in ("1", "true", "yes", "on")
SECRET_KEY = _config.secret_key()  # "" until the first start made the embedded default's
ALLOWED_HOSTS = _config.allowed_hosts
CSRF_TRUSTED_ORIGINS = _csv("OPENCRDS_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "opencrds.server.catalog",
    "opencrds.server.rpc",
    "opencrds.server.accounts",
    "opencrds.server.submissions",
    "opencrds.server.operations",
    "opencrds.server.web",
    "huey.contrib.djhuey",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # /static/ (the admin's CSS and JS)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opencrds.server.accounts.middleware.LockActivityMiddleware",  # renews/expires locks
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "opencrds.server.accounts.backends.PasswordOrTokenBackend",  # password or API token
]
LOGIN_URL = "/login/"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

ROOT_URLCONF = "opencrds.server.urls"
WSGI_APPLICATION = "opencrds.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": _config.database}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = OPENCRDS_HOME / "static"  # filled by collectstatic, served by WhiteNoise

# JSON-RPC bodies are read by the rpc app itself with this limit (get_file_info_map of every
# HST file is ~1.5 MB; 1000 full dataset headers a few MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("OPENCRDS_MAX_BODY", 16 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000
OPENCRDS_BUNDLE_MAX_BYTES = int(os.environ.get("OPENCRDS_BUNDLE_MAX_BYTES", 2 * 1024**3))

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"one_line": {"()": "opencrds.server.errors.OneLineFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["one_line"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "opencrds": {"level": os.environ.get("OPENCRDS_LOG_LEVEL", "INFO"), "propagate": True},
        "opencrds.rules": {"level": "ERROR", "propagate": True},
        "django.request": {"level": "WARNING"},  # one line per refused request
        "huey": {"propagate": False},  # run_huey gives it a handler of its own
    },
}

# Submissions (SERVER.md §1.10-§2): instrument locks expire after OPENCRDS_LOCK_TIMEOUT seconds
# without activity; each user's upload area holds at most OPENCRDS_UPLOAD_MAX_BYTES per file;
# submissions are staged under the home until confirmed; confirmed deliveries are linked into
# OPENCRDS_DELIVERY_DIR for an archive when it is set (else released at once).
OPENCRDS_LOCK_TIMEOUT = datetime.timedelta(
    seconds=int(os.environ.get("OPENCRDS_LOCK_TIMEOUT", 4 * 3600)))
OPENCRDS_UPLOAD_MAX_BYTES = int(os.environ.get("OPENCRDS_UPLOAD_MAX_BYTES", 4 * 1024**3))
OPENCRDS_UPLOADS = OPENCRDS_HOME / "uploads"
OPENCRDS_STAGING = OPENCRDS_HOME / "submissions"
OPENCRDS_CATALOGS = OPENCRDS_HOME / "catalogs"
OPENCRDS_DELIVERY_DIR = os.environ.get("OPENCRDS_DELIVERY_DIR") or None
FILE_UPLOAD_TEMP_DIR = None  # the system's; uploads are moved into the user's area
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Task queue (opencrds.server.queue): SQLite in the home, or Redis with OPENCRDS_QUEUE_URL.
HUEY = huey_settings(OPENCRDS_HOME)

# E-mail: SMTP when OPENCRDS_EMAIL_HOST is set, files in OPENCRDS_EMAIL_DIR, else the console.
if os.environ.get("OPENCRDS_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["OPENCRDS_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("OPENCRDS_EMAIL_PORT", 25))
    EMAIL_HOST_USER = os.environ.get("OPENCRDS_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("OPENCRDS_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("OPENCRDS_EMAIL_TLS", "").lower() in ("1", "true", "yes")
elif os.environ.get("OPENCRDS_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["OPENCRDS_EMAIL_DIR"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("OPENCRDS_EMAIL_FROM", "opencrds@localhost")
OPENCRDS_NOTIFY_EMAILS = _csv("OPENCRDS_NOTIFY_EMAILS", "")
