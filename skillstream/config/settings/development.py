"""Local development: SQLite and locmem unless DATABASE_URL / REDIS_URL are set."""

import dj_database_url

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.redis import redis_settings

DEBUG = env.boolean("DEBUG", True)
SECRET_KEY = env.string("SECRET_KEY", "development-only-not-secret-" + "k" * 30)
ALLOWED_HOSTS = env.csv("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

if env.string("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env.string("DATABASE_URL"), conn_max_age=60)}

if env.string("REDIS_URL"):
    _redis = redis_settings(env.string("REDIS_URL"))
    CACHES = _redis["CACHES"]
    RQ_QUEUES = _redis["RQ_QUEUES"]
    JOBS_INLINE = False

# Static storage stays the base's manifest storage (DEBUG serves unhashed names), so a build
# that runs collectstatic without DJANGO_SETTINGS_MODULE still produces the production files.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
SERVE_MEDIA_LOCALLY = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
