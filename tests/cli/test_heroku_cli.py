"""Heroku's own CLI against localcloud: every command an operator of this app runs exits 0
and shows what it did, named as Heroku names it. One app for the module, deployed once."""

from __future__ import annotations

import re
import socket
import ssl
import time
import urllib.parse
import uuid
from typing import Any

import psycopg2
import pytest
import requests

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def database(heroku, deployed: str) -> str:
    """The app's Postgres add-on, created with `addons:create` (the plan as the CLI sends it)."""
    out = heroku("addons:create", "heroku-postgresql:essential-0", "--wait", "-a", deployed)
    found = re.search(r"Created (postgresql-\S+) as DATABASE_URL", out)
    assert found, out
    return found.group(1)


def test_apps_list_info_create_and_destroy(heroku, api, deployed: str) -> None:
    assert re.search(rf"^{deployed}$", heroku("apps"), re.M)
    info = heroku("apps:info", "-a", deployed)
    assert f"=== {deployed}" in info and re.search(r"Web URL:\s+https://127\.0\.0\.1:\d+/", info)
    doomed = f"cli-gone-{uuid.uuid4().hex[:6]}"
    assert f"Creating {doomed}... done" in heroku("apps:create", doomed)
    assert f"Destroying {doomed} (including all add-ons)... done" in heroku(
        "apps:destroy", doomed, "--confirm", doomed
    )
    assert api.get(f"/apps/{doomed}").status_code == 404


def test_config_set_get_unset(heroku, deployed: str) -> None:
    out = heroku("config:set", "GREETING=hello", "DOOMED=1", "-a", deployed)
    assert "Setting GREETING, DOOMED and restarting" in out and "GREETING: hello" in out
    assert heroku("config:get", "GREETING", "-a", deployed).strip() == "hello"
    assert "Unsetting DOOMED and restarting" in heroku("config:unset", "DOOMED", "-a", deployed)
    listed = heroku("config", "-a", deployed)
    assert re.search(r"^GREETING:\s+hello$", listed, re.M) and "DOOMED" not in listed


def test_releases_and_rollback(heroku, api, deployed: str) -> None:
    heroku("config:set", "MARK=before-rollback", "-a", deployed)
    listed = heroku("releases", "-a", deployed)
    current = int(re.search(r"Current: v(\d+)", listed).group(1))
    assert re.search(rf"v{current}\s+Set MARK config vars", listed), listed
    assert re.search(r"Deploy v1", listed), listed
    out = heroku("rollback", "-a", deployed)
    assert f"Rolling back {deployed} to v{current - 1}... done, v{current + 1}" in out, out
    assert "MARK" not in api.get(f"/apps/{deployed}/config-vars").json()
    latest = api.get(f"/apps/{deployed}/releases/{current + 1}").json()
    assert latest["description"] == f"Rollback to v{current - 1}", latest


def test_addons_create_list_info_and_destroy(heroku, api, deployed: str, database: str) -> None:
    out = heroku("addons:create", "heroku-redis:mini", "--wait", "-a", deployed)
    redis = re.search(r"Created (redis-\S+) as REDIS_URL", out)
    assert redis, out
    listed = heroku("addons", "-a", deployed)
    assert re.search(rf"heroku-postgresql \({database}\)\s+essential-0\s+.*\$5/month\s+created",
                     listed), listed  # fmt: skip
    assert re.search(rf"heroku-redis \({redis.group(1)}\)\s+mini", listed), listed
    info = heroku("addons:info", "REDIS", "-a", deployed)
    assert "Plan:         heroku-redis:mini" in info and f"{deployed}::REDIS" in info, info
    out = heroku("addons:destroy", "REDIS", "--confirm", deployed, "-a", deployed)
    assert f"Destroying {redis.group(1)} on {deployed}... done" in out, out
    assert redis.group(1) not in [a["name"] for a in api.get(f"/apps/{deployed}/addons").json()]


def test_ps_scale_and_type(heroku, api, deployed: str) -> None:
    assert re.search(r"^web\.1: up", heroku("ps", "-a", deployed), re.M)
    assert "now running web at 2:Basic" in heroku("ps:scale", "web=2", "-a", deployed)
    typed = heroku("ps:type", "web=standard-1x", "-a", deployed)
    assert re.search(r"web\s+Standard-1X\s+2", typed), typed
    listed = heroku("ps", "-a", deployed)
    assert "=== web (Standard-1X)" in listed and "web.2:" in listed, listed
    back = {"updates": [{"type": "web", "quantity": 1, "size": "basic"}]}
    assert api.patch(f"/apps/{deployed}/formation", json=back).status_code == 200


