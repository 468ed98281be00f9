"""Settings for the OHT Attachment Portal: one file, every knob from the environment.

No environment at all gives the embedded laptop default (SQLite, eager Celery,
local-memory cache, console e-mail). `DATABASE_URL` and `REDIS_URL` switch to the
real deployment (PostgreSQL, Celery on Redis). `.env.example` lists every variable.
"""

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "y"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
# With no DATABASE_URL the portal runs as the embedded laptop default, in DEBUG. A
# deployment (DATABASE_URL set) is never DEBUG unless told so.
EMBEDDED = not DATABASE_URL
DEBUG = env_bool("DJANGO_DEBUG", EMBEDDED)


def _secret_key() -> str:
    """A deployment must bring its own key; only a DEBUG laptop may make one up."""
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in the environment (see .env.example); "
            "only DJANGO_DEBUG=true runs without one."
        )
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "oht_portal",
    "attachment",
    "clinicians",
    "engagement",
    "interim_supports",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "oht_portal.middleware.RefuseNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "oht_portal.middleware.RequireMFAMiddleware",
]

ROOT_URLCONF = "oht_portal.urls"
WSGI_APPLICATION = "oht_portal.wsgi.application"
ASGI_APPLICATION = "oht_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oht_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, else an SQLite file -------------
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DJANGO_SQLITE_PATH", str(VAR_DIR / "portal.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery: Redis when REDIS_URL is set, else in-process -----------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("DJANGO_CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "oht",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "America/Toronto"
# Task modules that are not an app's own tasks.py (autodiscovery finds those).
CELERY_IMPORTS = ["attachment.outreach.tasks", "attachment.matching.tasks"]

# --- Auth: allauth with e-mail login and TOTP for staff ---------------------------
AUTH_USER_MODEL = "oht_portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Accounts are created by admins for people of an OHT; nobody signs up on their own.
ACCOUNT_ADAPTER = "oht_portal.adapters.InviteOnlyAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Lock an account (by e-mail) after LOGIN_FAILURES_LIMIT bad passwords in the window.
LOGIN_FAILURES_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURES_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", "15"))
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": f"20/m/ip,{LOGIN_FAILURES_LIMIT}/{LOGIN_LOCKOUT_MINUTES * 60}s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OHT Attachment Portal"
# Staff must enrol in TOTP before they reach personal health information. Only the
# synthetic-data demo may relax this.
MFA_REQUIRED = env_bool("DJANGO_MFA_REQUIRED", True)

# --- Sessions and transport security -----------------------------------------------
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Nothing is loaded from another origin: every script and style is vendored.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Internationalisation: English and French everywhere ---------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

# --- Static files, served by whitenoise (no CDN) -----------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

# --- E-mail ----------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


# --- REST API -----------------------------------------------------------------------
def _api_rate(name: str, default: str) -> str | None:
    """A DRF rate such as 600/min; "off" (or empty) turns that throttle off."""
    value = os.environ.get(name, default).strip().lower()
    if value in {"", "off", "none"}:
        return None
    number, _slash, period = value.partition("/")
    if not number.isdigit() or period not in {"s", "sec", "m", "min", "h", "hour", "d", "day"}:
        raise ImproperlyConfigured(
            f"{name} must look like 600/min (a number, then /s, /min, /hour or /day) or off."
        )
    return value


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's hashed, expiring tokens, refusing writes with a read-only token.
        "oht_portal.api.authentication.ScopedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "oht_portal.api.permissions.IsPortalUser",
        "oht_portal.api.permissions.TokenScope",
    ],
    # Per token (per user for a browser session), reads and writes counted apart.
    "DEFAULT_THROTTLE_CLASSES": [
        "oht_portal.api.throttling.ApiReadThrottle",
        "oht_portal.api.throttling.ApiWriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_read": _api_rate("DJANGO_API_RATE_READ", "600/min"),
        "api_write": _api_rate("DJANGO_API_RATE_WRITE", "120/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "oht_portal.api.pagination.CappedLimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # drf-spectacular's, with the API's error shape, ETag and idempotency conventions.
    "DEFAULT_SCHEMA_CLASS": "oht_portal.api.openapi.PortalAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "oht_portal.api.exceptions.api_exception_handler",
    "PAGE_SIZE": 50,
}
# No API page holds more rows than this, whatever `limit` the caller asks for.
API_MAX_PAGE_SIZE = int(os.environ.get("DJANGO_API_MAX_PAGE_SIZE", "500"))
# A person chooses how long each token lasts, up to this many days.
API_TOKEN_MAX_DAYS = int(os.environ.get("DJANGO_API_TOKEN_MAX_DAYS", "90"))
# Patient records one token (or session) may receive in a clock hour before an alert is
# raised for the privacy leads; 0 turns the alert off.
API_ALERT_PATIENTS_PER_HOUR = int(os.environ.get("DJANGO_API_ALERT_PATIENTS_PER_HOUR", "2000"))
# knox's token model is swappable; naming it lets the portal's token history point to it.
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 (a model name, not a secret)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(os.environ.get("DJANGO_API_TOKEN_DAYS", "30"))),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 10,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OHT Attachment Portal API",
    "DESCRIPTION": "The care-connector API of the OHT Attachment Portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- Domain settings -------------------------------------------------------------------
