"""Heroku Postgres add-ons and the data API: real databases, pg_dump captures, pg_restore."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests
from conftest import wait_for

DATA = "/client/v11"


def psql(url: str, sql: str) -> str:
    proc = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


def databases() -> set[str]:
    out = psql("postgres://postgres@127.0.0.1:5432/postgres", "SELECT datname FROM pg_database")
    return set(out.split())


@pytest.fixture
def pg_app(api):
    """An app with a provisioned Postgres add-on; returns (app name, add-on, DATABASE_URL)."""
    name = f"pg-{uuid.uuid4().hex[:10]}"
    assert api.post("/apps", json={"name": name}).status_code == 201
    addon = api.post(f"/apps/{name}/addons", json={"plan": "heroku-postgresql:essential-0"}).json()
    assert addon["state"] == "provisioning"
    wait_for(lambda: api.get(f"/apps/{name}/addons/{addon['id']}").json()["state"] == "provisioned")
    url = api.get(f"/apps/{name}/config-vars").json()["DATABASE_URL"]
    yield name, addon, url
    api.delete(f"/apps/{name}")


def _transfer(api, app: str, num: int) -> dict:
    return wait_for(
        lambda: (
            (t := api.get(f"{DATA}/apps/{app}/transfers/{num}?verbose=true").json())["finished_at"]
            and t
        ),
        timeout=60,
    )


def test_add_on_is_a_real_database_that_deprovisioning_drops(api, pg_app) -> None:
    name, addon, url = pg_app
    assert url.startswith("postgres://") and "@127.0.0.1:5432/" in url
    db = url.rsplit("/", 1)[1]
    assert psql(url, "SELECT current_database()") == db
    resolved = api.post(
        "/actions/addon-attachments/resolve", json={"addon_attachment": "DATABASE_URL", "app": name}
    ).json()
    assert resolved[0]["addon"]["id"] == addon["id"]
    assert api.get(f"{DATA}/databases/{addon['id']}").json()["info"]
    descriptions = [r["description"] for r in api.get(f"/apps/{name}/releases").json()]
    assert any(d.startswith("Attach DATABASE") for d in descriptions)
    api.delete(f"/apps/{name}/addons/{addon['id']}")
    assert db not in databases()
    assert "DATABASE_URL" not in api.get(f"/apps/{name}/config-vars").json()


def test_capture_restore_into_fresh_add_on_gives_same_rows(api, pg_app) -> None:
    name, addon, url = pg_app
    psql(url, "CREATE TABLE lessons (id serial PRIMARY KEY, title text NOT NULL);"
              "INSERT INTO lessons (title) VALUES ('intro'), ('django'), ('heroku');")  # fmt: skip
    capture = api.post(f"{DATA}/databases/{addon['id']}/backups")
    assert capture.status_code == 201, capture.text
    backup = _transfer(api, name, capture.json()["num"])
    assert backup["succeeded"] is True, backup["logs"]
    assert backup["from_type"] == "pg_dump" and backup["to_type"] == "gof3r"
    listed = api.get(f"{DATA}/apps/{name}/transfers").json()
    assert [t["name"] for t in listed if t["to_type"] == "gof3r"] == [f"b{backup['num']:03d}"]
    public = api.post(f"{DATA}/apps/{name}/transfers/{backup['num']}/actions/public-url").json()
    dump = requests.get(public["url"], timeout=30).content
    assert dump[:5] == b"PGDMP"  # pg_dump's custom format

    other = f"pg-{uuid.uuid4().hex[:10]}"
    api.post("/apps", json={"name": other})
    try:
        fresh = api.post(f"/apps/{other}/addons", json={"plan": "heroku-postgresql"}).json()
        wait_for(lambda: api.get(f"/addons/{fresh['id']}").json()["state"] == "provisioned")
        fresh_url = api.get(f"/apps/{other}/config-vars").json()["DATABASE_URL"]
        assert fresh_url != url
        restore = api.post(f"{DATA}/databases/{fresh['id']}/restores",
                           json={"backup_url": public["url"]})  # fmt: skip
        assert restore.status_code == 201, restore.text
        app_uuid = api.get(f"/apps/{other}").json()["id"]
        done = _transfer(api, app_uuid, restore.json()["num"])
        assert done["succeeded"] is True, done["logs"]
        rows = psql(fresh_url, "SELECT id, title FROM lessons ORDER BY id")
        assert rows == psql(url, "SELECT id, title FROM lessons ORDER BY id")
        assert rows.splitlines() == ["1|intro", "2|django", "3|heroku"]
    finally:
        api.delete(f"/apps/{other}")
    deleted = api.delete(f"{DATA}/apps/{name}/transfers/b{backup['num']:03d}")
    assert deleted.status_code == 200
    assert requests.get(public["url"], timeout=10).status_code == 404


def test_due_schedule_runs_and_unschedule(api, pg_app) -> None:
    name, addon, _ = pg_app
    hour = datetime.now(UTC).hour
    created = api.post(f"{DATA}/databases/{addon['id']}/transfer-schedules",
                       json={"hour": f"{hour:02d}", "timezone": "UTC",
                             "schedule_name": "DATABASE_URL"})  # fmt: skip
    assert created.status_code == 201, created.text
    schedules = api.get(f"{DATA}/databases/{addon['id']}/transfer-schedules").json()
    assert [(s["name"], s["hour"]) for s in schedules] == [("DATABASE_URL", hour)]
    scheduled = wait_for(
        lambda: [t for t in api.get(f"{DATA}/apps/{name}/transfers").json() if t["schedule"]],
        timeout=30,
    )
    assert scheduled[0]["schedule"]["uuid"] == schedules[0]["uuid"]
    assert _transfer(api, name, scheduled[0]["num"])["succeeded"] is True
    time.sleep(3)  # a schedule runs once a day: the ticker must not capture again
    assert len([t for t in api.get(f"{DATA}/apps/{name}/transfers").json() if t["schedule"]]) == 1
    gone = api.delete(f"{DATA}/databases/{addon['id']}/transfer-schedules/{schedules[0]['uuid']}")
    assert gone.status_code == 200
    assert api.get(f"{DATA}/databases/{addon['id']}/transfer-schedules").json() == []


def test_cancel_a_capture_blocked_on_a_lock(api, pg_app) -> None:
    name, addon, url = pg_app
    psql(url, "CREATE TABLE busy (id int)")
    holder = subprocess.Popen(
        ["psql", "-X", "-q", "-d", url, "-c",
         "BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1)
        num = api.post(f"{DATA}/databases/{addon['id']}/backups").json()["num"]
        time.sleep(1)
        running = api.get(f"{DATA}/apps/{name}/transfers/{num}").json()
        assert running["finished_at"] is None  # pg_dump waits for the lock
        cancel = api.post(f"{DATA}/apps/{name}/transfers/{num}/actions/cancel")
        assert cancel.status_code == 200
        done = _transfer(api, name, num)
        assert done["canceled_at"] and done["succeeded"] is False
    finally:
        holder.kill()
        holder.wait()
