"""Test settings: PostgreSQL and Redis on the local servers by default; SQLite and locmem with
SKILLSTREAM_TEST_DB=sqlite. Dedicated variable names, so a DATABASE_URL exported for something
else never points the tests at a real database."""

import dj_database_url

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.redis import redis_settings

DEBUG = False
SECRET_KEY = "test-only-" + "s" * 50
ALLOWED_HOSTS = ["*"]

TEST_BACKEND = env.string("SKILLSTREAM_TEST_DB", "postgres")
if TEST_BACKEND == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
else:
    DATABASES = {
        "default": dj_database_url.parse(
            env.string(
                "SKILLSTREAM_TEST_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/skillstream_test",
            )
        )
    }
    # Jobs run synchronously, but through a real Redis-backed django-rq queue.
    _redis = redis_settings(
        env.string("SKILLSTREAM_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"), jobs_async=False
    )
    CACHES = _redis["CACHES"]
    CACHES["default"]["KEY_PREFIX"] = "skillstream-test"
    RQ_QUEUES = _redis["RQ_QUEUES"]
    JOBS_INLINE = False
    SESSION_ENGINE = "apps.accounts.sessions"  # as in production

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MAX_UPLOAD_MB = 2
SERVE_MEDIA_LOCALLY = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # served from the finders; collectstatic is not part of the tests
# The worker test starts a real `rqworker` process that must see the test's files.
MEDIA_ROOT = env.string("SKILLSTREAM_TEST_MEDIA_ROOT") or MEDIA_ROOT
