"""Clearday settings. Everything that differs between machines comes from the environment.

With nothing set, the embedded defaults run the whole system on one machine: SQLite (WAL,
IMMEDIATE transactions) and a file-system Celery broker under DATA_DIR.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CLEARDAY_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
PRODUCTION = env_bool("CLEARDAY_PRODUCTION", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = "insecure-development-key-only-for-local-use-" + "x" * 20

# Fernet keys for the patient's answers at rest, newest first (config/field_encryption.py). Unset
# outside production: a key derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production (comma-separated Fernet keys, "
                               "newest first).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "audit.apps.AuditedAdminConfig",  # django.contrib.admin, with its changes in the audit log
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "csp",
    "axes",
    "accounts",
    "scheduling",
    "notifications",
    "care",
    "telehealth",
    "checkins",
    "calendars",
    "waitlist",
    "api",
    "django_htmx",
    "web",
    "audit",
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.middleware.PageLanguageMiddleware",  # pages only (the API answers in English); reads the signed-in patient
    "audit.context.AuditContextMiddleware",  # where audit entries written during the request came from
    "scheduling.catalog.PinCatalogMiddleware",  # one read of the clinic's set-up per request
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into accounts.lockout's page
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
# bookings serialise instead of failing on a lock upgrade.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
# Two roles on PostgreSQL (README, Database roles; audit/owner.py). DATABASE_URL is the runtime
# role the web, worker and beat connect as: it owns nothing and may only add to and read the
# audit log. MIGRATE_DATABASE_URL, when set, is the schema's owner: manage.py's owner commands
# (migrate, flush, seed_demo, grant_runtime_role, purge_audit_log) set CLEARDAY_DATABASE_AS_OWNER
# and connect with it instead. After each migrate the runtime role, DATABASE_RUNTIME_ROLE or else
# DATABASE_URL's user, gets its privileges. With one URL (SQLite, `make run`) nothing changes.
DATABASE_URL = env_str("DATABASE_URL")
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL")
DATABASE_RUNTIME_ROLE = env_str("DATABASE_RUNTIME_ROLE")
if MIGRATE_DATABASE_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("MIGRATE_DATABASE_URL is set without DATABASE_URL, the app's runtime role.")
    DATABASE_RUNTIME_ROLE = DATABASE_RUNTIME_ROLE or dj_database_url.parse(DATABASE_URL)["USER"]
    _owner = dj_database_url.parse(MIGRATE_DATABASE_URL)["USER"]
    if DATABASE_RUNTIME_ROLE and _owner == DATABASE_RUNTIME_ROLE:
        raise ImproperlyConfigured("DATABASE_URL and MIGRATE_DATABASE_URL name the same role: the app must connect as "
                                   "a runtime role that does not own the schema (README, Database roles).")
    if env_bool("CLEARDAY_DATABASE_AS_OWNER"):
        DATABASE_URL = MIGRATE_DATABASE_URL
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                                  conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "clearday.sqlite3"}}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {**SQLITE_OPTIONS, **_db.get("OPTIONS", {})}
    # A file (not :memory:) so threads and a Celery worker see the same test database; one per
    # process so two test runs on the same machine never delete each other's.
    _db.setdefault("TEST", {}).setdefault("NAME", DATA_DIR / f"test-clearday-{os.getpid()}.sqlite3")
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast (and let /readyz say so) instead of hanging on an unreachable server.
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Unacked messages return to the queue after the visibility timeout: tasks stay short and
    # idempotent, and nothing is scheduled with a long ETA (due rows live in the database).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
else:
    # One folder for both directions: every process on this machine shares the same queue.
    BROKER_DIR = DATA_DIR / "broker"
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(BROKER_DIR), "data_folder_out": str(BROKER_DIR),
                                       "control_folder": str(BROKER_DIR / "control")}
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or (REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = True  # tasks write their outcome to the database; results are opt-in
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_ALWAYS_EAGER = False  # Celery reads CELERY_* live: tests may switch it with pytest-django's `settings`
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Auth and API ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff password sign-in (desk and admin) is locked after AXES_FAILURE_LIMIT failures for one
# username from one address, for AXES_COOLOFF_MINUTES (accounts/lockout.py says why the pair).
AUTHENTICATION_BACKENDS = ["accounts.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the page's "try again in N minutes" stays true
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every web process; visible in the admin

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not signed in" into a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # limit (1-200, default 100) and offset, each checked: a value out of range is a 400 problem.
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    # Proxies in front of the web process; 0 means the client address is REMOTE_ADDR and an
    # X-Forwarded-For header sent by a client cannot dodge the per-IP limits.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_THROTTLE_RATES": {
        "otp_request_ip": env_str("THROTTLE_OTP_REQUEST_IP", "20/hour"),
        "otp_verify_ip": env_str("THROTTLE_OTP_VERIFY_IP", "60/hour"),
        "availability": env_str("THROTTLE_AVAILABILITY", "600/minute"),
        "booking": env_str("THROTTLE_BOOKING", "120/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Clearday API",
    "DESCRIPTION": "Scheduling and telehealth booking for ketamine-therapy clinics. "
    "Every error is an RFC 9457 problem detail with a stable `code`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No badge from validator.swagger.io: the docs page sends the schema's URL nowhere else.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Path ids (api/routes): positive and within the database's 64-bit keys.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.document_pagination",
                             "api.problem_codes.document_problem_codes"],
    # One schema enum per domain choice set, named for the domain (not for the field using it).
    "ENUM_NAME_OVERRIDES": {
        "StaffRoleEnum": "scheduling.models.clinic.StaffRole",
        "ResourceKindEnum": "scheduling.models.clinic.ResourceKind",
        "ServiceModalityEnum": "scheduling.models.clinic.Modality",
        "VisitModalityEnum": [("in_person", "In person"), ("video", "Video")],
        "AppointmentStatusEnum": "scheduling.models.booking.AppointmentStatus",
        "WaitingRoomPresenceEnum": "telehealth.models.PresenceState",
        "MessageChannelEnum": "notifications.models.Channel",
        "MessageStatusEnum": "notifications.models.MessageStatus",
    },
}

# --- Caches (throttles, rate limits) --------------------------------------------------------
if REDIS_URL:
    # Fails soft through django-redis's IGNORE_EXCEPTIONS: while Redis is down a read is a miss and
    # a write is dropped (and logged), so a throttle lets a few more requests through instead of
    # failing bookings with a 500. The cache holds nothing a booking needs; sign-in's limits are
    # also counted in the database (accounts/services.py).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 2}}}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}

# --- Messages out ---------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.channels.sms.ConsoleSmsBackend")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clearday <no-reply@clearday.example>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL")  # a local fake server in tests and `make run`
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000")
# The outbox dispatcher (notifications/dispatch.py): how often beat runs it, rows per worker task,
# the most rows claimed but not yet finished, and when a claim or an interrupted send is repaired.
NOTIFY_DISPATCH_INTERVAL_SECONDS = env_int("NOTIFY_DISPATCH_INTERVAL_SECONDS", 30)
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 50)
NOTIFY_MAX_IN_FLIGHT = env_int("NOTIFY_MAX_IN_FLIGHT", 5000)
NOTIFY_CLAIM_TIMEOUT_SECONDS = env_int("NOTIFY_CLAIM_TIMEOUT_SECONDS", 600)
NOTIFY_HANDOFF_TIMEOUT_SECONDS = env_int("NOTIFY_HANDOFF_TIMEOUT_SECONDS", 120)

# --- One-time sign-in codes -----------------------------------------------------------------
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 600)
if not 60 <= OTP_TTL_SECONDS <= 600:
    raise ImproperlyConfigured("OTP_TTL_SECONDS must be between 60 and 600: sign-in codes expire within 10 minutes.")
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5)
OTP_MAX_PER_DESTINATION_PER_HOUR = env_int("OTP_MAX_PER_DESTINATION_PER_HOUR", 5)
# One token per device, hashed at rest (django-rest-knox). A fixed 30 days for everyone: a
# patient's phone stays signed in between monthly visits, a lost one is signed out within a
# month (sooner with logout-all); the desk signs in to pages with a session, not a token.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)
REST_KNOX = {"TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS), "AUTO_REFRESH": False}
PHONENUMBER_DEFAULT_REGION = env_str("PHONENUMBER_DEFAULT_REGION", "US")

# --- Booking --------------------------------------------------------------------------------
HOLD_MINUTES = env_int("HOLD_MINUTES", 5)
# The link in a visit's messages (/manage/<token>) is refused this long after the visit's planned end.
MANAGE_LINK_EXPIRES_HOURS = env_int("MANAGE_LINK_EXPIRES_HOURS", 24)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 48)
AVAILABILITY_MAX_DAYS = 62

# --- Clinical gates (care/gates.py) -----------------------------------------------------------
# Gates the front desk may override with a recorded reason. The REMS gates never can (federal
# rule); clearance is a clinician's decision, so by default only the escort check is listed.
CARE_OVERRIDABLE_GATES = env_list("CARE_OVERRIDABLE_GATES", ["escort"])
# A Spravato Patient Monitoring Form is due this many days after each completed session.
CARE_REMS_FORM_DUE_DAYS = env_int("CARE_REMS_FORM_DUE_DAYS", 7)

# --- Telehealth (telehealth/) ----------------------------------------------------------------
# Self-hosted Jitsi Meet with JWT room tokens (prosody `authentication = "token"`): the app id and
# secret are the server's app_id/app_secret; the audience is its accepted audience.
VIDEO_BACKEND = env_str("VIDEO_BACKEND", "telehealth.backends.jitsi.JitsiBackend")
JITSI_BASE_URL = env_str("JITSI_BASE_URL", "https://meet.clearday.example")
JITSI_APP_ID = env_str("JITSI_APP_ID", "clearday")
JITSI_APP_SECRET = env_str("JITSI_APP_SECRET")
if PRODUCTION and not JITSI_APP_SECRET:
    raise ImproperlyConfigured("JITSI_APP_SECRET must be set in production (the Jitsi server's app_secret; "
                               "32 characters or more for HS256).")
JITSI_APP_SECRET = JITSI_APP_SECRET or "insecure-development-jitsi-secret-" + "x" * 16
JITSI_AUDIENCE = env_str("JITSI_AUDIENCE", "jitsi")
# A room token works from the join window's opening until this long after the planned end, so a
# visit that runs over can still reconnect.
JITSI_TOKEN_OVERRUN_MINUTES = env_int("JITSI_TOKEN_OVERRUN_MINUTES", 30)
TELEHEALTH_JOIN_OPENS_MINUTES = env_int("TELEHEALTH_JOIN_OPENS_MINUTES", 15)
# A join link is recognised until this long after the planned end ("this visit has ended"), then
# refused like any unknown link.
TELEHEALTH_LINK_EXPIRES_HOURS = env_int("TELEHEALTH_LINK_EXPIRES_HOURS", 24)
# DEA/HHS telemedicine flexibilities: audio-video prescribing of controlled substances without a
# prior in-person evaluation is allowed for visits on or before this date (the temporary rule, extended year by year).
try:
    TELEHEALTH_CS_FLEXIBILITY_UNTIL = date.fromisoformat(env_str("TELEHEALTH_CS_FLEXIBILITY_UNTIL", "2026-12-31"))
except ValueError:
    raise ImproperlyConfigured("TELEHEALTH_CS_FLEXIBILITY_UNTIL must be a date such as 2026-12-31.") from None

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LOGIN_URL = "/admin/login/"

# --- Security -------------------------------------------------------------------------------
# docs/architecture.md "Headers and browser security" says why each of these is set as it is.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: pages put the token in the form or in htmx's hx-headers.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"  # no page is meant to be framed; the video room is Jitsi's own page
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: a null Origin would fail CSRF; links carrying tokens stay on site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Strict by default: scripts and styles from this server only; a nonce for the few <style>
# blocks the server writes (calendar positions). Views that need more say so with
# config/csp.py's decorators (the video visit page, the API docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
if env_str("CSP_REPORT_URI"):  # an outside collector; the browser tests fail on any violation
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env_str("CSP_REPORT_URI")]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)  # a clinic workstation is shared
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Production runs behind a TLS-terminating proxy that sets this header (and strips a client's).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

# --- Logging: one line per event with the request id; JSON in production --------------------
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # A 4xx is an answer, not a fault: the access line (config.request_id) records
                # its status. Django's own line per 4xx (every lost race for a chair) was noise.
                "django.request": {"level": "ERROR"},
                # The Twilio SDK logs every request's headers at INFO.
                "twilio.http_client": {"level": "WARNING"}},
}
