"""ECMP settings: one file, every value from the environment with an embedded default.

The embedded default (no environment at all) is SQLite in var/, media in
var/media/, mail written to var/mail/ and a secret key generated once.
See docs/operations.md for the variables.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ecmp.core.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    keep_new_files_private,
    s3_storage_from_env,
    secret_key_from,
)

# Before anything is written: var/ (database, mail, attachments, key) is private.
keep_new_files_private()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ECMP_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = secret_key_from(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ecmp.core",
    "ecmp.accounts",
    "ecmp.tickets",
    "ecmp.notifications",
    "ecmp.sla",
    "ecmp.billing",
    "ecmp.alerts",
    "ecmp.mail",
    "ecmp.webhooks",
    "ecmp.portal",
    "ecmp.desk",
    "ecmp.demo",
    "ecmp.api",
    # django-ninja: only for its Swagger UI files, served from here (no CDN).
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecmp.core.security.PrivateCacheMiddleware",
    # django-otp's OTPMiddleware, its device read compiled once (accounts/session_device.py).
    "ecmp.accounts.session_device.SessionDeviceMiddleware",
    "ecmp.accounts.twofactor_middleware.TwoFactorMiddleware",
    "ecmp.accounts.middleware.UserLanguageMiddleware",
    "ecmp.accounts.audit.AuditAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Form widgets: Django's Jinja2 widget templates, the admin's own through Django's
# template language (ecmp/core/forms_renderer.py).
FORM_RENDERER = "ecmp.core.forms_renderer.FormRenderer"
WSGI_APPLICATION = "config.wsgi.application"

_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.template.context_processors.i18n",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "ecmp.core.context_processors.site",
    "ecmp.notifications.context_processors.unread",
    # The desk menu's counts of held mail and registration requests (lazy; staff only).
    "ecmp.desk.menu.alerts",
]
TEMPLATES = [
    # Pages: Jinja2 templates under jinja2/ (config/jinja.py; docs/architecture.md,
    # "Templates": the template language was the largest cost of every page).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja.environment",
            "context_processors": [
                *_CONTEXT_PROCESSORS,
                "ecmp.core.context_processors.csrf_once",
                "ecmp.core.context_processors.viewer",
                "ecmp.core.context_processors.page_links",
                "config.jinja_gettext.page_translations",
            ],
        },
    },
    # Emails (templates/emails/) and the Django admin: Django's template language.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'ecmp.sqlite3'}",
        # Persistent connections: opening one costs more than most pages' queries.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "ecmp.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        # IMMEDIATE: a web process and a worker writing at once would otherwise
        # fail with "database is locked" on read-then-write transactions.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # Full-text search of the desk (the __search lookup).
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ecmp.accounts.backends.LoginOrEmailBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "ecmp.accounts.passwords.LowercaseValidator"},
    {"NAME": "ecmp.accounts.passwords.UppercaseValidator"},
    {"NAME": "ecmp.accounts.passwords.DigitValidator"},
    {"NAME": "ecmp.accounts.passwords.SpecialCharacterValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "username", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# An invitation link ("To the portal") is valid this many days.
ECMP_INVITATION_DAYS = env_int("ECMP_INVITATION_DAYS", 7)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)

# Sign-in protection (docs/operations.md, "Sign-in protection"; ecmp/accounts/signin.py).
# The (account, address) pair locks after AXES_FAILURE_LIMIT failures, an address
# failing on many accounts after ECMP_SIGNIN_ADDRESS_LIMIT. An account alone never
# locks (that would let anyone lock its owner out): past ECMP_SIGNIN_ACCOUNT_LIMIT
# failures from anywhere, its password is tried at most once per
# ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS, except from its owner's known browsers, and the
# owner gets one email with an unlock link. All within the cool-off window.
AXES_HANDLER = "ecmp.accounts.signin.SignInAttemptHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
# A success clears only its own pair's failures (the handler does it): never the
# address's failures on other accounts.
AXES_RESET_ON_SUCCESS = False
# Attempts refused during a lock are not guesses: they neither extend the lock nor
# count against the account (one address could otherwise slow its owner down).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "ecmp.accounts.backends.canonical_username"
AXES_CLIENT_IP_CALLABLE = "ecmp.accounts.throttle.client_ip_address"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
ECMP_SIGNIN_ADDRESS_LIMIT = env_int("ECMP_SIGNIN_ADDRESS_LIMIT", 20)
ECMP_SIGNIN_ACCOUNT_LIMIT = env_int("ECMP_SIGNIN_ACCOUNT_LIMIT", 10)
ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS = env_int("ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS", 30)
ECMP_SIGNIN_UNLOCK_HOURS = env_int("ECMP_SIGNIN_UNLOCK_HOURS", 24)
ECMP_SIGNIN_KNOWN_BROWSER_DAYS = env_int("ECMP_SIGNIN_KNOWN_BROWSER_DAYS", 90)
# Password reset emails and invitation renewals, per hour: per account, per address.
ECMP_RESET_ACCOUNT_LIMIT = env_int("ECMP_RESET_ACCOUNT_LIMIT", 3)
ECMP_RESET_ADDRESS_LIMIT = env_int("ECMP_RESET_ADDRESS_LIMIT", 10)
# The client address: 0 trusts nothing the client sends (REMOTE_ADDR); N proxies in
# front (nginx alone: 1) read the address the outermost one saw from
# X-Forwarded-For, or from ECMP_CLIENT_IP_HEADER (e.g. HTTP_X_REAL_IP) if set.
ECMP_TRUSTED_PROXY_COUNT = env_int("ECMP_TRUSTED_PROXY_COUNT", 0)
ECMP_CLIENT_IP_HEADER = env_str("ECMP_CLIENT_IP_HEADER").strip().upper().replace("-", "_")
if ECMP_CLIENT_IP_HEADER and not ECMP_CLIENT_IP_HEADER.startswith("HTTP_"):
    ECMP_CLIENT_IP_HEADER = f"HTTP_{ECMP_CLIENT_IP_HEADER}"  # "X-Real-IP" as Django names it
if ECMP_CLIENT_IP_HEADER and not ECMP_TRUSTED_PROXY_COUNT:
    raise ImproperlyConfigured(
        "ECMP_CLIENT_IP_HEADER is read only behind a trusted proxy: set ECMP_TRUSTED_PROXY_COUNT"
    )

# --- Transport, cookies and headers (docs/operations.md, "Production settings") ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Cookies only over HTTPS. SECURE_COOKIES is the older name, still read.
SESSION_COOKIE_SECURE = env_bool("ECMP_SECURE_COOKIES", env_bool("SECURE_COOKIES", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
# HSTS and the redirect to HTTPS are off by default: the embedded mode is plain
# HTTP on 127.0.0.1, and a browser keeps an HSTS promise for its whole duration.
SECURE_HSTS_SECONDS = env_int("ECMP_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ECMP_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("ECMP_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("ECMP_SSL_REDIRECT", False)
# A load balancer probes the health check over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): our own scripts, styles, fonts and images
# only; no inline script, handler or style attribute anywhere (templates keep
# them in static/js and static/css), so an injected <script> or onerror= is
# never run. data: images are Bootstrap's SVG icons inside its stylesheet.
# Downloads set their own stricter policy (ecmp/core/downloads.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}

# Two-factor authentication (TOTP, django-otp): "required" makes agents and admins
# enrol before they reach anything; "optional" leaves it to each person, as it
# always is for customers.
ECMP_STAFF_2FA = env_str("ECMP_STAFF_2FA", "required").lower()
if ECMP_STAFF_2FA not in ("required", "optional"):
    raise ImproperlyConfigured("ECMP_STAFF_2FA must be required or optional")
# "Remember this browser": how long a browser skips the second factor.
ECMP_2FA_REMEMBER_DAYS = env_int("ECMP_2FA_REMEMBER_DAYS", 30)
# The TOTP secrets stay out of the Django admin's device pages.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- REST API (ecmp/api) ------------------------------------------------------
# Requests a personal access token may make per minute (a fixed window in the
# cache), and the longest life a person may give a token.
ECMP_API_RATE_PER_MINUTE = env_int("ECMP_API_RATE_PER_MINUTE", 600)
# Monitoring alerts (POST /api/v1/alerts/) have their own, larger budget per token:
# a storm of alerts must be counted, not refused.
ECMP_API_ALERT_RATE_PER_MINUTE = env_int("ECMP_API_ALERT_RATE_PER_MINUTE", 6000)
ECMP_API_TOKEN_MAX_DAYS = env_int("ECMP_API_TOKEN_MAX_DAYS", 365)

# --- Languages ----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates and times per language, a 24-hour clock (config/formats/): English
# day/month/year; French as in France, or as in Belgium (ECMP_FRENCH_FORMAT=be).
ECMP_FRENCH_FORMAT = env_str("ECMP_FRENCH_FORMAT", "fr").lower()
if ECMP_FRENCH_FORMAT not in ("fr", "be"):
    raise ImproperlyConfigured("ECMP_FRENCH_FORMAT must be fr or be")
FORMAT_MODULE_PATH = [
    *(["config.formats.be"] if ECMP_FRENCH_FORMAT == "be" else []),
    "config.formats",
]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_TZ = True

# --- Static and media files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        # Public by nature, and a proxy running as another user may serve them.
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
# Attachments: the owner only (Django's default would be 0o644).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Attachments on S3 or any S3-compatible store (MinIO, Ceph…) with django-storages
# (`pip install -e ".[s3]"`, then ECMP_S3_BUCKET…; docs/operations.md).
STORAGES["default"] = s3_storage_from_env() or STORAGES["default"]

# --- Tickets ---------------------------------------------------------------------------
ECMP_TICKET_FIRST_NUMBER = env_int("ECMP_TICKET_FIRST_NUMBER", 1001)
ECMP_ATTACHMENT_MAX_BYTES = env_int("ECMP_ATTACHMENT_MAX_MB", 25) * 1024 * 1024
# File name extensions refused on top of the built-in list (ecmp/tickets/attachments.py).
ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS = frozenset(
    ext.lower().lstrip(".") for ext in env_list("ECMP_UPLOAD_EXTRA_BLOCKED_EXTENSIONS")
)
ECMP_TICKET_ATTACHMENTS_MAX_BYTES = env_int("ECMP_TICKET_ATTACHMENTS_MAX_MB", 100) * 1024 * 1024
# Every list pages by this many rows...
ECMP_LIST_PAGE_SIZE = 25
# ...but the organizations list, a directory in name order with short rows that one
# scans for a name: a longer page means fewer pages to turn.
ECMP_DIRECTORY_PAGE_SIZE = 50
# Closed tickets are archived (read-only) after this many days.
ECMP_ARCHIVE_AFTER_DAYS = env_int("ECMP_ARCHIVE_AFTER_DAYS", 90)
# Above this size an upload goes to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Billing -------------------------------------------------------------------------
ECMP_VAT_RATE = env_str("ECMP_VAT_RATE", "21")
ECMP_CURRENCY = env_str("ECMP_CURRENCY", "EUR")
# E-invoices need each party's country (ISO 3166 code): taken from its VAT number,
# else this one.
ECMP_COUNTRY = env_str("ECMP_COUNTRY", "BE")

# --- Background work ------------------------------------------------------------------
# "database" (the default: no other server) or "redis" (django-tasks-rq, for scale-out:
# run `manage.py rqworker --with-scheduler default mail` instead of db_worker).
ECMP_TASKS_BACKEND = env_str("ECMP_TASKS_BACKEND", "database")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail"],
    }
}
if ECMP_TASKS_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "mail"]}}
    RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in ("default", "mail")}
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}

# --- Mail ---------------------------------------------------------------------------
# Embedded default: every outgoing message is written as a file under var/mail/
# (the local mail catcher); set EMAIL_HOST to send through a real SMTP server.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# The support address customers write to; replies come back to it. More than one
# may be given (comma-separated): the first is the one we send from.
ECMP_SUPPORT_ADDRESSES = [
    address.lower() for address in env_list("ECMP_SUPPORT_ADDRESSES", "support@ecmp.localhost")
]
ECMP_FROM_ADDRESS = ECMP_SUPPORT_ADDRESSES[0]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"ECMP Support <{ECMP_FROM_ADDRESS}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The domain of our Message-IDs (they carry a signed ticket reference).
ECMP_MAIL_DOMAIN = env_str("ECMP_MAIL_DOMAIN", ECMP_FROM_ADDRESS.partition("@")[2])
# Reply-To support+1001@…: replies find their ticket even without headers.
ECMP_MAIL_PLUS_ADDRESSING = env_bool("ECMP_MAIL_PLUS_ADDRESSING", False)
# Answer mail from unknown senders with how to get an account (off: no backscatter).
ECMP_MAIL_ANSWER_UNKNOWN_SENDERS = env_bool("ECMP_MAIL_ANSWER_UNKNOWN_SENDERS", False)
# Per sender: new tickets by email, and automatic answers, per window.
ECMP_MAIL_SENDER_LIMIT = env_int("ECMP_MAIL_SENDER_LIMIT", 20)
ECMP_MAIL_SENDER_WINDOW_HOURS = env_int("ECMP_MAIL_SENDER_WINDOW_HOURS", 2)
# The support team's digest of held mail and registration requests (mail/digest.py):
# hourly, immediately (checked every minute) or off.
ECMP_STAFF_DIGEST = env_str("ECMP_STAFF_DIGEST", "hourly").strip().lower() or "hourly"
if ECMP_STAFF_DIGEST not in ("immediately", "hourly", "off"):
    raise ImproperlyConfigured("ECMP_STAFF_DIGEST must be immediately, hourly or off")
# Closing a ticket with no time logged on it (desk/ticket_views.py, billing/composer.py):
# require (refused), warn (closed, with a warning) or off.
ECMP_TIME_ON_CLOSE = env_str("ECMP_TIME_ON_CLOSE", "warn").strip().lower() or "warn"
if ECMP_TIME_ON_CLOSE not in ("require", "warn", "off"):
    raise ImproperlyConfigured("ECMP_TIME_ON_CLOSE must be require, warn or off")
# Prepaid hours (billing/packs.py): the client's billing contacts and the agents are
# emailed once as the hours in force reach each of these percentages used.
ECMP_HOUR_PACK_ALERTS = sorted(
    {int(level) for level in env_list("ECMP_HOUR_PACK_ALERTS", "80,100") if level.strip()}
)
if any(not 0 < level <= 100 for level in ECMP_HOUR_PACK_ALERTS):
    raise ImproperlyConfigured("ECMP_HOUR_PACK_ALERTS must be percentages from 1 to 100")
# Unpaid invoices (billing/reminders.py): a reminder every N days after the due date,
# at most M of them (0: none).
ECMP_INVOICE_REMINDER_DAYS = env_int("ECMP_INVOICE_REMINDER_DAYS", 7)
ECMP_INVOICE_REMINDERS_MAX = env_int("ECMP_INVOICE_REMINDERS_MAX", 3)
# Larger messages are refused at the door (SMTP 552, mailgate exit 65: the MTA bounces them).
ECMP_INBOUND_MAX_BYTES = env_int("ECMP_INBOUND_MAX_MB", 40) * 1024 * 1024
# Who wrote a message is proven, not read from From: (docs/operations.md, "Proving
# senders"). staff: mail acting as an agent needs proof, customers' is marked;
# all: unproven customer mail is held too; off: nothing held for want of proof.
ECMP_MAIL_VERIFY = env_str("ECMP_MAIL_VERIFY", "staff").lower()
if ECMP_MAIL_VERIFY not in ("staff", "all", "off"):
    raise ImproperlyConfigured("ECMP_MAIL_VERIFY must be staff, all or off")
# The authserv-id of our boundary MTA: only its Authentication-Results count.
ECMP_MAIL_TRUSTED_AUTHSERV_ID = env_str("ECMP_MAIL_TRUSTED_AUTHSERV_ID").strip().lower()
# Verify DKIM signatures here (for an IMAP mailbox whose server adds no results).
ECMP_MAIL_VERIFY_DKIM = env_bool("ECMP_MAIL_VERIFY_DKIM", False)
# Held mail of senders we do not know: total and per-sender quotas (beyond them it
# is refused at the door), and how long its raw message is kept.
ECMP_MAIL_HELD_MAX_BYTES = env_int("ECMP_MAIL_HELD_MAX_MB", 500) * 1024 * 1024
ECMP_MAIL_HELD_SENDER_MAX_BYTES = env_int("ECMP_MAIL_HELD_SENDER_MAX_MB", 25) * 1024 * 1024
ECMP_MAIL_HELD_DAYS = env_int("ECMP_MAIL_HELD_DAYS", 30)
# Attachments kept from one message; the rest are dropped with a note in the thread.
ECMP_MAIL_MAX_PARTS = env_int("ECMP_MAIL_MAX_PARTS", 100)
# Outgoing mail is retried with growing delays for this long, then marked failed.
ECMP_OUTBOX_RETRY_HOURS = env_int("ECMP_OUTBOX_RETRY_HOURS", 24)
# Webhooks (docs/api.md): retried for a day; an endpoint is disabled after this many
# failed attempts in a row, once failing for an hour at least; a request waits this
# long. Private addresses are refused (SSRF guard) unless allowed here, for an
# endpoint on the local network.
ECMP_WEBHOOK_DISABLE_AFTER = env_int("ECMP_WEBHOOK_DISABLE_AFTER", 10)
ECMP_WEBHOOK_TIMEOUT = env_int("ECMP_WEBHOOK_TIMEOUT", 10)
ECMP_WEBHOOK_ALLOW_PRIVATE = env_bool("ECMP_WEBHOOK_ALLOW_PRIVATE", False)
# IMAP polling (optional): every minute, new mail is fetched, stored and moved.
ECMP_IMAP_HOST = env_str("ECMP_IMAP_HOST")
ECMP_IMAP_PORT = env_int("ECMP_IMAP_PORT", 993)
ECMP_IMAP_SSL = env_bool("ECMP_IMAP_SSL", True)
ECMP_IMAP_USER = env_str("ECMP_IMAP_USER")
ECMP_IMAP_PASSWORD = env_str("ECMP_IMAP_PASSWORD")
ECMP_IMAP_FOLDER = env_str("ECMP_IMAP_FOLDER", "INBOX")
ECMP_IMAP_PROCESSED_FOLDER = env_str("ECMP_IMAP_PROCESSED_FOLDER", "Archive")
ECMP_IMAP_POLL_SECONDS = env_int("ECMP_IMAP_POLL_SECONDS", 60)
# The SMTP/LMTP listener that `make run` starts for mail into the desk.
ECMP_MAIL_LISTENER = env_str("ECMP_MAIL_LISTENER", "127.0.0.1:2525")
# The address that links in emails point to (no request exists in a worker).
ECMP_BASE_URL = env_str("ECMP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ECMP_COMPANY_NAME = env_str("ECMP_COMPANY_NAME", "ECMP Support")

# Covering indexes (Index.include) are a PostgreSQL feature; SQLite builds the same
# index without the extra columns, which is what we want.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_without_traceback": {"()": "config.log_filters.RefusalWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusal_without_traceback"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Failed sign-ins are warnings; successful ones are not worth a line each.
        "axes": {"level": "WARNING"},
    },
}
