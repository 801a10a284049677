"""One settings module, driven by environment variables.

Safe defaults serve the embedded mode (a SQLite file under ``var/``, tasks in the database);
production sets ``DATABASE_URL``, ``SECRET_KEY``, ``DEBUG=0``, ``ALLOWED_HOSTS`` and, to move
background work to Redis, ``TINHSO_TASKS_BACKEND=redis``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from tinhso.kernel.security import content_security_policy

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("TINHSO_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The embedded default keeps a key under var/ so a laptop install survives restarts without
# configuration; production must set SECRET_KEY (``check --deploy`` complains otherwise).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's Swagger UI from our static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "mozilla_django_oidc",
    "tinhso.kernel",
    "tinhso.units",
    "tinhso.accounts",
    "tinhso.dossiers",
    "tinhso.feedback",
    "tinhso.qa",
    "tinhso.outreach",
    "tinhso.indicators",
    "tinhso.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, frame denial and Permissions-Policy on every response, static
    # files included (WhiteNoise answers those below).
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tinhso.kernel.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tinhso.portal.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tinhso.kernel.middleware.RequestContextMiddleware",
    # A page refused by the submission limiter becomes a 429 page with Retry-After.
    "tinhso.kernel.ratelimit.RateLimitMiddleware",
    # Axes goes last: it turns a lockout raised by its backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"

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
                "tinhso.portal.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tinhso.sqlite3'}"),
        conn_max_age=int(os.environ.get("TINHSO_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work side by side; IMMEDIATE makes a write
    # transaction take its lock up front instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    (VAR_DIR).mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Login rate limiting and lockout (django-axes): 5 failures per username and address lock
# that pair for 15 minutes. The lock is per pair so one attacker cannot lock a whole office
# behind a shared address.
AXES_FAILURE_LIMIT = int(os.environ.get("TINHSO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("TINHSO_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "tinhso.accounts.views.lockout"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("TINHSO_PROXY_COUNT", "0"))

# OpenID Connect (a VNeID-style identity provider). Off unless the issuer is configured.
OIDC_ENABLED = bool(os.environ.get("TINHSO_OIDC_ISSUER"))
OIDC_RP_CLIENT_ID = os.environ.get("TINHSO_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("TINHSO_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("TINHSO_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("TINHSO_OIDC_SCOPES", "openid profile email")
_issuer = os.environ.get("TINHSO_OIDC_ISSUER", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get(
    "TINHSO_OIDC_AUTHORIZATION_ENDPOINT", f"{_issuer}/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("TINHSO_OIDC_TOKEN_ENDPOINT", f"{_issuer}/token")
OIDC_OP_USER_ENDPOINT = os.environ.get("TINHSO_OIDC_USERINFO_ENDPOINT", f"{_issuer}/userinfo")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("TINHSO_OIDC_JWKS_ENDPOINT", f"{_issuer}/jwks")
OIDC_OP_ISSUER = _issuer  # checked against the ID token's "iss"
OIDC_USE_PKCE = True
# The identity provider's name on the login button ("Đăng nhập bằng VNeID").
TINHSO_OIDC_PROVIDER_NAME = os.environ.get("TINHSO_OIDC_PROVIDER_NAME", "VNeID")
OIDC_TIMEOUT = 10  # seconds; the library's default is to wait for ever on a hung provider
LOGIN_REDIRECT_URL_FAILURE = "/tai-khoan/dang-nhap/"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("tinhso.accounts.oidc.CitizenOIDCBackend")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TINHSO_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PROJECT_DIR / "build" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("TINHSO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not env_bool("TINHSO_PLAIN_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads larger than this are refused before they reach a view (kernel.files checks the
# per-purpose limit, which is smaller).
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
TINHSO_UPLOAD_MAX_BYTES = int(os.environ.get("TINHSO_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# Field reports and Open311 posts one client address may send per minute (reads: 10x); 0 turns
# the limit off (the throughput benchmark does, its clients all come from 127.0.0.1).
TINHSO_OPEN311_IP_PER_MINUTE = int(os.environ.get("TINHSO_OPEN311_IP_PER_MINUTE", "60"))
# Where the IOC's computed counts are refreshed after a commit that moves them: "background"
# (a daemon thread per process, coalescing; the request does not wait, the board follows within
# tens of ms) or "inline" (in the request, after its commit). The tick catches up either way.
TINHSO_IOC_REFRESH = os.environ.get("TINHSO_IOC_REFRESH", "background")

# Background work (Django's task API). The database backend needs no other service.
_tasks_backend = os.environ.get("TINHSO_TASKS_BACKEND", "database")
if _tasks_backend == "redis":
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS.append("django_rq")
elif _tasks_backend == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache holds rate-limit counters and the calendar's version token, so every process
# (gunicorn workers, the task worker) must see the same one: files under var/ in the embedded
# mode, Redis in production when REDIS_URL is set.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(Path(os.environ.get("TINHSO_CACHE_DIR", VAR_DIR / "cache"))),
        # The default (300) culls a third of the entries when full: counters would vanish.
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

EMAIL_BACKEND = os.environ.get(
    "TINHSO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("TINHSO_FROM_EMAIL", "tinhso@localhost")

# Security. Production (DEBUG off) gets HTTPS-only cookies and HSTS; the embedded mode on
# http://localhost turns them off with TINHSO_INSECURE_HTTP=1 (``make run`` does).
_insecure_http = env_bool("TINHSO_INSECURE_HTTP", DEBUG)
SESSION_COOKIE_SECURE = not _insecure_http
CSRF_COOKIE_SECURE = not _insecure_http
SECURE_SSL_REDIRECT = env_bool("TINHSO_SSL_REDIRECT", not _insecure_http)
SECURE_HSTS_SECONDS = 0 if _insecure_http else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not _insecure_http
SECURE_HSTS_PRELOAD = not _insecure_http
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# The CSRF cookie stays readable by script: the offline activity log sends it after the page
# came from the service worker's cache (HttpOnly would add nothing, Django's docs explain why).
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not _insecure_http
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): this site only, no inline script, no framing; the map
# tile server, when configured, for images only. See tinhso.kernel.security.
CONTENT_SECURITY_POLICY = content_security_policy(os.environ.get("TINHSO_MAP_TILE_URL", ""))
# Browser features: none but geolocation, for this site's own pages ("use my position" on the
# field-report form).
TINHSO_PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=(), midi=(), "
    "display-capture=()"
)

# Submissions (dossier start and submit, field report, question, Open311 request): how many
# one signed-in user and one client address may send per window, counted in the shared cache
# before anything is created; 0 turns a limit off. Behind a proxy set TINHSO_PROXY_COUNT, or
# every client shares the proxy's address.
TINHSO_RATE_LIMIT_WINDOW = int(os.environ.get("TINHSO_RATE_LIMIT_WINDOW", "600"))  # seconds
TINHSO_RATE_LIMIT_PER_USER = int(os.environ.get("TINHSO_RATE_LIMIT_PER_USER", "20"))
TINHSO_RATE_LIMIT_PER_IP = int(os.environ.get("TINHSO_RATE_LIMIT_PER_IP", "100"))
# Per-kind overrides, e.g. {"qa.ask": {"user": 5, "ip": 50, "window": 3600}}.
TINHSO_RATE_LIMITS: dict[str, dict[str, int]] = {}
SILENCED_SYSTEM_CHECKS = env_list("TINHSO_SILENCED_CHECKS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "tinhso.kernel.logging.PersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("TINHSO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "faker": {"level": "WARNING"},
        # WeasyPrint reports every layout step at INFO; fontTools every subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The installation: which province (or commune) this server runs for.
TINHSO_SITE_NAME = os.environ.get("TINHSO_SITE_NAME", "Cổng dịch vụ công tỉnh số")
# Where the running code's source is offered (AGPL-3.0 §13); empty shows the /ma-nguon/ page.
TINHSO_SOURCE_URL = os.environ.get("TINHSO_SOURCE_URL", "")
TINHSO_PROVINCE_CODENAME = os.environ.get("TINHSO_PROVINCE", "nghe_an")

# The address citizens reach this server at, for links in e-mails, PDFs and QR codes.
TINHSO_PUBLIC_URL = os.environ.get("TINHSO_PUBLIC_URL", "")

# Digital signatures of results (PAdES). Unset: a local CA and certificate under var/signing/.
TINHSO_SIGNING_PKCS12 = os.environ.get("TINHSO_SIGNING_PKCS12", "")
TINHSO_SIGNING_PASSPHRASE = os.environ.get("TINHSO_SIGNING_PASSPHRASE", "")
TINHSO_SIGNING_TRUST_ROOTS = os.environ.get("TINHSO_SIGNING_TRUST_ROOTS", "")

# Online fee payment (VNPay protocol). Unset: the built-in stand-in gateway at
# /cong-thanh-toan-thu/ (no money moves).
TINHSO_PAYMENT_URL = os.environ.get("TINHSO_PAYMENT_URL", "")
TINHSO_PAYMENT_TMN_CODE = os.environ.get("TINHSO_PAYMENT_TMN_CODE", "")
TINHSO_PAYMENT_HASH_SECRET = os.environ.get("TINHSO_PAYMENT_HASH_SECRET", "")
TINHSO_PAYMENT_IPN_URL = os.environ.get("TINHSO_PAYMENT_IPN_URL", "")

# Map tiles for the location pickers and public maps: the province's own tile server, e.g.
# "https://maps.example.gov.vn/{z}/{x}/{y}.png". Empty: no map, only address/commune/position.
TINHSO_MAP_TILE_URL = os.environ.get("TINHSO_MAP_TILE_URL", "")
TINHSO_MAP_ATTRIBUTION = os.environ.get("TINHSO_MAP_ATTRIBUTION", "")
