"""The Heroku app root: what the Python buildpack and the playbooks read."""

import json
import re
from importlib.metadata import version
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parent.parent
CONTRACT_VARS = [
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_CUSTOM_DOMAIN",
    "MEDIA_PREFIX",
    "MAX_UPLOAD_MB",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "WEB_CONCURRENCY",
]


def procfile() -> dict[str, str]:
    lines = (APP_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_declares_web_release_and_worker():
    processes = procfile()
    assert set(processes) == {"web", "release", "worker"}
    assert processes["web"].startswith("gunicorn config.wsgi ")
    assert "--timeout 25" in processes["web"]  # below the router's 30 s cut
    assert processes["release"] == "python manage.py migrate --noinput"
    assert processes["worker"] == "python manage.py rqworker default --with-scheduler"


def test_python_version_and_pinned_requirements_match_what_the_tests_ran():
    assert (APP_ROOT / ".python-version").read_text().strip() == "3.11"
    for line in (APP_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[a-z0-9,]+\])?==([0-9][0-9A-Za-z.]*)", line)
        assert match, f"not pinned with ==: {line}"
        assert version(match.group(1)) == match.group(3), f"installed {match.group(1)} differs"


def test_app_json_describes_every_config_var_and_add_on():
    manifest = json.loads((APP_ROOT / "app.json").read_text())
    assert set(CONTRACT_VARS) <= set(manifest["env"])
    assert manifest["env"]["SECRET_KEY"]["generator"] == "secret"
    plans = [addon["plan"].split(":")[0] for addon in manifest["addons"]]
    assert plans == ["heroku-postgresql", "heroku-redis", "mailgun"]
    assert set(manifest["formation"]) == set(procfile()) - {"release"}