def _read_until(proc, marker: str, timeout: float = 120) -> str:
    """Lines of a running `heroku logs --tail` until one ends with `: marker` (the echo's
    output, not the line announcing its command)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if line.rstrip().endswith(f": {marker}"):
            return "".join(seen)
    raise AssertionError(f"{marker!r} never came on the tail:\n{''.join(seen[-30:])}")


def test_logs_tail_and_plain_with_a_detached_run(heroku, deployed: str) -> None:
    marker = f"detached-{uuid.uuid4().hex[:8]}"
    tail = heroku.popen("logs", "--tail", "-n", "1", "-a", deployed)
    try:
        time.sleep(3)  # the tail's session is open before the line is logged
        out = heroku("run:detached", f"echo {marker}", "-a", deployed)
        dyno = re.search(r"done, (run\.\d+)", out)
        assert dyno, out
        tailed = _read_until(tail, marker)
        assert re.search(rf"app\[{dyno.group(1)}\]: {marker}", tailed), tailed
    finally:
        tail.kill()
        tail.wait(timeout=30)
    plain = heroku("logs", "-n", "300", "-a", deployed)
    assert f"app[{dyno.group(1)}]: {marker}" in plain, plain[-3000:]


def test_run_attached_over_tls(heroku, api, deployed: str) -> None:
    config = api.patch(f"/apps/{deployed}/config-vars", json={"RUN_GREETING": "hello-run"})
    assert config.status_code == 200, config.text
    command = "echo dyno=$DYNO greeting=$RUN_GREETING; read line; echo got:$line"
    out = heroku("run", "--no-tty", command, "-a", deployed, stdin="from-my-stdin\n")
    assert re.search(r"dyno=run\.\d+ greeting=hello-run", out), out
    assert "got:from-my-stdin" in out, out
    failed = heroku.run("run", "--exit-code", "false", "-a", deployed)
    assert failed.returncode == 1 and "Process exited with code 1" in failed.stderr, failed


def _rows(url: str, sql: str, *args: Any) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else []


def test_pg_info_and_backups_capture_list_info_url_restore(
    heroku, api, deployed: str, database: str
) -> None:
    info = heroku("pg:info", "-a", deployed)
    assert "=== DATABASE_URL" in info and re.search(r"Plan:\s+essential-0", info), info
    assert re.search(rf"Add-on:\s+{database}", info), info
    url = api.get(f"/apps/{deployed}/config-vars").json()["DATABASE_URL"]
    _rows(url, "CREATE TABLE IF NOT EXISTS kept (note text)")
    _rows(url, "INSERT INTO kept VALUES ('in the backup')")

    out = heroku("pg:backups:capture", "-a", deployed)
    backup = re.search(r"Backing up DATABASE to (b\d{3})\.\.\. done", out)
    assert backup, out
    num = backup.group(1)
    assert re.search(rf"{num}\s+\S+\s+Completed", heroku("pg:backups", "-a", deployed))
    assert re.search(r"Status:\s+Completed", heroku("pg:backups:info", num, "-a", deployed))
    public = heroku("pg:backups:url", num, "-a", deployed).strip()
    dump = requests.get(public, timeout=60)
    assert dump.status_code == 200 and dump.content.startswith(b"PGDMP"), public

    _rows(url, "DELETE FROM kept")
    out = heroku("pg:backups:restore", num, "DATABASE_URL", "--confirm", deployed, "-a", deployed)
    assert "Restoring... done" in out, out
    assert _rows(url, "SELECT note FROM kept") == [("in the backup",)]


def test_rendezvous_answers_only_its_secret(api, localcloud, deployed: str) -> None:
    """The attach_url protocol itself: TLS with localcloud's certificate, the secret line,
    then `rendezvous` and the process's output; any other secret is refused."""
    dyno = api.post(
        f"/apps/{deployed}/dynos", json={"command": "echo via-rendezvous", "attach": True}
    )
    assert dyno.status_code == 201, dyno.text
    url = urllib.parse.urlsplit(dyno.json()["attach_url"])
    assert url.scheme == "rendezvous" and url.hostname == "127.0.0.1", url
    tls = ssl.create_default_context(cafile=localcloud.env["LOCALCLOUD_TLS_CERT"])

    def converse(secret: str) -> bytes:
        with socket.create_connection((url.hostname, url.port), timeout=60) as raw, \
                tls.wrap_socket(raw, server_hostname=url.hostname) as conn:  # fmt: skip
            conn.sendall(secret.encode() + b"\r\n" + b"\x04")
            received = b""
            while chunk := conn.recv(4096):
                received += chunk
            return received

    assert converse("not-the-secret") == b"no such dyno\r\n"
    assert converse(url.path.lstrip("/")) == b"rendezvous\r\nvia-rendezvous\n"
