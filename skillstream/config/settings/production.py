"""Production settings: everything comes from the environment (Heroku config vars).

A missing required variable stops the process at start with a message naming it.
"""

import sys

import dj_database_url

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.redis import redis_settings

# collectstatic runs in the build, where an app's secrets and add-ons may be absent:
# it needs none of them, so it alone gets placeholders.
_BUILD_ONLY = sys.argv[1:2] == ["collectstatic"]


def _required(name: str, placeholder: str) -> str:
    return env.string(name, placeholder) if _BUILD_ONLY else env.required(name)


DEBUG = False
SECRET_KEY = _required("SECRET_KEY", "collectstatic-only-" + "x" * 40)
ALLOWED_HOSTS = env.csv("ALLOWED_HOSTS") if not _BUILD_ONLY else ["*"]
if not ALLOWED_HOSTS:
    env.required("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.csv("CSRF_TRUSTED_ORIGINS")

DATABASES = {
    "default": dj_database_url.parse(
        _required("DATABASE_URL", "sqlite:///:memory:"),
        conn_max_age=600,
        conn_health_checks=True,
    )
}

_redis = redis_settings(_required("REDIS_URL", "redis://127.0.0.1:6379/0"))
CACHES = _redis["CACHES"]
RQ_QUEUES = _redis["RQ_QUEUES"]
JOBS_INLINE = False
# Django's cache sessions, and beside each its user's id: a page reads the session and
# what is cached about its user in one round trip (apps.core.page_read).
SESSION_ENGINE = "apps.accounts.sessions"

# HTTPS: Heroku terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # uptime checks probe the dyno over plain http
RATELIMIT_TRUST_FORWARDED_FOR = True
# Accounts created per client address and hour; raise it where every request comes from one
# address (a local rehearsal behind one router, a classroom behind one NAT).
RATELIMIT_SIGNUPS_PER_HOUR = env.integer("RATELIMIT_SIGNUPS_PER_HOUR", 20)

# Media: a private S3 bucket, no ACLs; served through CloudFront when its domain is set,
# otherwise through short-lived presigned URLs.
AWS_STORAGE_BUCKET_NAME = _required("AWS_STORAGE_BUCKET_NAME", "collectstatic-only")
AWS_S3_REGION_NAME = env.string("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env.string("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env.string("AWS_SECRET_ACCESS_KEY") or None
AWS_S3_ENDPOINT_URL = env.string("AWS_S3_ENDPOINT_URL") or None
AWS_S3_CUSTOM_DOMAIN = env.string("AWS_S3_CUSTOM_DOMAIN") or None
AWS_DEFAULT_ACL = None
AWS_S3_FILE_OVERWRITE = False
AWS_QUERYSTRING_AUTH = AWS_S3_CUSTOM_DOMAIN is None
AWS_QUERYSTRING_EXPIRE = 3600
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_ADDRESSING_STYLE = "path" if AWS_S3_ENDPOINT_URL else "virtual"
AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "public, max-age=86400"}
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
VIDEO_DIRECT_UPLOAD = True

# Email: through the Mailgun add-on's SMTP (its MAILGUN_SMTP_* config vars) when attached,
# else any SMTP server named by EMAIL_*; without either, log that a message was not sent
# (never its body).
_MAILGUN_SERVER = env.string("MAILGUN_SMTP_SERVER")
EMAIL_HOST = _MAILGUN_SERVER or env.string("EMAIL_HOST")
if _MAILGUN_SERVER:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("MAILGUN_SMTP_PORT", 587)
    EMAIL_HOST_USER = env.string("MAILGUN_SMTP_LOGIN")
    EMAIL_HOST_PASSWORD = env.string("MAILGUN_SMTP_PASSWORD")
    EMAIL_USE_TLS = True  # Mailgun takes the login only after STARTTLS
    EMAIL_TIMEOUT = 10
    if not env.string("DEFAULT_FROM_EMAIL") and env.string("MAILGUN_DOMAIN"):
        DEFAULT_FROM_EMAIL = f"SkillStream <no-reply@{env.string('MAILGUN_DOMAIN')}>"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env.string("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "apps.core.mail.UnconfiguredEmailBackend"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SENTRY_DSN = env.string("SENTRY_DSN")
if SENTRY_DSN and not _BUILD_ONLY:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.string("SENTRY_ENVIRONMENT", "production"),
        release=env.string("SENTRY_RELEASE") or env.string("HEROKU_RELEASE_VERSION") or None,
        integrations=[DjangoIntegration(), RqIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
