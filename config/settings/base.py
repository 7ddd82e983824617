"""Settings for every environment, driven by environment variables.

Defaults give a working single-user install: a SQLite file and Celery tasks run
in-process, so `make run` needs no database or broker server.
"""

import os
from pathlib import Path
from zoneinfo import ZoneInfo

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a local development server).")
    SECRET_KEY = "insecure-development-key-never-used-in-production"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "anymail",
    "core",
    "crm",
    "support",
    "surveys",
    "kpis",
    "webhooks",
    "dataset",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.UserLanguageMiddleware",  # a signed-in user's saved language beats the browser's
    "crm.middleware.BusinessTimeZoneMiddleware",  # pages read and show CRM_TIME_ZONE wall-clock times
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # records who made each change
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "crm.context_processors.navigation",
                "kpis.context_processors.dashboards",
                "crm.context_processors.number_display",
            ],
            # |local_date and |local_datetime on every page: Jalali for Persian readers.
            "builtins": ["core.templatetags.jalali"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the roll-up write while pages read; the timeout rides out short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGES = [("en", _("English")), ("fa", _("Persian"))]
# The business's language: the login page's and public pages' when the browser asks for neither English nor
# Persian, staff emails' for someone who never chose, and new contacts' and email templates' default.
CRM_LANGUAGE = os.environ.get("CRM_LANGUAGE", "en").strip().lower() or "en"
if CRM_LANGUAGE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"CRM_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}.")
LANGUAGE_CODE = CRM_LANGUAGE
LOCALE_PATHS = [BASE_DIR / "locale"]
# Persian separators (٫ ٬) and grouping by thousands; dates as Django's own Persian formats.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# The business's own calendar: KPI days are local dates in this zone.
CRM_TIME_ZONE = os.environ.get("CRM_TIME_ZONE", "UTC")
try:
    ZoneInfo(CRM_TIME_ZONE)
except Exception as exc:
    raise ImproperlyConfigured(f"CRM_TIME_ZONE={CRM_TIME_ZONE!r} is not a known time zone.") from exc
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
CRM_WEEK_START = os.environ.get("CRM_WEEK_START", "monday").strip().lower()
if CRM_WEEK_START not in WEEKDAYS:
    raise ImproperlyConfigured(f"CRM_WEEK_START must be one of {', '.join(WEEKDAYS)}.")
# The business's days off, as Python weekday numbers (0 = Monday): "friday" or "thursday,friday" in Iran.
# Business-hours calendars start from it (core/business_time.py).
_weekend_names = [name.strip().lower() for name in os.environ.get("CRM_WEEKEND", "saturday,sunday").split(",")
                  if name.strip()]
if any(name not in WEEKDAYS for name in _weekend_names) or len(set(_weekend_names)) != len(_weekend_names):
    raise ImproperlyConfigured(f"CRM_WEEKEND must be weekday names, each once, from {', '.join(WEEKDAYS)}.")
if len(_weekend_names) == len(WEEKDAYS):
    raise ImproperlyConfigured("CRM_WEEKEND cannot be every day of the week.")
CRM_WEEKEND = tuple(sorted(WEEKDAYS.index(name) for name in _weekend_names))
# Persian pages write Persian digits (۱۴۰۴) unless CRM_LATIN_DIGITS=1 keeps Latin ones.
CRM_LATIN_DIGITS = env_bool("CRM_LATIN_DIGITS", False)
# Webhooks are sent to public addresses only (webhooks/addresses.py); 1 allows receivers on private networks.
CRM_WEBHOOK_ALLOW_PRIVATE = env_bool("CRM_WEBHOOK_ALLOW_PRIVATE", False)
CRM_CURRENCY = os.environ.get("CRM_CURRENCY", "USD").strip().upper()
if len(CRM_CURRENCY) != 3 or not CRM_CURRENCY.isalpha():
    raise ImproperlyConfigured("CRM_CURRENCY must be a three-letter ISO 4217 code, such as USD.")
# Phone numbers typed without a country code are read as numbers of this region (ISO 3166 code) when the
# CRM keeps their E.164 form for duplicate detection (crm/normalize.py).
CRM_PHONE_REGION = os.environ.get("CRM_PHONE_REGION", "US").strip().upper()
if len(CRM_PHONE_REGION) != 2 or not CRM_PHONE_REGION.isalpha():
    raise ImproperlyConfigured("CRM_PHONE_REGION must be a two-letter region code, such as US or IR.")
