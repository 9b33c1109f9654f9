"""A Heroku app with a real Postgres add-on on a localcloud, made through the Platform API."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
ACCEPT = "application/vnd.heroku+json; version=3"

HEALTH_APP = """
import os
import subprocess

import sentry_sdk
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

# Configured the way SkillStream's settings do it: DSN, environment and release from the
# config vars, the release falling back to the Heroku release (runtime-dyno-metadata).
if os.environ.get("SENTRY_DSN"):
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        environment=os.environ.get("SENTRY_ENVIRONMENT"),
        release=os.environ.get("SENTRY_RELEASE") or os.environ.get("HEROKU_RELEASE_VERSION"),
    )


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/boom":
        return 1 / 0
    # /healthz answers 200 when the app's database answers, like SkillStream's.
    url = os.environ.get("DATABASE_URL")
    ok = url is None or subprocess.run(["psql", "-X", "-At", "-c", "SELECT 1", url],
                                       capture_output=True, timeout=10).returncode == 0
    body = b'{"status": "ok"}' if ok else b'{"status": "fail"}'
    start_response("200 OK" if ok else "503 Service Unavailable",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


application = SentryWsgiMiddleware(app)
"""

# The app serves the rows it sees, so a test can tell which database serves it; its release
# phase leaves a mark in the database it releases with.
COUNT_APP = """
import os
import subprocess


def application(environ, start_response):
    sql = "SELECT count(*) FROM items" if environ.get("PATH_INFO") == "/count" else "SELECT 1"
    out = subprocess.run(["psql", "-X", "-At", "-c", sql, os.environ["DATABASE_URL"]],
                         capture_output=True, text=True, timeout=10)
    body = ('{"status": "ok", "value": "%s"}' % out.stdout.strip()).encode()
    status = "200 OK" if out.returncode == 0 else "503 Service Unavailable"
    start_response(status, [("Content-Type", "application/json")])
    return [body]
"""
RELEASE_MARK_PROCFILE = (
    "web: gunicorn app:application --bind 0.0.0.0:$PORT --workers 1\n"
    "release: psql -X -c 'CREATE TABLE IF NOT EXISTS release_marks (at timestamptz "
    "DEFAULT now()); INSERT INTO release_marks DEFAULT VALUES' $DATABASE_URL\n"
)


class Heroku:
    """Just enough of a Platform API client for test set-up."""

    def __init__(self, api_url: str, api_key: str) -> None:
        self.base = api_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(Accept=ACCEPT, Authorization=f"Bearer {api_key}")

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.session.request(method, self.base + path, timeout=60, **kwargs)
        assert resp.status_code < 300, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    def create_app_with_postgres(self, name: str, plan: str = "essential-0") -> str:
        """Create the app and a Postgres add-on; the DATABASE_URL once provisioned."""
        self.call("POST", "/apps", json={"name": name})
        self.call("POST", f"/apps/{name}/addons", json={"plan": f"heroku-postgresql:{plan}"})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            url = self.call("GET", f"/apps/{name}/config-vars").get("DATABASE_URL")
            if url:
                return url
            time.sleep(0.3)
        raise AssertionError("the Postgres add-on was not provisioned")

    def deploy_count_app(self, name: str) -> str:
        """The health app serving /count of table `items`, with a release phase (a mark)."""
        return self.deploy_health_app(
            name, {"app.py": COUNT_APP, "Procfile": RELEASE_MARK_PROCFILE}
        )

    def deploy_health_app(self, name: str, overrides: dict[str, str] | None = None) -> str:
        """Build and release a tiny WSGI app with /healthz (files in `overrides` replace or
        add to it); its web URL once it serves."""
        files = {
            "app.py": HEALTH_APP,
            "requirements.txt": "gunicorn==23.0.0\nsentry-sdk==2.75.0\n",
            ".python-version": "3.11\n",
            "Procfile": "web: gunicorn app:application --bind 0.0.0.0:$PORT --workers 1\n",
            **(overrides or {}),
        }
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for fname, text in sorted(files.items()):
                data = text.encode()
                info = tarfile.TarInfo(fname)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        blob = buf.getvalue()
        source = self.call("POST", "/sources")["source_blob"]
        requests.put(source["put_url"], data=blob, timeout=60).raise_for_status()
        checksum = "SHA256:" + hashlib.sha256(blob).hexdigest()
        build = self.call(
            "POST",
            f"/apps/{name}/builds",
            json={
                "source_blob": {
                    "url": source["get_url"],
                    "checksum": checksum,
                    "version": "ops-test",
                }
            },
        )
        deadline = time.monotonic() + 300
        while build["status"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.5)
            build = self.call("GET", f"/apps/{name}/builds/{build['id']}")
        assert build["status"] == "succeeded", build
        web_url = self.call("GET", f"/apps/{name}")["web_url"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(web_url + "healthz", timeout=5).status_code == 200:
                    return web_url
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError("the health app did not start serving")


def psql(url: str, sql: str) -> str:
    """Run SQL against a database URL."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url],
        input=sql,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def run_playbook(
    playbook: str, env: dict[str, str], *args: str, timeout: int = 300
) -> subprocess.CompletedProcess:
    """ansible-playbook from the repository root, as a person runs it."""
    full_env = {**os.environ, **env}
    bin_dir = str(Path(sys.executable).parent)
    full_env["PATH"] = f"{bin_dir}:{full_env.get('PATH', '')}"
    full_env["ANSIBLE_NOCOLOR"] = "1"
    full_env.pop("ANSIBLE_CONFIG", None)
    return subprocess.run(
        [str(Path(bin_dir) / "ansible-playbook"), playbook, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def play_local(localcloud: Any, app_name: str, playbook: str, *extra: str):
    """A playbook on the local inventory, aimed at `app_name`."""
    return run_playbook(
        playbook,
        localcloud.env,
        "-i",
        "inventories/local",
        "-e",
        f"heroku_app_name={app_name}",
        *extra,
    )
