"""Django settings, read from the environment (see README, "Cấu hình")."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from thuocdo.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("THUOCDO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# The key comes from SECRET_KEY, else from the file `make demo` writes once (var/secret_key), so every
# `thuocdo` command run as the README shows finds it; tests (DEBUG=1) may run without one.
_KEY_FILE = VAR_DIR / "secret_key"
SECRET_KEY = env_str("SECRET_KEY") or (_KEY_FILE.read_text().strip() if _KEY_FILE.is_file() else None)
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-dev-key-only-for-debug"
if not SECRET_KEY:
    raise ImproperlyConfigured(
        f"SECRET_KEY là bắt buộc khi DEBUG tắt: đặt biến môi trường SECRET_KEY, hoặc chạy `make demo` một lần "
        f"để tạo {_KEY_FILE} (SECRET_KEY is required unless DEBUG=1)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Serves Swagger UI from its own static files (ninja/static/ninja/), not from a CDN.
    "ninja",
    "axes",
    "csp",
    "thuocdo.units",
    "thuocdo.accounts",
    "thuocdo.dossiers",
    "thuocdo.procedures",
    "thuocdo.metrics",
    "thuocdo.evaluation",
    "thuocdo.alerts",
    "thuocdo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "thuocdo.api_limits.ApiBodyLimitMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    # A busy database answers 503 + Retry-After, never 500; requests wait SQLITE_BUSY_TIMEOUT_MS.
    "thuocdo.overload.OverloadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "thuocdo.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "thuocdo.security.SignedInNoStoreMiddleware",
    "thuocdo.security.DenialLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "thuocdo.web.middleware.InvalidParameterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The largest request body read: a documented API batch fits whatever its text — 10,000 events,
# pretty-printed, every code at its maximum length in Vietnamese escaped as \uXXXX (6 bytes a letter)
# ≈ 2.3 KB an event ≈ 23 MB. Past it the API answers 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 32 * 1024 * 1024)

ROOT_URLCONF = "thuocdo.urls"
ASGI_APPLICATION = "thuocdo.asgi.application"
WSGI_APPLICATION = "thuocdo.wsgi.application"

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

# --- Database -------------------------------------------------------------
# Default: one SQLite file in var/ so that a laptop runs everything with one command.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'thuocdo.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
# How long a write waits for SQLite's one write lock before "database is locked", in ms. A web request
# gives up after SQLITE_BUSY_TIMEOUT_MS and answers 503 + Retry-After (thuocdo.overload): longer than
# one transaction of a console ingest (≈ 3.5 s at national scale) or a few API batch parts queued
# before it, short enough that a batch (≤ 3 waits) hears back within a client's 30 s. Everything else
# (console ingest, simulate, rebuild; the score refresher) has no client waiting and must not die
# mid-run: SQLITE_CONSOLE_BUSY_TIMEOUT_MS.
SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)
SQLITE_CONSOLE_BUSY_TIMEOUT_MS = env_int("SQLITE_CONSOLE_BUSY_TIMEOUT_MS", 60_000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the live pages read while ingest writes; IMMEDIATE avoids
        # "database is locked" on write-after-read upgrades inside transactions.
        # 64 MB page cache: the ingest path updates several indexes per event.
        # The busy timeout here is the console's; a request lowers it on its connection.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={SQLITE_CONSOLE_BUSY_TIMEOUT_MS}; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
# PostgreSQL: a bounded connection pool per server process (Django's psycopg pool). Each open live page and
# each request runs in its own thread: without a pool, 734 open pages tried 734 connections and PostgreSQL
# refused them past its max_connections (100 by default; issue 10's burst). A thread that finds the pool
# empty waits up to DB_POOL_TIMEOUT_S, then the request answers 503 + Retry-After (thuocdo.overload).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": DB_POOL_MAX_SIZE, "timeout": env_int("DB_POOL_TIMEOUT_S", 10)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# A live region of older data is still served while younger than this (seconds): the nation's regions
# then cost one render a second however many changes arrive (issue 10; web.cache._recent).
LIVE_MAX_STALE_SECONDS = env_int("LIVE_MAX_STALE_MS", 1000) / 1000

# DOSSIER_SYNC (QĐ 766): an event counts as synced on time when it reached us within this many hours of
# occurring. Counted at ingest, so a change applies to new events; `thuocdo metrics rebuild` re-counts all.
DOSSIER_SYNC_DEADLINE_HOURS = env_int("DOSSIER_SYNC_DEADLINE_HOURS", 24)

# --- Cache ----------------------------------------------------------------
# Rendered live regions, page figures and the data versions change notices stamp (thuocdo/web/cache.py):
# shared by every server process through Redis when it is configured, else kept in each process. Keys
# carry the database's name (KEY_FUNCTION): test workers have a database each but share one Redis database.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_FUNCTION": "thuocdo.web.cache.database_key"}}
else:
    # Django's default of 300 entries would cull the data versions (3,356 units × 2 kinds) at random.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "KEY_FUNCTION": "thuocdo.web.cache.database_key", "OPTIONS": {"MAX_ENTRIES": 20_000}}}

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes, ADR 0008): after LOGIN_FAILURE_LIMIT failures within the cool-off,
# a login name is locked, and so is an address, for LOGIN_LOCKOUT_MINUTES after the last counted failure.
# Attempts while locked are refused and audited but do not extend the lock (10 failures every 15 minutes
# still keep a known name locked: ADR 0008 says why and what to switch to). The address is REMOTE_ADDR:
# behind a proxy, `thuocdo serve` (uvicorn) takes it from X-Forwarded-For when the proxy is in
# FORWARDED_ALLOW_IPS.
AUTHENTICATION_BACKENDS = [
    "thuocdo.accounts.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "thuocdo.accounts.lockout.lockout_response"
AXES_COOLOFF_MESSAGE = _("Đăng nhập sai quá nhiều lần nên tài khoản hoặc địa chỉ này tạm bị khóa. Xin thử lại sau.")
# Unaudited deletes of attempts from the admin would lift locks silently; a lock ends with its cool-off
# or with `thuocdo axes_reset_username NAME`.
AXES_ENABLE_ADMIN = False

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "thuocdo" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
FORMAT_MODULE_PATH = ["thuocdo.formats"]
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security headers ---------------------------------------------------------
# Content-Security-Policy on every page (django-csp): scripts, styles, fonts and connections from this
# site only; no inline script or style anywhere (htmx is told not to insert its indicator <style>, see
# web/_live_head.html). data: images are Swagger UI's icons (in its stylesheet).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# HTTPS=1: the site is served over HTTPS by a proxy in front of it that sets X-Forwarded-Proto (and
# drops a client's own). Cookies are then Secure and browsers are told to use HTTPS only (HSTS).
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    # A year, the usual value; start lower (HSTS_SECONDS=300) while trying a new domain.
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
