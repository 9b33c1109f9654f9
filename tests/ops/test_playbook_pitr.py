"""restore.yml -e restore_to_time=...: point-in-time recovery through a Heroku Postgres
rollback, on an app whose database is a standard-0 add-on (its own archiving cluster)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from .conftest import drop_database, make_database
from .heroku_helpers import ROOT, Heroku, play_local, psql, run_playbook

pytestmark = pytest.mark.timeout(900)

STANDARD = ["-e", "skillstream_local_postgres_plan=standard-0"]


@pytest.fixture(scope="module")
def pitr_app(localcloud):
    heroku = Heroku(localcloud.api_url, localcloud.api_key)
    name = f"pitr-{secrets.token_hex(3)}"
    url = heroku.create_app_with_postgres(name, plan="standard-0")
    psql(url, "CREATE TABLE items (id int PRIMARY KEY)")
    web_url = heroku.deploy_count_app(name)
    yield {"name": name, "heroku": heroku, "url": url, "web_url": web_url}
    heroku.call("DELETE", f"/apps/{name}")


def restore(localcloud, app: dict, *extra: str):
    return play_local(localcloud, app["name"], "restore.yml", *extra)


def test_bad_input_is_refused_before_any_api_call(localcloud, pitr_app) -> None:
    name = pitr_app["name"]
    # No Heroku API at all: each refusal must come from the input alone.
    dead = {**localcloud.env, "HEROKU_API_URL": "http://127.0.0.1:9", "HEROKU_DATA_API_URL": ""}
    future = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M+00")
    past = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    cases = [
        (["-e", f"restore_to_time='{future}'", "-e", f"restore_confirm={name}", *STANDARD],
         "is in the future"),
        (["-e", f"restore_to_time='{past}'", "-e", f"restore_confirm={name}", *STANDARD],
         "has no time zone"),
        (["-e", f"restore_to_time='{past}+00'", *STANDARD],
         f"-e restore_confirm={name}"),
        (["-e", f"restore_to_time='{past}+00'", "-e", f"restore_confirm={name}"],
         "the heroku-postgresql:essential-0 plan has no rollback"),
    ]  # fmt: skip
    for extra, message in cases:
        run = run_playbook("restore.yml", dead, "-i", "inventories/local",
                           "-e", f"heroku_app_name={name}", *extra)  # fmt: skip
        out = run.stdout + run.stderr
        assert run.returncode != 0 and message in out, (extra, out[-3000:])
        assert "127.0.0.1:9" not in out  # refused before trying the API


def test_a_time_before_the_database_existed_is_refused_before_anything_is_made(
    localcloud, pitr_app
) -> None:
    heroku, name = pitr_app["heroku"], pitr_app["name"]
    before = heroku.call("GET", f"/apps/{name}/addons")
    created = datetime.fromisoformat(before[0]["created_at"].replace("Z", "+00:00"))
    early = (created - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M+00")
    run = restore(localcloud, pitr_app, "-e", f"restore_to_time='{early}'",
                  "-e", f"restore_confirm={name}", *STANDARD)  # fmt: skip
    out = run.stdout + run.stderr
    assert run.returncode != 0 and "is before the earliest rollback point" in out, out[-3000:]
    assert "the database was created at" in out
    assert len(heroku.call("GET", f"/apps/{name}/addons")) == len(before)
    assert heroku.call("GET", f"/apps/{name}")["maintenance"] is False


def test_restore_to_time_brings_back_exactly_the_rows_of_that_time(localcloud, pitr_app) -> None:
    heroku, name, old_url = pitr_app["heroku"], pitr_app["name"], pitr_app["url"]
    psql(old_url, "INSERT INTO items SELECT generate_series(1, 100)")
    time.sleep(1.5)
    moment = datetime.now(UTC)
    time.sleep(1.5)
    psql(old_url, "INSERT INTO items SELECT generate_series(101, 150)")
    psql(old_url, "DELETE FROM items WHERE id <= 20")
    run = restore(localcloud, pitr_app, "-e", f"restore_to_time='{moment.isoformat()}'",
                  "-e", f"restore_confirm={name}", *STANDARD)  # fmt: skip
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    config = heroku.call("GET", f"/apps/{name}/config-vars")
    new_url = config["DATABASE_URL"]
    assert new_url != old_url
    ids = psql(new_url, "SELECT string_agg(id::text, ',' ORDER BY id) FROM items")
    assert ids == ",".join(str(i) for i in range(1, 101))  # nothing after T, nothing missing
    assert int(psql(new_url, "SELECT count(*) FROM release_marks")) >= 2  # the release phase ran
    # The old database stays attached under another name, untouched.
    kept = [k for k, v in config.items() if v == old_url and k != "DATABASE_URL"]
    assert kept and psql(old_url, "SELECT count(*) FROM items") == "130"
    assert "heroku addons:destroy" in out and kept[0] in out
    assert "public.items" in out and "130" in out and "100" in out  # counts side by side
    assert old_url.split(":")[2].split("@")[0] not in out  # no password in the output
    assert heroku.call("GET", f"/apps/{name}")["maintenance"] is False
    served = requests.get(pitr_app["web_url"] + "count", timeout=30).json()
    assert served["value"] == "100"


def test_backup_restore_of_latest_restores_the_backup_not_the_safety_copy(
    localcloud, pitr_app
) -> None:
    heroku, name = pitr_app["heroku"], pitr_app["name"]
    url = heroku.call("GET", f"/apps/{name}/config-vars")["DATABASE_URL"]
    before = psql(url, "SELECT count(*) FROM items")
    addon = heroku.call("GET", f"/apps/{name}/addon-attachments/DATABASE")["addon"]
    transfer = heroku.call("POST", f"/client/v11/databases/{addon['id']}/backups")
    deadline = time.monotonic() + 300
    while not transfer.get("finished_at") and time.monotonic() < deadline:
        time.sleep(0.5)
        transfer = heroku.call("GET", f"/client/v11/apps/{name}/transfers/{transfer['num']}")
    assert transfer.get("succeeded"), transfer
    psql(url, "DELETE FROM items WHERE id > 50")
    run = restore(localcloud, pitr_app, "-e", f"restore_confirm={name}",
                  "-e", "restore_source=heroku", "-e", "backups_offsite_enabled=false")  # fmt: skip
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    assert psql(url, "SELECT count(*) FROM items") == before
    assert f"Restored {transfer['name']} (heroku)" in run.stdout


def test_pg_compare_refuses_a_candidate_without_the_apps_tables(localcloud, pitr_app) -> None:
    heroku, name = pitr_app["heroku"], pitr_app["name"]
    empty = make_database(accounts=1, videos=1)  # other tables, none of the app's
    try:
        heroku.call("PATCH", f"/apps/{name}/config-vars", json={"EMPTY_URL": empty.url})
        env = {**localcloud.env, "ANSIBLE_NOCOLOR": "1"}
        run = subprocess.run(
            [str(Path(sys.executable).parent / "ansible"), "localhost", "-m",
             "skillstream.ops.pg_compare", "-a", f"app={name} candidate_var=EMPTY_URL"],
            cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        heroku.call("PATCH", f"/apps/{name}/config-vars", json={"EMPTY_URL": None})
        drop_database(empty)
    assert run.returncode != 0, run.stdout
    assert "the candidate database lacks tables of the current one: public.items" in run.stdout
    assert empty.url.split(":")[2].split("@")[0] not in run.stdout  # no password shown
