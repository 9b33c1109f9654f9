"""The deployed app as a person checks it: its router listening, its dynos' processes running
the current release's slug, its answers over https, and its database migrated."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg2
import pytest
import requests


@pytest.fixture(scope="module")
def app(heroku, scenario) -> dict:
    return heroku.get(f"/apps/{scenario['heroku_app_name']}")


@pytest.fixture(scope="module")
def release(heroku, app) -> dict:
    return heroku.current_release(app["name"])


@pytest.fixture(scope="module")
def slug(heroku, app, release) -> dict:
    return heroku.get(f"/apps/{app['name']}/slugs/{release['slug']['id']}")


def _environ(host, pid: int) -> dict[str, str]:
    raw = host.file(f"/proc/{pid}/environ").content.split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)


@pytest.fixture(scope="module")
def home(cloud) -> Path:
    return Path(cloud["LOCALCLOUD_HOME"]).resolve()


@pytest.fixture(scope="module")
def dyno_processes(host, app, home) -> list[dict]:
    """The processes of this app's dynos on this host (its localcloud's: by DYNO and home)."""
    found = []
    for proc in host.process.filter():
        if not any(word in proc.args for word in ("gunicorn", "rqworker")):
            continue
        try:
            env = _environ(host, proc.pid)
            cwd = Path(host.file(f"/proc/{proc.pid}/cwd").linked_to)
        except AssertionError:
            continue  # the process ended meanwhile
        ours = env.get("HEROKU_APP_NAME") == app["name"] and cwd.is_relative_to(home)
        if ours and env.get("DYNO"):
            found.append({"pid": proc.pid, "args": proc.args, "cwd": cwd, "env": env})
    return found


def test_router_listens_on_the_web_url(app, listening) -> None:
    assert app["web_url"].startswith("https://"), app["web_url"]
    assert listening(app["web_url"]), f"nothing listens at {app['web_url']}"


def test_healthz_answers_ok_over_https(app, cloud) -> None:
    resp = requests.get(f"{app['web_url']}healthz", verify=cloud["REQUESTS_CA_BUNDLE"], timeout=30)
    assert resp.status_code == 200, resp.text[:300]
    assert resp.json()["status"] == "ok", resp.json()


def test_version_names_the_deployed_commit_and_release(app, release, slug, cloud) -> None:
    resp = requests.get(f"{app['web_url']}version", verify=cloud["REQUESTS_CA_BUNDLE"], timeout=30)
    body = resp.json()
    assert body["release"] == f"v{release['version']}", body
    assert body["commit"] == slug["commit"], (body, slug["commit"])
    assert re.fullmatch(r"molecule\+m\.[0-9a-f]{12}", body["commit"]), body
    assert body["app"] == app["name"]


def test_one_web_and_one_worker_dyno_up_on_the_current_release(heroku, app, release) -> None:
    dynos = heroku.get(f"/apps/{app['name']}/dynos")
    assert sorted((d["type"], d["state"]) for d in dynos) == [("web", "up"), ("worker", "up")]
    assert {d["release"]["version"] for d in dynos} == {release["version"]}


def test_dyno_processes_run_the_current_slug(dyno_processes, slug, release, home) -> None:
    slug_dir = home / "slugs" / slug["id"]
    by_dyno: dict[str, list[dict]] = {}
    for proc in dyno_processes:
        by_dyno.setdefault(proc["env"]["DYNO"], []).append(proc)
    assert sorted(by_dyno) == ["web.1", "worker.1"], by_dyno.keys()
    for name, procs in by_dyno.items():
        for proc in procs:
            assert proc["cwd"].is_relative_to(slug_dir), (name, proc["cwd"], slug_dir)
            assert proc["env"]["HEROKU_RELEASE_VERSION"] == f"v{release['version']}", name
    assert any("gunicorn config.wsgi" in p["args"] for p in by_dyno["web.1"]), by_dyno["web.1"]
    assert any("rqworker default" in p["args"] for p in by_dyno["worker.1"]), by_dyno["worker.1"]


def test_web_dyno_listens_on_its_port(dyno_processes, listening) -> None:
    ports = {p["env"]["PORT"] for p in dyno_processes if p["env"]["DYNO"] == "web.1"}
    assert len(ports) == 1, ports
    assert listening(f"http://127.0.0.1:{ports.pop()}"), "the web dyno's gunicorn is not bound"


def test_features_on(heroku, app) -> None:
    features = {f["name"]: f["enabled"] for f in heroku.get(f"/apps/{app['name']}/features")}
    assert features["preboot"] and features["runtime-dyno-metadata"], features


def test_database_migrated_by_the_release_phase(heroku, app) -> None:
    url = heroku.config_vars(app["name"])["DATABASE_URL"]
    with psycopg2.connect(url, connect_timeout=30) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM django_migrations")
        assert cur.fetchone()[0] > 0