# Patients registered on or before this date are the cohort OHTs must clear first.
HCC_COHORT_DATE = date.fromisoformat(os.environ.get("DJANGO_HCC_COHORT_DATE", "2025-01-01"))
# The priority score's weights. Change the version whenever a weight changes, so scores
# shown and kept can be traced to the rule that made them.
ATTACHMENT_PRIORITY = {
    "version": "2025.1",
    "cohort": 1000,
    "complex_vulnerable": 100,
    "per_month_waited": 1,
}
# Outreach: days to wait for a reply before a call is due, and failed calls after
# which a patient counts as unreachable.
OUTREACH_REPLY_DAYS = int(os.environ.get("DJANGO_OUTREACH_REPLY_DAYS", "14"))
OUTREACH_MAX_CALL_ATTEMPTS = int(os.environ.get("DJANGO_OUTREACH_MAX_CALL_ATTEMPTS", "3"))
# The SMS gateway adapter (attachment.outreach.senders.SmsGateway). The default only logs
# a masked number and the message length; a deployment names its provider's adapter.
OUTREACH_SMS_GATEWAY = os.environ.get(
    "DJANGO_OUTREACH_SMS_GATEWAY", "attachment.outreach.senders.LoggingSmsGateway"
)
# Clinician capacity: a declaration is good for this many days from its last
# verification, reminders go out this many days before it expires, and a clinician's
# e-mailed link works for this many days.
CAPACITY_VALID_DAYS = int(os.environ.get("DJANGO_CAPACITY_VALID_DAYS", "90"))
CAPACITY_REMINDER_DAYS = int(os.environ.get("DJANGO_CAPACITY_REMINDER_DAYS", "14"))
CLINICIAN_LINK_DAYS = int(os.environ.get("DJANGO_CLINICIAN_LINK_DAYS", "21"))
# Matching: how far (km between FSA centroids) a patient may be proposed a location,
# the weights of fit, and the business days a practice has to answer a referral.
MATCHING_MAX_DISTANCE_KM = float(os.environ.get("DJANGO_MATCHING_MAX_DISTANCE_KM", "25"))
# A virtual practice is offered to patients of remote FSAs up to this far away.
MATCHING_VIRTUAL_MAX_KM = float(os.environ.get("DJANGO_MATCHING_VIRTUAL_MAX_KM", "200"))
MATCHING_FIT = {
    "version": "2026.1",
    "language": 50,
    "household": 40,
    "per_km": 1,
}
REFERRAL_ANSWER_BUSINESS_DAYS = int(os.environ.get("DJANGO_REFERRAL_ANSWER_BUSINESS_DAYS", "5"))
# The quarterly dashboard: counts of 1..N people are suppressed in everything that leaves
# the portal (exports, the printed summary, the API); the targets its burn-downs aim at
# (the cohort cleared by spring 2026, i.e. the end of fiscal 2025-26; 100% attachment
# by 2029); and how many recent quarters the projection's pace is measured over.
REPORTING_SMALL_CELL_MAX = int(os.environ.get("DJANGO_REPORTING_SMALL_CELL_MAX", "5"))
REPORTING_COHORT_TARGET_DATE = date.fromisoformat(
    os.environ.get("DJANGO_REPORTING_COHORT_TARGET_DATE", "2026-03-31")
)
REPORTING_ATTACHMENT_TARGET_DATE = date.fromisoformat(
    os.environ.get("DJANGO_REPORTING_ATTACHMENT_TARGET_DATE", "2029-03-31")
)
REPORTING_PACE_QUARTERS = int(os.environ.get("DJANGO_REPORTING_PACE_QUARTERS", "2"))
# Rebuild the quarterly figures of the OHTs an import covered once it succeeds (a
# Celery task; inline when Celery is eager). Benchmarks of the import alone turn it off.
REPORTING_BUILD_AFTER_IMPORT = env_bool("DJANGO_REPORTING_BUILD_AFTER_IMPORT", True)
# The portal's public address, for links in e-mails sent outside a request (Celery).
PORTAL_BASE_URL = os.environ.get("DJANGO_PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Logging: never PHI; request bodies and query strings are not logged -------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger puts the URL in error messages; keep it at ERROR.
        "django.request": {"level": "ERROR"},
    },
}

# --- Extract imports -----------------------------------------------------------------
EXTRACT_MAX_BYTES = int(os.environ.get("DJANGO_EXTRACT_MAX_BYTES", str(200 * 1024 * 1024)))
# Raw files are kept read-only here for audit, named by their SHA-256.
EXTRACT_ARCHIVE_DIR = Path(os.environ.get("DJANGO_EXTRACT_ARCHIVE_DIR", VAR_DIR / "extracts"))
# The beat task picks up files dropped here, moving each to processed/ or failed/.
EXTRACT_INBOX_DIR = os.environ.get("DJANGO_EXTRACT_INBOX_DIR", "")
EXTRACT_INBOX_SECONDS = int(os.environ.get("DJANGO_EXTRACT_INBOX_SECONDS", "60"))
# A run still "running" after this long was interrupted (killed worker) and may be re-run.
EXTRACT_RUN_TIMEOUT_SECONDS = int(os.environ.get("DJANGO_EXTRACT_RUN_TIMEOUT_SECONDS", "7200"))

# --- Periodic jobs, reviewed in code ---------------------------------------------------
CELERY_BEAT_SCHEDULE = {
    "extract-inbox-scan": {
        "task": "oht_portal.tasks.extract_inbox_scan",
        "schedule": EXTRACT_INBOX_SECONDS,
    },
    "import-runs-sweep": {
        "task": "oht_portal.tasks.import_runs_sweep",
        "schedule": 15 * 60,
    },
    "capacity-reminders": {
        "task": "clinicians.tasks.capacity_reminders_send",
        "schedule": 24 * 3600,
    },
    # Every OHT's current and previous fiscal quarter, at night (CELERY_TIMEZONE).
    "metrics-nightly": {
        "task": "reporting.tasks.metrics_build_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}
