"""Heroku's own CLI against localcloud: every command an operator of this app runs exits 0
and shows what it did, named as Heroku names it. One app for the module, deployed once."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import psycopg2
import pytest
import requests

from tests.localcloud import lc_sample

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def database(heroku, deployed: str) -> str:
    """The app's Postgres add-on, created with `addons:create` (the plan as the CLI sends it)."""
    out = heroku("addons:create", "heroku-postgresql:essential-0", "--wait", "-a", deployed)
    found = re.search(r"Created (postgresql-\S+) as DATABASE_URL", out)
    assert found, out
    return found.group(1)


def test_apps_list_info_create_and_destroy(heroku, deployed: str) -> None:
    assert re.search(rf"^{deployed}$", heroku("apps"), re.M)
    info = heroku("apps:info", "-a", deployed)
    assert f"=== {deployed}" in info and re.search(r"Web URL:\s+https://127\.0\.0\.1:\d+/", info)
    doomed = f"cli-gone-{uuid.uuid4().hex[:6]}"
    assert f"Creating {doomed}... done" in heroku("apps:create", doomed)
    assert f"Destroying {doomed} (including all add-ons)... done" in heroku(
        "apps:destroy", doomed, "--confirm", doomed
    )
    assert doomed not in heroku("apps")


def test_config_set_get_unset(heroku, deployed: str) -> None:
    out = heroku("config:set", "GREETING=hello", "DOOMED=1", "-a", deployed)
    assert "Setting GREETING, DOOMED and restarting" in out and "GREETING: hello" in out
    assert heroku("config:get", "GREETING", "-a", deployed).strip() == "hello"
    assert "Unsetting DOOMED and restarting" in heroku("config:unset", "DOOMED", "-a", deployed)
    listed = heroku("config", "-a", deployed)
    assert re.search(r"^GREETING:\s+hello$", listed, re.M) and "DOOMED" not in listed


def test_releases_and_rollback(heroku, deployed: str) -> None:
    heroku("config:set", "MARK=before-rollback", "-a", deployed)
    listed = heroku("releases", "-a", deployed)
    current = int(re.search(r"Current: v(\d+)", listed).group(1))
    assert re.search(rf"v{current}\s+Set MARK config vars", listed), listed
    assert re.search(r"Deploy v1", listed), listed
    out = heroku("rollback", "-a", deployed)
    assert f"Rolling back {deployed} to v{current - 1}... done, v{current + 1}" in out, out
    assert heroku("config:get", "MARK", "-a", deployed).strip() == ""
    assert f"Rollback to v{current - 1}" in heroku("releases", "-a", deployed)


def test_addons_create_list_info_and_destroy(heroku, deployed: str, database: str) -> None:
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
    assert redis.group(1) not in heroku("addons", "-a", deployed)


def test_ps_scale_and_type(heroku, deployed: str) -> None:
    assert re.search(r"^web\.1: up", heroku("ps", "-a", deployed), re.M)
    assert "now running web at 2:Basic" in heroku("ps:scale", "web=2", "-a", deployed)
    typed = heroku("ps:type", "web=standard-1x", "-a", deployed)
    assert re.search(r"web\s+Standard-1X\s+2", typed), typed
    listed = heroku("ps", "-a", deployed)
    assert "=== web (Standard-1X)" in listed and "web.2:" in listed, listed
    heroku("ps:scale", "web=1:basic", "-a", deployed)


def test_domains_add_list_remove(heroku, deployed: str) -> None:
    host = f"www.{deployed}.example.com"
    assert f"Adding {host} to {deployed}... done" in heroku("domains:add", host, "-a", deployed)
    listed = heroku("domains", "-a", deployed)  # the CLI pages with `Range: id ..; max=200;`
    assert host in listed and f"{deployed}.herokuapp.com" in listed, listed
    assert f"Removing {host} from {deployed}... done" in heroku(
        "domains:remove", host, "-a", deployed
    )
    assert host not in heroku("domains", "-a", deployed)


def test_certs_add_creates_an_sni_endpoint(heroku, deployed: str, tmp_path) -> None:
    # A name the app has no domain for, so the CLI asks nothing about associating domains.
    cert, key = lc_sample.self_signed(f"secure.{deployed}.example.org")
    (tmp_path / "crt.pem").write_text(cert)
    (tmp_path / "key.pem").write_text(key)
    out = heroku("certs:add", str(tmp_path / "crt.pem"), str(tmp_path / "key.pem"), "-a", deployed)
    assert f"Adding SSL certificate to {deployed}... done" in out, out
    assert f"Common Name(s): secure.{deployed}.example.org" in out, out
    assert f"secure.{deployed}.example.org" in heroku("certs", "-a", deployed)


