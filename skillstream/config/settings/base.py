"""Settings shared by every environment. Environment-specific modules import * from here."""

from pathlib import Path

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
SECRET_KEY = env.string("SECRET_KEY")
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_rq",
    "apps.core",
    "apps.accounts",
    "apps.videos",
    "apps.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "apps.accounts.session_user.AuthenticationMiddleware",  # the user from the cache
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "videos:home"
LOGOUT_REDIRECT_URL = "videos:home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# Media on the local disk and static through WhiteNoise; production swaps media for S3.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Security headers every environment sends; production adds HSTS and secure cookies.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the upload script reads it for its fetch() calls

# Extra CSP sources; the media/CDN and S3 upload origins are derived from the storage settings.
CSP_MEDIA_ORIGINS: list[str] = []
CSP_UPLOAD_ORIGINS: list[str] = []

# The app's own knobs.
MEDIA_PREFIX = env.string("MEDIA_PREFIX", "media/")
MAX_UPLOAD_MB = env.integer("MAX_UPLOAD_MB", 500)
MAX_THUMBNAIL_MB = 5
VIDEO_DIRECT_UPLOAD = False  # True: the browser POSTs to S3 with a presigned POST
PRESIGNED_POST_EXPIRES = 3600
VIDEOS_PER_PAGE = 12
COMMENTS_PER_PAGE = 20  # newest first on the watch page, older ones behind ?comments=N
ANONYMOUS_PAGE_CACHE_SECONDS = 30
VIEW_FOLD_SECONDS = 2  # views counted in Redis reach PostgreSQL within about this (+ 2 s)
RATELIMIT_ATTEMPTS = 5
RATELIMIT_WINDOW_SECONDS = 300
RATELIMIT_SIGNUPS_PER_HOUR = 20  # accounts created from one address (a classroom shares one)
RATELIMIT_TRUST_FORWARDED_FOR = False  # True behind Heroku's router, which appends the client IP

# Jobs: django-rq on REDIS_URL; without Redis they run inline (see apps.core.jobs).
RQ_QUEUES: dict[str, dict] = {}
RQ = {"COMMIT_MODE": "auto"}  # apps.core.jobs already waits for the transaction to commit
JOBS_INLINE = True

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "SkillStream <no-reply@skillstream.local>")

# One line per event on stdout: Heroku's log router and drains take it from there.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "apps.core.logging.OneLineFormatter",
            "format": "level=%(levelname)s logger=%(name)s %(message)s",
        },
    },
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "rq.worker": {"level": "INFO"},
        # Scanners send random Host headers all day; the 400 in the access log is enough.
        "django.security.DisallowedHost": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
SERVE_MEDIA_LOCALLY = False
