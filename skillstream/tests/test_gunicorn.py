"""The app as a dyno runs it: release phase, then the Procfile's gunicorn command with
production settings, PostgreSQL, Redis and S3 (moto) from config vars."""

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import psycopg2
import pytest
import requests

from tests.conftest import free_port
from tests.test_packaging import procfile

APP_ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"

pytestmark = pytest.mark.skipif(
    os.environ.get("SKILLSTREAM_TEST_DB") == "sqlite",
    reason="a dyno runs production settings, which need PostgreSQL and Redis",
)


@pytest.fixture(scope="module")
def database():
    name = f"skillstream_dyno_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{PG}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield f"{PG}/{name}"
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def dyno(database, s3_endpoint, tmp_path_factory):
    bucket = f"dyno-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "SENTRY_", "EMAIL_", "HEROKU_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="dyno-" + uuid.uuid4().hex + uuid.uuid4().hex,
        DATABASE_URL=database,
        REDIS_URL="redis://127.0.0.1:6379/14",
        ALLOWED_HOSTS="127.0.0.1,skillstream.example.com",
        AWS_STORAGE_BUCKET_NAME=bucket,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        HEROKU_RELEASE_VERSION="v42",
        HEROKU_SLUG_COMMIT="0123456789abcdef0123456789abcdef01234567",
        HEROKU_RELEASE_CREATED_AT="2026-11-26T06:00:00Z",
        WEB_CONCURRENCY="1",
        PORT=str(port),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    for command in (
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        ["sh", "-c", procfile()["release"]],
    ):
        done = subprocess.run(
            command, cwd=APP_ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    web = procfile()["web"] + f" --bind 127.0.0.1:{port}"  # Heroku binds 0.0.0.0:$PORT
    log_path = tmp_path_factory.mktemp("dyno") / "web.log"
    log = log_path.open("w")  # a file, not a pipe: a full pipe would stall gunicorn
    server = subprocess.Popen(
        ["sh", "-c", f"exec {web}"], cwd=APP_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # generous: a loaded CI machine boots Django slowly
    ready = False
    while not ready and time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited {server.returncode}: {log_path.read_text()}")
        try:
            # No redirect following: the https redirect would send TLS to a plain-http worker.
            requests.get(f"{base}/version", timeout=5, allow_redirects=False)
            ready = True
        except requests.RequestException:
            time.sleep(0.3)
    if not ready:
        server.kill()
        server.wait()
        pytest.fail(f"gunicorn did not answer within 90 s: {log_path.read_text()}")
    yield base
    server.terminate()
    server.wait(timeout=30)
    log.close()
    lines = log_path.read_text().splitlines()
    assert not [line for line in lines if "Traceback" in line]
    # One line per event: gunicorn's own lines, access lines, and the app's key=value lines.
    assert all(re.match(r"(\[\d{4}-|127\.0\.0\.1 - |level=)", line) for line in lines), lines


HTTPS = {"X-Forwarded-Proto": "https", "Host": "skillstream.example.com"}


def test_healthz_is_ok_over_every_dependency(dyno):
    response = requests.get(f"{dyno}/healthz", headers=HTTPS, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "ok"}


def test_version_tells_the_release(dyno):
    body = requests.get(f"{dyno}/version", headers=HTTPS, timeout=10).json()
    assert body["release"] == "v42"
    assert body["commit"] == "0123456789abcdef0123456789abcdef01234567"


def test_plain_http_is_redirected_to_https(dyno):
    response = requests.get(
        f"{dyno}/", headers={"Host": "skillstream.example.com"}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://skillstream.example.com/"


def test_https_page_has_security_headers_and_hashed_static(dyno):
    response = requests.get(f"{dyno}/", headers=HTTPS, timeout=10)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers
    css = next(part for part in response.text.split('"') if part.startswith("/static/css/app."))
    assert css != "/static/css/app.css"  # manifest storage: a content hash in the name
    static = requests.get(f"{dyno}{css}", headers={**HTTPS, "Accept-Encoding": "gzip"}, timeout=10)
    assert static.status_code == 200
    assert static.headers["Content-Encoding"] == "gzip"
    assert "immutable" in static.headers["Cache-Control"]


def test_unknown_host_is_refused(dyno):
    response = requests.get(
        f"{dyno}/", headers={"X-Forwarded-Proto": "https", "Host": "evil.example"}, timeout=10
    )
    assert response.status_code == 400


def test_healthz_answers_plain_http_probes(dyno):
    response = requests.get(
        f"{dyno}/healthz",
        headers={"Host": "skillstream.example.com"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
