"""pg_rollback and pg_promote against localcloud: a real recovery to a time, promotion with
the old database kept attached, check mode, diff, idempotence and refusals."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from .playbook import api_call, mod, run_play

pytestmark = pytest.mark.timeout(900)


def psql(url: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return out.stdout.strip()


def database(heroku, name: str, plan: str) -> str:
    addon = heroku.post(f"/apps/{name}/addons", json={"plan": f"heroku-postgresql:{plan}"}).json()
    heroku.wait_addon(name, addon["id"], timeout=180)
    return heroku.json_of(f"/apps/{name}/config-vars")["DATABASE_URL"]


def test_rollback_then_promote_with_check_mode_diff_and_idempotence(heroku, new_app, tmp_path):
    name = new_app()
    url = database(heroku, name, "standard-0")
    psql(url, "CREATE TABLE notes (id int); INSERT INTO notes SELECT generate_series(1, 7)")
    time.sleep(1.5)
    moment = datetime.now(UTC).isoformat()
    time.sleep(1.5)
    psql(url, "DELETE FROM notes")
    rollback_name = f"{name}-rb"
    run = run_play(
        [
            mod("pg_rollback", check=True, app=name, to=moment, name=rollback_name),
            api_call(f"/apps/{name}/addons"),
            mod("pg_rollback", app=name, to=moment, name=rollback_name),
            mod("pg_rollback", app=name, to=moment, name=rollback_name),
            mod("pg_promote", check=True, app=name, database=rollback_name),
            api_call(f"/apps/{name}/config-vars"),
            mod("pg_promote", app=name, database=rollback_name),
            mod("pg_promote", app=name, database=rollback_name),
            api_call(f"/apps/{name}/config-vars"),
        ],
        tmp_path,
    )
    check, listed, made, again, promote_check, config_before, promoted, promoted_again, config = (
        run.results
    )
    assert check["changed"] is True and len(listed["json"]) == 1, run.output[-3000:]
    assert made["changed"] is True and made["addon"]["state"] == "provisioned", made
    assert made["attachment"].startswith("HEROKU_POSTGRESQL_")
    assert made["diff"]["before"] == {} and made["diff"]["after"]["name"] == rollback_name
    assert again["changed"] is False
    assert promote_check["changed"] is True and config_before["json"]["DATABASE_URL"] == url
    assert promote_check["diff"]["after"] == {"DATABASE": rollback_name}
    assert promoted["changed"] is True and promoted["release"]["status"] == "succeeded"
    assert promoted_again["changed"] is False
    new_url = config["json"]["DATABASE_URL"]
    assert psql(new_url, "SELECT count(*) FROM notes") == "7"
    assert config["json"][promoted["previous_attachment"] + "_URL"] == url  # old one kept
    assert psql(url, "SELECT count(*) FROM notes") == "0"


def test_refusals_name_what_is_wrong_and_create_nothing(heroku, new_app, tmp_path):
    name = new_app()
    database(heroku, name, "essential-0")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    run = run_play(
        [
            mod("pg_rollback", app=name, to=future),
            mod("pg_rollback", app=name, to="2026-01-01 10:00"),
            mod("pg_rollback", app=name),
            mod("pg_rollback", app=name, fork=True, to=future),
            mod("pg_rollback", app=name, to=datetime.now(UTC).isoformat()),
            mod("pg_rollback", app=name, fork=True),
            api_call(f"/apps/{name}/addons"),
        ],
        tmp_path,
    )
    results = run.results
    assert all(r.get("failed") for r in results[:6]), run.output[-3000:]
    assert "is in the future" in results[0]["msg"]
    assert "has no time zone" in results[1]["msg"]
    assert "to is required" in results[2]["msg"]
    assert "not both" in results[3]["msg"]
    for refused in results[4:6]:
        assert "heroku-postgresql:essential-0 plan has no rollback" in refused["msg"]
    assert all(r["api_calls"] == 0 for r in results[:4])  # refused before any API call
    assert len(results[6]["json"]) == 1
