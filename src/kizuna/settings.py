"""Django settings for Kizuna.

Everything that differs between a laptop demo and production comes from the environment,
read by the typed helpers below. Business settings (currency, time zone, segment rules, …)
are data in the database, not settings (see ``kizuna.apps.tenant``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from kizuna.secret_key import KEY_FILE_NAME, secret_key_from_file

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DATA_DIR = Path(env_str("KIZUNA_DATA_DIR", str(PROJECT_DIR / "var")))
DEBUG = env_bool("KIZUNA_DEBUG", False)
# Set by `kizuna demo`: a trial on this machine, over plain HTTP, with a generated key.
DEMO = env_bool("KIZUNA_DEMO", False)
# No default key: production sets one; a trial generates its own into the data folder; without
# either it stays empty and the web server refuses to start (kizuna.secret_key).
SECRET_KEY = env_str("KIZUNA_SECRET_KEY", "").strip() or (
    secret_key_from_file(DATA_DIR / KEY_FILE_NAME) if DEBUG or DEMO else ""
)
ALLOWED_HOSTS = env_list("KIZUNA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("KIZUNA_CSRF_TRUSTED_ORIGINS", "")
USAGE_DIR = Path(env_str("KIZUNA_USAGE_DIR", str(DATA_DIR / "usage")))  # Parquet usage events
# CRM exports dropped here are imported by the minute job (docs/imports.md, Keeping in sync)
IMPORT_DIR = Path(env_str("KIZUNA_IMPORT_DIR", str(DATA_DIR / "imports")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",  # serves the API docs from its own static files, not a CDN
    "kizuna.apps.jobs.apps.TaskResultsConfig",  # django_tasks_db: the task queue and results
    "kizuna.apps.org",
    "kizuna.apps.tenant",
    "kizuna.apps.customers",
    "kizuna.apps.notify",
    "kizuna.apps.touchpoints",
    "kizuna.apps.audit",
    "kizuna.apps.front",
    "kizuna.apps.api",
    "kizuna.apps.demo",
    "kizuna.apps.jobs",
    "kizuna.apps.revenue",
    "kizuna.apps.segments",
    "kizuna.apps.coverage",
    "kizuna.apps.assignments",
    "kizuna.apps.usage",
    "kizuna.apps.onboarding",
    "kizuna.apps.health",
    "kizuna.apps.expansion",
    "kizuna.apps.feedback",
    "kizuna.apps.imports",
    "kizuna.apps.tasks",
    "kizuna.apps.renewals",
    "kizuna.apps.churnreasons",
    "kizuna.apps.funnels",
    "kizuna.apps.playbooks",
    "kizuna.apps.rules",
    "kizuna.apps.pages",
    "kizuna.apps.exports",
    "kizuna.apps.surveys",
    "kizuna.apps.reports",
    "kizuna.apps.kpis",
    "kizuna.apps.diagnosis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kizuna.apps.org.middleware.UserLanguageMiddleware",
    "kizuna.apps.tenant.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its page
]

ROOT_URLCONF = "kizuna.urls"
WSGI_APPLICATION = "kizuna.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kizuna.apps.tenant.context_processors.tenant",
                "kizuna.apps.org.context_processors.permissions",
                "kizuna.apps.notify.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kizuna.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a job writes; a busy timeout instead of "locked".
    # A page cache of 16 MB (SQLite's default is 2 MB): a refresh writing 400,000 renewals
    # inserts into an index out of its order, and with 2 MB pages go out and come back
    # (0.5 s of its 4.7 s of CPU; bench/README.md, *Renewals*). Used only as pages are read.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;"
        ),
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "front:login"
LOGIN_REDIRECT_URL = "front:home"  # each role's start page (kizuna.apps.org.landing)
LOGOUT_REDIRECT_URL = "front:login"
CSRF_FAILURE_VIEW = "kizuna.apps.front.errors.csrf_failure"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked username or address
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["kizuna.apps.front.formats"]  # months as 2026年10月 / Oct 2026
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; business periods use the tenant's time zone (TenantSettings)

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("KIZUNA_STATIC_ROOT", str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("KIZUNA_SERVE_STATIC_FROM_APPS", False)

# Production (neither DEBUG nor the demo) is served over HTTPS only: plain HTTP is redirected,
# browsers are told to stay on HTTPS for a year (HSTS), cookies are sent over HTTPS only.
# KIZUNA_HTTPS=0 turns all of this off, e.g. for a benchmark on localhost.
HTTPS = env_bool("KIZUNA_HTTPS", not (DEBUG or DEMO))
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("KIZUNA_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
# Both only widen HSTS to the host's own subdomains and allow a preload-list submission,
# which someone must still make for the whole domain.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Behind a reverse proxy that ends TLS (the usual set-up), the proxy says which scheme the
# browser used, and the client's address is the last one it adds to X-Forwarded-For. Only
# switched on by the operator: without a proxy, a client could send these headers itself.
BEHIND_PROXY = env_bool("KIZUNA_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("KIZUNA_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Content-Security-Policy (Django's own middleware), in every mode so that a page that would
# break in production breaks on a laptop first. Scripts and style sheets come from Kizuna's
# static files only: no inline <script>, no onclick=, no <style> element. Style attributes
# (style="…") stay allowed: pages colour cells and chart legends from data (heat maps, series
# colours); under this policy a style attribute can neither run code nor load anything from
# elsewhere (img-src and font-src are 'self'). data: images are Swagger UI's icons (API docs).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login throttling (django-axes): five wrong passwords for one username, or from one address,
# lock it for fifteen minutes; further tries meanwhile are refused without extending the lock.
# A successful login clears the count. Only the login forms are throttled: the API's tokens
# and the test suite's force_login do not go through authenticate().
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kizuna.apps.front.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "kizuna.apps.front.http.client_ip_address"
AXES_USERNAME_CALLABLE = "kizuna.apps.front.http.login_username"
AXES_ENABLE_ADMIN = False  # its admin pages are English only; failures show in the audit trail

NINJA_PAGINATION_PER_PAGE = 50

# Outgoing e-mail (the invitations to set a password, kizuna.apps.org.invitations): Django's
# mailers, the "default" one an SMTP server named here; KIZUNA_EMAIL_BACKEND=console prints each
# message on the command's or server's output instead, which a trial (KIZUNA_DEBUG or the demo)
# does by default. A server that cannot be reached fails the invitation after
# KIZUNA_EMAIL_TIMEOUT seconds, and nothing of it is saved.
EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
EMAIL_BACKEND_NAME = env_str("KIZUNA_EMAIL_BACKEND", "console" if DEBUG or DEMO else "smtp")
SMTP_OPTIONS = {
    "host": env_str("KIZUNA_EMAIL_HOST", "localhost"),
    "port": env_int("KIZUNA_EMAIL_PORT", 25),
    "username": env_str("KIZUNA_EMAIL_HOST_USER", ""),
    "password": env_str("KIZUNA_EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("KIZUNA_EMAIL_USE_TLS", False),  # STARTTLS, usually port 587
    "use_ssl": env_bool("KIZUNA_EMAIL_USE_SSL", False),  # TLS from the start, usually port 465
    "timeout": env_int("KIZUNA_EMAIL_TIMEOUT", 10),
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKENDS[EMAIL_BACKEND_NAME],
        "OPTIONS": SMTP_OPTIONS if EMAIL_BACKEND_NAME == "smtp" else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("KIZUNA_DEFAULT_FROM_EMAIL", "Kizuna <kizuna@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where members reach this Kizuna: the links in e-mails start with it (no trailing slash).
BASE_URL = env_str("KIZUNA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The Chromium that prints the monthly report to PDF (kizuna.apps.reports.pdf); empty: the
# first chromium (Debian's package) or google-chrome on the PATH.
CHROMIUM = env_str("KIZUNA_CHROMIUM", "")
# Slack, Teams and outbound webhooks (kizuna.apps.notify): an endpoint that has not answered
# after this many seconds counts as failed, and the delivery is retried later.
WEBHOOK_TIMEOUT = env_int("KIZUNA_WEBHOOK_TIMEOUT", 10)
# How long an invitation's set-password link works (Django's password-reset tokens; the link
# also stops working once the password is set).
PASSWORD_RESET_TIMEOUT = env_int("KIZUNA_INVITATION_DAYS", 7) * 24 * 3600


# Django's tasks framework (django.tasks): tasks are queued in the database and run by
# `kizuna manage db_worker`; `kizuna manage schedule_jobs` queues the periodic jobs
# (kizuna.apps.jobs). Results stay in the database (admin pages, "Task results").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "kizuna": {"handlers": ["console"], "level": env_str("KIZUNA_LOG_LEVEL", "INFO")},
    },
}
