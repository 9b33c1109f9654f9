"""pg_backups against localcloud's data API: a real pg_dump, schedule, a real restore."""

from __future__ import annotations

import subprocess

import requests

from .playbook import api_call, mod, run_play


def psql(url: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return out.stdout.strip()


def test_capture_schedule_url_and_restore(heroku, new_app, tmp_path):
    name = new_app()
    addon = heroku.post(
        f"/apps/{name}/addons", json={"plan": "heroku-postgresql:essential-0"}
    ).json()
    heroku.wait_addon(name, addon["id"])
    db_url = heroku.json_of(f"/apps/{name}/config-vars")["DATABASE_URL"]
    psql(db_url, "CREATE TABLE courses (title text); INSERT INTO courses VALUES ('kept');")
    transfers = f"/client/v11/apps/{name}/transfers"
    run = run_play(
        [
            mod("pg_backups", check=True, app=name, action="capture"),
            api_call(transfers),
            mod("pg_backups", app=name, action="capture"),
            mod("pg_backups", app=name, action="list"),
            mod("pg_backups", app=name, action="info", backup="latest"),
            mod("pg_backups", app=name, action="url", backup="b001"),
            mod("pg_backups", check=True, app=name, action="schedule", hour=3, timezone="UTC"),
            mod("pg_backups", app=name, action="schedule", hour=3, timezone="UTC"),
            mod("pg_backups", app=name, action="schedule", hour=3, timezone="UTC"),
            mod("pg_backups", app=name, action="schedule", hour=4, timezone="Europe/Berlin"),
            mod("pg_backups", app=name, action="unschedule"),
            mod("pg_backups", app=name, action="unschedule"),
            mod("pg_backups", app=name, action="restore", confirm="some-other-app"),
            mod("pg_backups", app=name, action="info", backup="b042"),
        ],
        tmp_path,
    )
    (check, after_check, capture, listing, info, link, sched_check, sched, sched_again) = (
        run.results[:9]
    )
    moved, unsched, unsched_again, wrong_confirm, missing = run.results[9:]
    assert check["changed"] is True and after_check["json"] == []
    assert capture["changed"] is True
    assert capture["backup"]["name"] == "b001" and capture["backup"]["succeeded"] is True
    assert [b["name"] for b in listing["backups"]] == ["b001"] and listing["changed"] is False
    assert info["backup"]["num"] == 1
    assert link["url"].startswith("http")
    assert b"courses" in requests.get(link["url"], timeout=30).content  # a real dump
    assert sched_check["changed"] is True and sched["changed"] is True
    assert sched["diff"]["after"] == {"DATABASE_URL": "03:00 UTC"}
    assert sched_again["changed"] is False
    assert sched_again["api_calls"] == 2  # the attachments, the schedules: nothing read twice
    assert moved["changed"] is True
    assert moved["diff"]["before"] == {"DATABASE_URL": "03:00 UTC"}
    assert [(s["hour"], s["timezone"]) for s in moved["schedules"]] == [(4, "Europe/Berlin")]
    assert unsched["changed"] is True and unsched["schedules"] == []
    assert unsched_again["changed"] is False
    assert wrong_confirm["failed"] is True and f"set confirm: {name}" in wrong_confirm["msg"]
    assert missing["failed"] is True and "Backup b042 of app" in missing["msg"]

    psql(db_url, "DELETE FROM courses; INSERT INTO courses VALUES ('after the backup');")
    (restore,) = run_play(
        [mod("pg_backups", app=name, action="restore", backup="b001", confirm=name)],
        tmp_path / "restore",
    ).results
    assert restore["changed"] is True and restore["restore"]["succeeded"] is True
    assert psql(db_url, "SELECT title FROM courses") == "kept"