# How amounts read: in the currency ("currency"), or for rial books in toman ("toman": a tenth of the amount).
CRM_AMOUNT_UNIT = os.environ.get("CRM_AMOUNT_UNIT", "currency").strip().lower() or "currency"
if CRM_AMOUNT_UNIT not in {"currency", "toman"}:
    raise ImproperlyConfigured("CRM_AMOUNT_UNIT must be currency or toman.")
if CRM_AMOUNT_UNIT == "toman" and CRM_CURRENCY != "IRR":
    raise ImproperlyConfigured("CRM_AMOUNT_UNIT=toman needs CRM_CURRENCY=IRR: a toman is ten Iranian rials.")
# When the nightly KPI roll-up runs, HH:MM in the business's zone.
try:
    _hour, _minute = (int(part) for part in os.environ.get("CRM_NIGHTLY_ROLLUP_TIME", "01:00").split(":"))
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured("CRM_NIGHTLY_ROLLUP_TIME must be a time of day written HH:MM, such as 01:00.") from exc
CRM_NIGHTLY_ROLLUP_TIME = (_hour, _minute)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files (ticket attachments) go through Django's storage API, to this folder by default. For an
# S3-compatible store install django-storages[s3] and set STORAGES["default"] to its backend
# ("storages.backends.s3.S3Storage" with its OPTIONS) in a settings module of your own.
MEDIA_ROOT = Path(os.environ.get("CRM_MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"
# No attachment larger than this is kept (from email, the ticket page or the support form).
CRM_ATTACHMENT_MAX_MB = int(os.environ.get("CRM_ATTACHMENT_MAX_MB", "10"))

# Chart.js: from the CDN with a Subresource Integrity hash, or a self-hosted copy
# (CRM_CHARTJS_SELF_HOSTED=1) for installs without internet access.
# The hash is of chart.umd.min.js from the npm package chart.js@4.6.1, the same file as
# static/vendor/chart.umd.min.js (with its source map, which collectstatic needs); change the version, the hash and
# those files together.
CHARTJS_VERSION = "4.6.1"
CHARTJS_SRI = "sha384-Emf5ZVIUiarAdhkgtqK+5/Z5qIvM6QoVrS+qAVtfyZVuD5lIHrac0me485+Antp0"
CHARTJS_CDN_URL = f"https://cdn.jsdelivr.net/npm/chart.js@{CHARTJS_VERSION}/dist/chart.umd.min.js"
CHARTJS_SELF_HOSTED = env_bool("CRM_CHARTJS_SELF_HOSTED", False)

# Content security policy (django-csp): scripts from this site and exactly the Chart.js file on the CDN;
# no inline script anywhere. Inline style *attributes* are allowed (bar widths, chart heights), not <style>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, CHARTJS_CDN_URL],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an unauthenticated request a 401 rather than a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.CrmAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.UserThrottle", "core.api.throttling.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("CRM_API_USER_RATE", "1200/minute"),
        "anon": os.environ.get("CRM_API_ANON_RATE", "60/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": (
        "Contacts, companies, deals, activities, tickets, surveys and KPIs. Authenticate with a session or "
        "`Authorization: Token <key>`. Records with an external id can be addressed as `ext:<external id>` "
        "wherever a path takes an id. Errors: `{\"field\": [\"message\"]}` for invalid input (400), "
        "`{\"detail\": \"message\"}` otherwise; a stale `version` (or `If-Match`) answers 409."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # self-hosted: the docs page works without internet access
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DealKindEnum": "crm.models.DealKind",
        "ActivityKindEnum": "crm.models.ActivityKind",
        "CampaignChannelEnum": "crm.models.CampaignChannel",
        "TicketChannelEnum": "support.models.Channel",
        "SurveyKindEnum": "surveys.models.SurveyKind",
    },
}

# The cache holds KPI answers (per roll-up run, see kpis.selectors) and the counters of rate limits and login
# throttling; Redis shares them between processes. It fails open: with Redis down, reads miss and writes are
# dropped (and logged), so pages and writes keep working while KPI answers come straight from the snapshots.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Celery: with no REDIS_URL every task runs eagerly in the calling process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Publishing to a Redis that is down fails within about a second instead of hanging the request; callers
# log it, and the dirty days already saved let the next roll-up do the work.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the longest roll-up, so Redis does not hand a running task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_TIMEZONE = CRM_TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "nightly-kpi-rollup": {
        "task": "kpis.tasks.nightly_rollup_task",
        "schedule": crontab(hour=CRM_NIGHTLY_ROLLUP_TIME[0], minute=CRM_NIGHTLY_ROLLUP_TIME[1]),
    },
    # Reminders of tasks that fell due: an email to the owner, once.
    "task-reminders": {"task": "crm.tasks.send_task_reminders", "schedule": 60.0},
    # Relationship NPS to active customers: quarterly, on the first day of each quarter.
    "relationship-nps": {
        "task": "surveys.tasks.relationship_nps_task",
        "schedule": crontab(day_of_month="1", month_of_year="1,4,7,10", hour=9, minute=0),
    },
}

