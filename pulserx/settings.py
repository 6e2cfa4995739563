"""PulseRx settings: one module, read strictly from the environment.

Every variable is listed in the README's configuration table. With nothing set, PulseRx runs
embedded: SQLite (WAL) and a private redis-server under the var/ directory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging.config
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from pulserx.accounts.sso.config import providers_from_env as oidc_providers_from_env
from pulserx.envparse import env_bool, env_duration, env_int, env_list, env_str
from pulserx.siteurl import DEFAULT_SITE_URL

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PULSERX_VAR_DIR", BASE_DIR / "var")).resolve()
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
SITE_URL = env_str("SITE_URL", DEFAULT_SITE_URL).rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
if render_host := os.environ.get("RENDER_EXTERNAL_HOSTNAME"):
    ALLOWED_HOSTS.append(render_host)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    # The admin's modules are found by the URLconf (pulserx/urls.py calls autodiscover), so
    # the worker, which never loads the URLconf, does not carry them.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "pulserx.accounts",
    "pulserx.reminders",
    "pulserx.notifications",
    "pulserx.web",
    "pulserx.ops",
    "pulserx.api",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
# The API docs' Swagger UI, from our own origin (see pulserx/api/docs.py).
NINJA_DIR = Path(importlib.util.find_spec("ninja").submodule_search_locations[0])  # type: ignore[union-attr,index]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pulserx.web.middleware.release_memory_after_heavy_requests",
    "pulserx.api.errors.APIErrorsAsJSON",
    "pulserx.web.middleware.content_security_policy",
    "pulserx.web.middleware.private_responses",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pulserx.accounts.signed_in.note_last_seen",
    "pulserx.web.middleware.reader_clock_format",
    "pulserx.languages.reader_language",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout raised while signing in into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pulserx.urls"
ASGI_APPLICATION = "pulserx.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pulserx.web.navigation.navigation",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- database
SQLITE_PATH = VAR_DIR / "pulserx.sqlite3"
SQLITE_OPTIONS = {
    # IMMEDIATE: a writing transaction takes the write lock up front instead of failing with
    # "database is locked" when it upgrades from a read; WAL lets readers run beside it.
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": environ.Env.db_url_config(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the server is unreachable (a health check must answer within seconds).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # Worker processes share the test database with the tests: it must be a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis: broker and channel layer


def embedded_redis_socket(var_dir: Path) -> Path:
    """var/redis.sock, unless its path is too long for a unix socket (108 bytes on Linux,
    104 on macOS: a checkout deep in a home folder); then a short path in the temporary
    folder, named after the var/ directory so two checkouts never share one."""
    path = var_dir / "redis.sock"
    if len(os.fsencode(path)) < 100:
        return path
    digest = hashlib.sha256(os.fsencode(var_dir)).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"pulserx-{digest}.sock"


EMBEDDED_REDIS_SOCKET = embedded_redis_socket(VAR_DIR)
REDIS_URL = env_str("REDIS_URL", "")
REDIS_IS_EMBEDDED = not REDIS_URL
REDIS_URL = REDIS_URL or f"unix://{EMBEDDED_REDIS_SOCKET}"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    }
}

CELERY_BROKER_URL = env_str(
    "CELERY_BROKER_URL",
    REDIS_URL.replace("unix://", "redis+socket://", 1),
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- the dispatcher
PULSERX_LATE_GRACE = env_duration("PULSERX_LATE_GRACE", timedelta(hours=2))
PULSERX_LOOKAHEAD = env_duration("PULSERX_LOOKAHEAD", timedelta(minutes=10))
PULSERX_LEASE = env_duration("PULSERX_LEASE", timedelta(seconds=60))
PULSERX_CLAIM_BATCH = env_int("PULSERX_CLAIM_BATCH", 500)
PULSERX_TICK_SECONDS = env_duration("PULSERX_TICK", timedelta(seconds=1)).total_seconds()
PULSERX_WORKER_MAX_RSS_MB = env_int("PULSERX_WORKER_MAX_RSS_MB", 200)
# The instance's hard memory limit (Render Starter: 512 MB): the guard's budget stays well under it.
PULSERX_WORKER_MEMORY_LIMIT_MB = env_int("PULSERX_WORKER_MEMORY_LIMIT_MB", 512)
# /healthz and `manage.py doctor` call the worker dead when its last tick is older than this.
PULSERX_HEALTH_MAX_TICK_AGE = env_duration("PULSERX_HEALTH_MAX_TICK_AGE", timedelta(seconds=30))
# Who may read /healthz in full (Authorization: Bearer <token>); empty: nobody, the public
# only ever sees {"healthy": true|false}. `manage.py doctor` reads the full report locally.
PULSERX_HEALTH_TOKEN = env_str("PULSERX_HEALTH_TOKEN", "")
PULSERX_DELIVERY_MAX_ATTEMPTS = env_int("PULSERX_DELIVERY_MAX_ATTEMPTS", 5)
# A dose taken more than this after its due time counts as late in History and the reports.
PULSERX_ON_TIME_WINDOW = env_duration("PULSERX_ON_TIME_WINDOW", timedelta(minutes=60))
# Task threads of the worker; email may use all but one of them, so a push (or any other
# task) always finds a free thread however many emails are waiting on a slow server.
PULSERX_WORKER_THREADS = env_int("PULSERX_WORKER_THREADS", 4)
PULSERX_EMAIL_THREADS = env_int("PULSERX_EMAIL_THREADS", max(PULSERX_WORKER_THREADS - 1, 1))
# Deliveries per task; a task holds one channel only (its own queue: "email" or "push").
PULSERX_DELIVERY_CHUNK = env_int("PULSERX_DELIVERY_CHUNK", 20)

# --- accounts
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out client before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout: PULSERX_LOGIN_FAILURE_LIMIT failures from one client address lock that
# address out, and as many for one account lock the account, each for PULSERX_LOGIN_LOCKOUT.
# An account's lock also ends when its password is reset by email (accounts/throttle.py).
# The address is the one the platform's proxy saw (pulserx/clientaddress.py): the
# X-Forwarded-For entry PULSERX_PROXY_HOPS places from the right; with 0 hops, the connection's.
PULSERX_PROXY_HOPS = env_int("PULSERX_PROXY_HOPS", 0)
if PULSERX_PROXY_HOPS < 0:
    raise ImproperlyConfigured("PULSERX_PROXY_HOPS counts proxies: 0 or more")
AXES_CLIENT_IP_CALLABLE = "pulserx.clientaddress.client_address"
AXES_USERNAME_CALLABLE = "pulserx.accounts.throttle.account_name"
AXES_LOCKOUT_PARAMETERS = "pulserx.accounts.throttle.lockout_parameters"
AXES_FAILURE_LIMIT = env_int("PULSERX_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_duration("PULSERX_LOGIN_LOCKOUT", timedelta(minutes=15))
AXES_RESET_ON_SUCCESS = False  # throttle.forget_own_failures does it, more narrowly
AXES_LOCKOUT_CALLABLE = "pulserx.accounts.throttle.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False  # its log lines carry the username (an email address)
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
# Two-step sign-in (pulserx/accounts/two_factor.py): a wrong code counts as a failed sign-in of
# the account in django-axes above, so codes and passwords share one lockout; django-otp's own
# per-device delay is off (it would refuse a right code after a typo, and count it as wrong).
OTP_TOTP_ISSUER = "PulseRx"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Passkeys (pulserx/accounts/passkeys.py): the WebAuthn relying party id is SITE_URL's host name
# unless this names another (a parent domain of it); answers must come from SITE_URL's origin.
PULSERX_PASSKEY_RP_ID = env_str("PULSERX_PASSKEY_RP_ID", "")
# Settings → Signed-in sessions names the place of each session's address ("Lisbon, Portugal")
# when GEOIP_PATH names a MaxMind or DB-IP City/Country database (or the folder holding
# GeoLite2-City.mmdb) and the geoip2 package is installed (pulserx/accounts/places.py).
GEOIP_PATH = env_str("GEOIP_PATH", "") or None
# How long "who saw what" remembers a read of a patient's data by someone else.
PULSERX_ACCESS_LOG_DAYS = env_int("PULSERX_ACCESS_LOG_DAYS", 365)
# How long an account waits, after its owner asked for deletion, before it is purged.
PULSERX_DELETION_GRACE = timedelta(days=7)
# Single sign-on over OpenID Connect (pulserx/accounts/sso/): the providers listed in
# PULSERX_OIDC_PROVIDERS, each from PULSERX_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET and
# _LABEL. Their discovery documents are fetched when someone first uses them, not here.
PULSERX_OIDC_PROVIDERS = oidc_providers_from_env(os.environ)
# How long a provider may take to answer PulseRx's own requests (discovery, keys, tokens).
PULSERX_OIDC_TIMEOUT = env_duration("PULSERX_OIDC_TIMEOUT", timedelta(seconds=10))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- email
vars().update(environ.Env.email_url_config(env_str("EMAIL_URL", "consolemail://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PulseRx <reminders@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
PULSERX_PUSH_TIMEOUT = env_int("PULSERX_PUSH_TIMEOUT", 10)
# A queued chunk of deliveries is this long the task's: long enough for every send of a
# chunk to time out (then a lost task's deliveries are sent again). Not the dose lease.
PULSERX_DELIVERY_LEASE = env_duration("PULSERX_DELIVERY_LEASE", timedelta(
    seconds=PULSERX_DELIVERY_CHUNK * max(EMAIL_TIMEOUT, PULSERX_PUSH_TIMEOUT) + 60))
# How long the Take/Skip links in a reminder email keep working (they need no sign-in).
PULSERX_EMAIL_LINK_MAX_AGE = env_duration("PULSERX_EMAIL_LINK_MAX_AGE", timedelta(hours=12))

# --- web push
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:admin@localhost")
# The push services subscriptions may point at (browsers' own); a leading dot allows subdomains.
PULSERX_PUSH_SERVICE_HOSTS = env_list("PULSERX_PUSH_SERVICE_HOSTS", [
    ".googleapis.com",  # Chrome, Edge (FCM)
    ".push.services.mozilla.com",  # Firefox
    ".push.apple.com",  # Safari
    ".notify.windows.com",  # Edge legacy (WNS)
])
# How long a push service keeps a reminder for a device that is offline before dropping it.
PULSERX_PUSH_TTL = env_duration("PULSERX_PUSH_TTL", timedelta(hours=1))

# --- channels (ntfy, Telegram, Signal, Matrix, SMS, webhooks …; pulserx/notifications/channels)
# Fernet keys that encrypt channel credentials, newest first (MultiFernet): the first encrypts,
# all decrypt, `manage.py rotate_channel_keys` re-encrypts with the first. Unset: a key
# derived from SECRET_KEY (changing SECRET_KEY would then lock the channels).
PULSERX_CHANNEL_KEYS = env_list("PULSERX_CHANNEL_KEYS", [])
# Hosts (names, IP addresses or networks) a channel may reach on a loopback, private or
# link-local address: self-hosters' ntfy or Gotify on their LAN. Everything else must resolve
# to a public address, checked when the connection is made.
PULSERX_CHANNEL_HOSTS = env_list("PULSERX_CHANNEL_HOSTS", [])
PULSERX_CHANNEL_TIMEOUT = env_int("PULSERX_CHANNEL_TIMEOUT", 10)
# Task threads channel messages may occupy at once (their own queue, "channels"), so a slow
# SMS provider never holds every thread while a push waits.
PULSERX_CHANNEL_THREADS = env_int("PULSERX_CHANNEL_THREADS",
                                  max(PULSERX_WORKER_THREADS - 1, 1))
# How long a queued chunk of channel messages is its task's before it is sent again.
# A task holds up to 4 chunks of them (a wave is split over the lane's threads).
PULSERX_CHANNEL_LEASE = env_duration("PULSERX_CHANNEL_LEASE", timedelta(
    seconds=4 * PULSERX_DELIVERY_CHUNK * PULSERX_CHANNEL_TIMEOUT + 60))
# How long Take/Skip buttons in channel messages (ntfy, Telegram) and replies to a reminder
# (SMS, Matrix) keep working.
PULSERX_CHANNEL_LINK_MAX_AGE = env_duration("PULSERX_CHANNEL_LINK_MAX_AGE", timedelta(hours=12))
# How often the worker reads the Matrix rooms that have a reminder still to be answered.
PULSERX_MATRIX_REPLY_SECONDS = env_int("PULSERX_MATRIX_REPLY_SECONDS", 20)

# --- i18n, static
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# Every language the pages and messages speak, each complete (tests/i18n checks the catalogs).
LANGUAGES = [
    ("en", gettext_lazy("English")),
    ("es", gettext_lazy("Spanish")),
    ("de", gettext_lazy("German")),
    ("fr", gettext_lazy("French")),
    ("pt-br", gettext_lazy("Brazilian Portuguese")),
    ("it", gettext_lazy("Italian")),
    ("ar", gettext_lazy("Arabic")),
]
# Translators' sources (`make messages` extracts, Weblate edits); compiled at start-up.
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates in words, day first (pulserx/formats/en); other formats are Django's.
FORMAT_MODULE_PATH = ["pulserx.formats"]
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [NINJA_DIR / "static"]
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

# --- production hardening (see the deploy checks in ops/checks.py)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is the domain owner's decision and hard to undo, so it is opt-in; while it is off,
# the deploy check that asks for it (security.W021) is silenced rather than left as noise.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# --- logging: counts and ids only, never health data
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Secrets in URL paths (calendar, email links, invitations) never reach a log line.
    "filters": {"redact_tokens": {"()": "pulserx.logredact.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # The worker's own lines: "ready", each task received/succeeded, each batch delivered.
        name: {"level": LOG_LEVEL, "handlers": ["console"], "propagate": False}
        for name in ("pulserx", "celery.apps.worker", "celery.worker.strategy", "celery.app.trace")
    } | {
        # Logs the path of every 4xx/5xx; redacted on the record itself, for every handler.
        "django.request": {"filters": ["redact_tokens"]},
        # Apprise's own lines can carry a channel's address or a message's words: never shown.
        "apprise": {"level": "CRITICAL", "handlers": [], "propagate": False},
        # Its debug lines carry request paths, and a Telegram bot's token is in its path.
        "urllib3": {"level": "WARNING"},
        # `manage.py runserver`'s request lines, as Django's defaults would show them.
        "django.server": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
# Applied here, without Django's defaults (django.utils.log.DEFAULT_LOGGING) before it: their
# mail_admins handler loads the debug views, the generic views and template responses into
# every process, the worker included (~0.5 MB for good), to mail ADMINS, and PulseRx has no
# ADMINS. Django's errors still reach the console, through the root handler above.
LOGGING_CONFIG = None
logging.config.dictConfig(LOGGING)
