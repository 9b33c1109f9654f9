"""Postgres add-ons with continuous protection: a cluster of their own with WAL archiving, and
rollback (to a time) and fork databases recovered from that archive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Api, wait_for

from tests.conftest import start_localcloud, stop_localcloud

pytestmark = pytest.mark.timeout(600)


def psql(url: str, sql: str) -> str:
    proc = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def provisioned(api, app: str, addon: dict) -> dict:
    def check() -> dict | None:
        found = api.get(f"/apps/{app}/addons/{addon['id']}").json()
        assert "failed" not in found["provision_message"], found["provision_message"]
        return found if found["state"] == "provisioned" else None

    return wait_for(check, timeout=300)


def add_database(api, app: str, plan: str = "heroku-postgresql:standard-0", **config) -> dict:
    body = {"plan": plan, **({"config": config} if config else {})}
    resp = api.post(f"/apps/{app}/addons", json=body)
    assert resp.status_code == 201, resp.text
    return provisioned(api, app, resp.json())


def url_of(api, app: str, addon: dict) -> str:
    return api.get(f"/apps/{app}/config-vars").json()[addon["config_vars"][0]]


def refused(api, app: str, plan: str, **config) -> str:
    resp = api.post(f"/apps/{app}/addons", json={"plan": plan, "config": config})
    assert resp.status_code == 422, resp.text
    assert resp.json()["id"] == "invalid_params"
    return resp.json()["message"]


@pytest.fixture(scope="module")
def standard(api):
    """An app whose DATABASE is a standard-0 add-on holding a table `items`."""
    name = f"pitr-{uuid.uuid4().hex[:8]}"
    assert api.post("/apps", json={"name": name}).status_code == 201
    addon = add_database(api, name)
    url = url_of(api, name, addon)
    psql(url, "CREATE TABLE items (id int PRIMARY KEY, label text)")
    yield name, addon, url
    api.delete(f"/apps/{name}")


def test_a_standard_database_runs_on_its_own_archiving_cluster(api, standard) -> None:
    _name, addon, url = standard
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert port != 5432 and listening(port)
    assert psql(url, "SHOW archive_mode") == "on"
    info = api.get(f"/client/v11/databases/{addon['id']}").json()["info"]
    rollback = next(line["values"][0] for line in info if line["name"] == "Rollback")
    assert rollback.startswith("earliest from ")
    status = api.get(f"/client/v11/databases/{addon['id']}/wait_status").json()
    assert status["waiting?"] is False  # what `heroku pg:wait` and `pg:promote` poll


def test_rollback_holds_exactly_the_rows_of_the_chosen_time(api, standard) -> None:
    name, _addon, url = standard
    psql(url, "INSERT INTO items SELECT g, 'before' FROM generate_series(1, 50) g")
    time.sleep(1.5)
    moment = datetime.now(UTC)
    time.sleep(1.5)
    psql(url, "INSERT INTO items SELECT g, 'after' FROM generate_series(51, 80) g")
    psql(url, "DELETE FROM items WHERE id <= 10")
    rolled = add_database(api, name, rollback="DATABASE_URL", to=moment.isoformat())
    assert rolled["config_vars"][0].startswith("HEROKU_POSTGRESQL_")
    rolled_url = url_of(api, name, rolled)
    assert rolled_url != url and rolled_url.split("@")[0] != url.split("@")[0]  # new password
    assert psql(rolled_url, "SELECT count(*), min(id), max(id) FROM items") == "50|1|50"
    assert psql(rolled_url, "SELECT count(*) FROM items WHERE label = 'after'") == "0"
    assert psql(url, "SELECT count(*) FROM items") == "70"  # the source is untouched
    # The rollback is a database like any other standard one: writable, archiving.
    psql(rolled_url, "INSERT INTO items VALUES (999, 'new')")
    assert psql(rolled_url, "SHOW archive_mode") == "on"
    # Its own rollback window opens once its first base backup, taken after it serves, is done.
    info = f"/client/v11/databases/{rolled['id']}"
    wait_for(lambda: any(line["name"] == "Rollback" for line in api.get(info).json()["info"]),
             timeout=300)  # fmt: skip


def test_fork_holds_everything_committed_before_it(api, standard) -> None:
    name, addon, url = standard
    psql(url, "INSERT INTO items VALUES (5000, 'just now')")
    forked = add_database(api, name, fork=addon["name"])
    assert psql(url_of(api, name, forked), "SELECT label FROM items WHERE id = 5000") == "just now"


def test_times_outside_the_window_and_plans_without_rollback_are_refused(api, standard) -> None:
    name, addon, _url = standard
    plan = "heroku-postgresql:standard-0"
    count = len(api.get(f"/apps/{name}/addons").json())
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert "is in the future" in refused(api, name, plan, rollback="DATABASE_URL", to=future)
    before = (datetime.fromisoformat(addon["created_at"]) - timedelta(minutes=5)).isoformat()
    message = refused(api, name, plan, rollback="DATABASE_URL", to=before)
    assert "outside the rollback window" in message and addon["name"] in message
    assert "needs a time" in refused(api, name, plan, rollback="DATABASE_URL")
    message = refused(
        api, name, "heroku-postgresql:essential-0", rollback="DATABASE_URL", to=before
    )
    assert "essential-0 plan does not support rollback" in message
    essential = add_database(api, name, "heroku-postgresql:essential-0")
    message = refused(api, name, plan, rollback=essential["name"], to=datetime.now(UTC).isoformat())
    assert "heroku-postgresql:essential-0 plan, which has no continuous protection" in message
    assert "Couldn't find a database" in refused(api, name, plan, fork="NOPE_URL")
    # Nothing was created by a refused request: only the essential database was added.
    assert len(api.get(f"/apps/{name}/addons").json()) == count + 1


def test_clusters_stop_with_down_and_come_back_with_up(localcloud, api, standard) -> None:
    _name, addon, url = standard
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    psql(url, "INSERT INTO items VALUES (7000, 'kept across down and up')")
    localcloud.cli("down")
    try:
        assert not listening(port)
        ps = subprocess.run(["pgrep", "-f", f"port={port}|{addon['id']}"], capture_output=True)
        assert ps.stdout == b""
    finally:
        localcloud.cli("up")
    wait_for(lambda: listening(port), timeout=60)
    assert psql(url, "SELECT label FROM items WHERE id = 7000") == "kept across down and up"


def test_promotion_moves_database_and_keeps_the_old_one_attached(api, standard) -> None:
    # Last in this module: it retires the fixture's database.
    name, addon, url = standard
    other = add_database(api, name, fork="DATABASE")
    alias = api.post("/addon-attachments",
                     json={"app": {"name": name}, "addon": {"name": addon["name"]},
                           "confirm": name})  # fmt: skip
    assert alias.status_code == 201, alias.text
    body = {"app": {"name": name}, "addon": {"name": other["name"]}, "name": "DATABASE"}
    taken = api.post("/addon-attachments", json=body)
    assert taken.status_code == 422  # DATABASE is held, and nothing confirms moving it
    moved = api.post("/addon-attachments", json={**body, "confirm": name})
    assert moved.status_code == 201, moved.text
    config = api.get(f"/apps/{name}/config-vars").json()
    assert config["DATABASE_URL"] == url_of(api, name, other)
    assert config[alias.json()["name"] + "_URL"] == url
    described = [r["description"] for r in api.get(f"/apps/{name}/releases").json()[-2:]]
    assert described[0].startswith("Detach DATABASE") and described[1].startswith("Attach DATABASE")
    # Retiring the old database removes its own config var, never the promoted DATABASE_URL.
    assert api.delete(f"/apps/{name}/addons/{addon['id']}").status_code == 200
    after = api.get(f"/apps/{name}/config-vars").json()
    assert after["DATABASE_URL"] == url_of(api, name, other)
    assert alias.json()["name"] + "_URL" not in after


def test_down_stops_the_clusters_a_killed_daemon_left(tmp_path) -> None:
    cloud = start_localcloud(tmp_path / "killed")
    try:
        api = Api(cloud.api_url, cloud.api_key)
        assert api.post("/apps", json={"name": "killed-daemon"}).status_code == 201
        addon = add_database(api, "killed-daemon")
        url = url_of(api, "killed-daemon", addon)
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        pid = int((cloud.home / "localcloud.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: subprocess.run(["kill", "-0", str(pid)]).returncode != 0, timeout=30)
        assert listening(port)  # pg_ctl detached it: the daemon's death does not stop it
        cloud.cli("down")
        assert not listening(port)
    finally:
        stop_localcloud(cloud)