# Logs: one JSON object per line with the request's (or task's) id (config.observability); CRM_LOG_FORMAT=plain
# gives readable lines, the default when DEBUG is on.
CRM_LOG_FORMAT = os.environ.get("CRM_LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.observability.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": CRM_LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("CRM_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # one line per request comes from crm.request; Django's own would repeat it
                "django.server": {"level": "WARNING"}},
}

# Email: printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CRM <no-reply@localhost>")
# Every email to customers (replies on tickets, the support form's confirmation, survey invitations) comes from
# the support address; replies to a ticket go to its subaddress <local part>+<ticket token>@<its domain>, so
# the support mailbox must accept plus-addressed mail. DEFAULT_FROM_EMAIL is left for mail to staff.
CRM_SUPPORT_EMAIL = os.environ.get("CRM_SUPPORT_EMAIL", "Support <support@localhost>")
# Reps' emails to contacts (from a contact's page) come from CRM_SALES_EMAIL's address (by default the support
# address), in the rep's name; answers go to the support address, whose mailbox or webhook brings them back.
CRM_SALES_EMAIL = os.environ.get("CRM_SALES_EMAIL", "")
# Customers' email: the support mailbox beat polls (imap://user:password@host:143/INBOX, or imaps:// on 993;
# unset, nothing is polled) every CRM_INBOUND_POLL_SECONDS. An answer to a ticket resolved more than
# CRM_REOPEN_DAYS before opens a new ticket instead of reopening it.
CRM_INBOUND_IMAP_URL = os.environ.get("CRM_INBOUND_IMAP_URL", "")
CRM_INBOUND_POLL_SECONDS = int(os.environ.get("CRM_INBOUND_POLL_SECONDS", "60"))
CRM_REOPEN_DAYS = int(os.environ.get("CRM_REOPEN_DAYS", "14"))
# A sender who opened this many email tickets within an hour is a loop or a flood: further new-ticket mail
# from them is kept unfiled for staff to look at (answers to existing tickets still file).
CRM_INBOUND_NEW_TICKETS_PER_HOUR = int(os.environ.get("CRM_INBOUND_NEW_TICKETS_PER_HOUR", "20"))
if CRM_INBOUND_IMAP_URL:
    CELERY_BEAT_SCHEDULE["support-mailbox"] = {"task": "support.tasks.poll_support_mailbox",
                                               "schedule": CRM_INBOUND_POLL_SECONDS}
# A provider instead of SMTP through django-anymail: EMAIL_BACKEND=anymail.backends.postmark.EmailBackend (or
# another of its backends) and the provider's settings as ANYMAIL_<NAME> variables, e.g.
# ANYMAIL_POSTMARK_SERVER_TOKEN=... becomes ANYMAIL["POSTMARK_SERVER_TOKEN"].
# ANYMAIL_WEBHOOK_SECRET=user:password turns on the providers' inbound webhooks under /mail/inbound/ (basic auth).
ANYMAIL = {name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_")}

# Surveys. Links in emails are absolute: SURVEY_PUBLIC_BASE_URL is the address customers reach.
SURVEY_PUBLIC_BASE_URL = os.environ.get("SURVEY_PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
SURVEY_LINK_DAYS = int(os.environ.get("SURVEY_LINK_DAYS", "30"))  # a link answers this long after sending
SURVEY_EDIT_HOURS = int(os.environ.get("SURVEY_EDIT_HOURS", "24"))  # an answer can be changed this long
SURVEY_THROTTLE_DAYS = int(os.environ.get("SURVEY_THROTTLE_DAYS", "30"))  # no contact asked twice within
SURVEY_FOLLOW_UP_DAYS = int(os.environ.get("SURVEY_FOLLOW_UP_DAYS", "2"))  # a detractor's follow-up task is due
SURVEY_PUBLIC_RATE_LIMIT = int(os.environ.get("SURVEY_PUBLIC_RATE_LIMIT", "30"))  # requests per client per minute

# Public support form (/support/new/): each client address may send this many requests per window (the
# cache counts them: shared between processes only with REDIS_URL); the next one is answered 429.
SUPPORT_FORM_RATE_LIMIT = int(os.environ.get("SUPPORT_FORM_RATE_LIMIT", "5"))
SUPPORT_FORM_RATE_WINDOW_SECONDS = int(os.environ.get("SUPPORT_FORM_RATE_WINDOW_SECONDS", "3600"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
