"""Production settings, exercised the way a dyno starts: a fresh process with config vars."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

APP_ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARS = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k3Yq8-production-like-secret-QWERTYUIOPasdfghjklZXCVBNM1234567890",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/skillstream_test",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "ALLOWED_HOSTS": "skillstream.example.com,.herokuapp.com",
    "CSRF_TRUSTED_ORIGINS": "https://skillstream.example.com",
    "AWS_STORAGE_BUCKET_NAME": "skillstream-media",
    "AWS_S3_REGION_NAME": "eu-west-1",
}


def run(args: list[str], **overrides: str | None) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "SENTRY_", "EMAIL_", "HEROKU_", "MAILGUN_"))
    }
    env.update(CONFIG_VARS)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, *args], cwd=APP_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def settings_json(**overrides: str | None) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from django.core.files.storage import default_storage as d; "
        "print(json.dumps({'storage': type(d._wrapped if d._setup() is None else d).__name__, "
        "'STORAGES': s.STORAGES, 'CACHES': s.CACHES, 'RQ': s.RQ_QUEUES, "
        "'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, "
        "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, "
        "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'DEBUG': s.DEBUG, "
        "'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE'], "
        "'CONN_HEALTH_CHECKS': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'CUSTOM_DOMAIN': s.AWS_S3_CUSTOM_DOMAIN, 'QS_AUTH': s.AWS_QUERYSTRING_AUTH, "
        "'ACL': s.AWS_DEFAULT_ACL, 'EMAIL_BACKEND': s.EMAIL_BACKEND, "
        "'SIGNUPS': s.RATELIMIT_SIGNUPS_PER_HOUR}, default=str))"
    )
    result = run(["-c", code], **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_no_issue():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "AWS_STORAGE_BUCKET_NAME"],
)
def test_a_missing_required_variable_stops_the_start_naming_it(missing):
    result = run(["manage.py", "check"], **{missing: None})
    assert result.returncode != 0
    assert f"Required environment variable {missing} is not set" in result.stderr
    # The secret itself never appears in the error output.
    assert CONFIG_VARS["SECRET_KEY"] not in result.stderr


def test_collectstatic_needs_no_secrets(tmp_path):
    result = run(
        ["manage.py", "collectstatic", "--noinput", "--dry-run"],
        SECRET_KEY=None,
        DATABASE_URL=None,
        REDIS_URL=None,
    )
    assert result.returncode == 0, result.stderr


def test_production_wires_s3_redis_and_secure_cookies():
    values = settings_json()
    assert values["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert values["storage"] == "S3Storage"
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["CACHES"]["default"]["BACKEND"] == "apps.core.redis_cache.RedisCache"
    assert values["RQ"]["default"]["URL"] == CONFIG_VARS["REDIS_URL"]
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["CONN_MAX_AGE"] == 600 and values["CONN_HEALTH_CHECKS"] is True
    assert values["ACL"] is None
    assert values["QS_AUTH"] is True  # private bucket: signed URLs when no CDN
    assert values["EMAIL_BACKEND"] == "apps.core.mail.UnconfiguredEmailBackend"
    assert values["SIGNUPS"] == 20


def test_localcloud_profile_http_cdn_and_tls_redis():
    values = settings_json(
        SECURE_SSL_REDIRECT="false",
        AWS_S3_CUSTOM_DOMAIN="d111111abcdef8.cloudfront.net",
        REDIS_URL="rediss://h:p@127.0.0.1:6380/0",
        EMAIL_HOST="smtp.example.com",
        RATELIMIT_SIGNUPS_PER_HOUR="500",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["CUSTOM_DOMAIN"] == "d111111abcdef8.cloudfront.net"
    assert values["QS_AUTH"] is False  # CloudFront with Origin Access Control serves it
    assert values["CACHES"]["default"]["OPTIONS"] == {"ssl_cert_reqs": None}
    assert values["RQ"]["default"]["SSL_CERT_REQS"] is None
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["SIGNUPS"] == 500


def test_the_mailgun_addon_config_vars_send_mail_over_its_smtp():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL]))"
    )
    result = run(
        ["-c", code],
        MAILGUN_SMTP_SERVER="smtp.mailgun.org",
        MAILGUN_SMTP_PORT="587",
        MAILGUN_SMTP_LOGIN="postmaster@mg.example.com",
        MAILGUN_SMTP_PASSWORD="s3cret",
        MAILGUN_DOMAIN="mg.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.mailgun.org",
        587,
        "postmaster@mg.example.com",
        "s3cret",
        True,
        "SkillStream <no-reply@mg.example.com>",
    ]


def test_a_malformed_boolean_is_refused():
    result = run(["manage.py", "check"], SECURE_SSL_REDIRECT="maybe")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be true or false" in result.stderr


def test_sentry_starts_with_environment_and_release_from_the_dyno():
    code = (
        "import django, json; django.setup(); import sentry_sdk; "
        "o = sentry_sdk.get_client().options; "
        "print(json.dumps([o['dsn'], o['environment'], o['release'], o['send_default_pii']]))"
    )
    result = run(
        ["-c", code],
        SENTRY_DSN="https://public@127.0.0.1:9/1",
        SENTRY_ENVIRONMENT="staging",
        HEROKU_RELEASE_VERSION="v7",
    )
    assert result.returncode == 0, result.stderr
    dsn, environment, release, pii = json.loads(result.stdout.strip().splitlines()[-1])
    assert (dsn, environment, release, pii) == (
        "https://public@127.0.0.1:9/1",
        "staging",
        "v7",
        False,
    )