def test_app_features_and_account_labs(heroku, deployed: str) -> None:
    assert re.search(r"\[ \] preboot", heroku("features", "-a", deployed))
    assert "Enabling preboot for" in heroku("features:enable", "preboot", "-a", deployed)
    assert re.search(r"\[\+\] preboot", heroku("features", "-a", deployed))
    heroku("labs:enable", "enable-metrics-api")
    assert re.search(r"\[\+\] enable-metrics-api", heroku("labs"))
    heroku("labs:disable", "enable-metrics-api", "--confirm", "enable-metrics-api")
    assert re.search(r"\[ \] enable-metrics-api", heroku("labs"))


def test_drains_add_list_remove(heroku, deployed: str) -> None:
    url = f"https://logs.example.com/{deployed}"
    assert f"Successfully added drain {url}" in heroku("drains:add", url, "-a", deployed)
    assert re.search(rf"^{re.escape(url)} \(d\.", heroku("drains", "-a", deployed), re.M)
    assert f"Successfully removed drain {url}" in heroku("drains:remove", url, "-a", deployed)
    assert url not in heroku("drains", "-a", deployed)


def test_webhooks_add_list_remove(heroku, deployed: str) -> None:
    url = f"https://hooks.example.com/{deployed}"
    out = heroku("webhooks:add", "-i", "api:release", "-l", "notify", "-u", url, "-a", deployed)
    # No secret given: Heroku makes one and shows it once.
    assert re.search(r"Webhooks Signing Secret\s+[0-9a-f]{64}", out), out
    listed = heroku("webhooks", "-a", deployed)
    hook = re.search(rf"([0-9a-f-]{{36}})\s+{re.escape(url)}\s+api:release\s+notify", listed)
    assert hook, listed
    assert "done" in heroku("webhooks:remove", hook.group(1), "-a", deployed)
    assert url not in heroku("webhooks", "-a", deployed)


def test_maintenance_on_and_off(heroku, deployed: str) -> None:
    assert "Enabling maintenance mode for" in heroku("maintenance:on", "-a", deployed)
    assert heroku("maintenance", "-a", deployed).strip() == "on"
    assert "Disabling maintenance mode for" in heroku("maintenance:off", "-a", deployed)
    assert heroku("maintenance", "-a", deployed).strip() == "off"


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


def test_run_attached_over_tls(heroku, deployed: str) -> None:
    out = heroku("run", "--no-tty", "echo dyno=$DYNO greeting=$GREETING; read line; echo got:$line",
                 "-a", deployed, stdin="from-my-stdin\n")  # fmt: skip
    assert re.search(r"dyno=run\.\d+ greeting=hello", out), out
    assert "got:from-my-stdin" in out, out
    failed = heroku.run("run", "--exit-code", "false", "-a", deployed)
    assert failed.returncode == 1 and "Process exited with code 1" in failed.stderr, failed


def _database_url(heroku, app: str) -> str:
    return heroku("config:get", "DATABASE_URL", "-a", app).strip()


def _rows(url: str, sql: str, *args: Any) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else []


def test_pg_info_and_backups_capture_list_info_url_restore(
    heroku, deployed: str, database: str
) -> None:
    info = heroku("pg:info", "-a", deployed)
    assert "=== DATABASE_URL" in info and re.search(r"Plan:\s+essential-0", info), info
    assert re.search(rf"Add-on:\s+{database}", info), info
    url = _database_url(heroku, deployed)
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


def test_access_add_list_remove_collaborators(heroku, deployed: str) -> None:
    who = f"ops-{uuid.uuid4().hex[:6]}@example.com"
    assert f"Adding {who} access to the app {deployed}... done" in heroku(
        "access:add", who, "-a", deployed
    )
    listed = heroku("access", "-a", deployed)
    assert re.search(rf"{who}\s+collaborator", listed), listed
    assert re.search(r"developer@localcloud\.invalid\s+owner", listed), listed
    heroku("access:remove", who, "-a", deployed)
    assert who not in heroku("access", "-a", deployed)


def test_account_keys_add_list_remove(heroku, tmp_path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    comment = f"ops-{uuid.uuid4().hex[:6]}@laptop"
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )  # fmt: skip
    (tmp_path / "id.pub").write_text(f"{public.decode()} {comment}\n")
    assert "SSH key... done" in heroku("keys:add", str(tmp_path / "id.pub"))
    assert comment in heroku("keys")
    assert f"Removing {comment} SSH key... done" in heroku("keys:remove", comment)
    assert comment not in heroku("keys")
