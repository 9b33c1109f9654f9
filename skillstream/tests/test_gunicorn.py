"""The app as a dyno runs it: release phase, then the Procfile's gunicorn command with
production settings, PostgreSQL, Redis and S3 (moto) from config vars."""

import json
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
import redis
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


class Formation:
    """The release phase, then web (and worker) processes as the Procfile declares them."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.processes = env, logs, []
        self.port = int(env["PORT"])
        self.url = f"http://127.0.0.1:{self.port}"

    def release(self) -> None:
        for command in (
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            ["sh", "-c", procfile()["release"]],
        ):
            done = subprocess.run(
                command, cwd=APP_ROOT, env=self.env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr

    def start(self, kind: str, extra: str = "") -> None:
        log_path = self.logs / f"{kind}.log"
        log = log_path.open("w")  # a file, not a pipe: a full pipe would stall the process
        process = subprocess.Popen(
            ["sh", "-c", f"exec {procfile()[kind]}{extra}"],
            cwd=APP_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log, log_path))

    def wait_for_web(self) -> None:
        process, _, log_path = self.processes[0]
        deadline = time.monotonic() + 90  # generous: a loaded CI machine boots Django slowly
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited {process.returncode}: {log_path.read_text()}")
            try:
                # No redirect following: an https redirect would send TLS to plain http.
                requests.get(f"{self.url}/version", timeout=5, allow_redirects=False)
                return
            except requests.RequestException:
                time.sleep(0.3)
        pytest.fail(f"gunicorn did not answer within 90 s: {log_path.read_text()}")

    def stop(self) -> list[str]:
        """Stop every process; return their log lines."""
        lines: list[str] = []
        for process, log, log_path in self.processes:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
            lines += log_path.read_text().splitlines()
        return lines


def forget_earlier_runs(redis_url: str) -> None:
    """Dynos of every run share this Redis database: start without earlier runs' sessions,
    cached pages and rate-limit counters (the production key prefix; the suite's own keys
    are "skillstream-test:")."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match="skillstream:*", count=500))
    if keys:
        client.delete(*keys)


def dyno_env(database: str, s3_endpoint: str, **extra: str) -> dict[str, str]:
    bucket = f"dyno-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
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
        PORT=str(free_port()),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **extra,
    )
    forget_earlier_runs(env["REDIS_URL"])
    return env


def assert_one_line_per_event(lines: list[str]) -> None:
    assert not [line for line in lines if "Traceback" in line]
    # gunicorn's own lines, access lines, rq's worker lines and the app's key=value lines.
    pattern = r"(\[\d{4}-|127\.0\.0\.1 - |level=|\d\d:\d\d:\d\d )"
    assert all(re.match(pattern, line) for line in lines), lines


@pytest.fixture(scope="module")
def web_dyno(database, s3_endpoint, tmp_path_factory):
    """Production profile: https behind the router's X-Forwarded-Proto."""
    formation = Formation(dyno_env(database, s3_endpoint), tmp_path_factory.mktemp("dyno"))
    formation.release()
    formation.start("web", f" --bind {formation.url[7:]}")  # Heroku binds 0.0.0.0:$PORT
    formation.wait_for_web()
    yield formation
    assert_one_line_per_event(formation.stop())


@pytest.fixture(scope="module")
def dyno(web_dyno):
    return web_dyno.url


def test_the_worker_warms_up_before_its_first_request(web_dyno):
    # gunicorn.conf.py's post_worker_init: views imported and connections opened before the
    # worker accepts, so the first request after a release does not pay for them.
    lines = web_dyno.processes[0][2].read_text().splitlines()
    warm = [i for i, line in enumerate(lines) if "event=worker_warm" in line]
    served = [i for i, line in enumerate(lines) if line.startswith("127.0.0.1 - ")]
    assert warm, lines
    assert "healthy=True" in lines[warm[0]], lines[warm[0]]
    assert served and warm[0] < served[0], lines


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


def test_the_deploys_smoke_test_passes_on_a_localcloud_profile(
    database, s3_endpoint, tmp_path_factory
):
    """playbooks/verify.yml's smoke test (sign up, log in/out, direct upload, publish by the
    worker, watch, like, comment, subscribe, feed, search, delete) against web + worker
    dynos configured as on localcloud (plain http)."""
    utils = APP_ROOT.parent / "collections/ansible_collections/skillstream/heroku/plugins"
    smoke = utils / "module_utils" / "smoke.py"
    if not smoke.is_file():
        pytest.fail(f"{smoke} is gone: the deploy's smoke test is this test's subject")
    env = dyno_env(database, s3_endpoint, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    formation = Formation(env, tmp_path_factory.mktemp("local-dyno"))
    formation.release()
    formation.start("web", f" --bind {formation.url[7:]}")
    formation.start("worker")
    try:
        formation.wait_for_web()
        password = uuid.uuid4().hex  # the persistent subscriber's, as the vault would hold it
        password_file = tmp_path_factory.mktemp("smoke") / "password"
        password_file.write_text(password)
        # The smoke test takes the password from a file (never argv); older copies read
        # SMOKE_PASSWORD. Pass it the way this copy understands.
        by_file = "--password-file" in smoke.read_text()
        args = ["--password-file", str(password_file)] if by_file else []
        for _ in range(2):  # the second run logs the persistent subscriber in again
            result = subprocess.run(
                [sys.executable, str(smoke), formation.url, "--publish-wait", "60", *args],
                env={**os.environ, "SMOKE_PASSWORD": password},
                capture_output=True,
                text=True,
                timeout=180,
            )
            report = json.loads(result.stdout)
            assert report["ok"], report.get("failed") or report
            assert [s["step"] for s in report["steps"]][-1] == "delete"
    finally:
        lines = formation.stop()
    assert_one_line_per_event(lines)
