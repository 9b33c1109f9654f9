"""backup.yml and restore.yml from the repository root against a private localcloud."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.conftest import moto_client

from .heroku_helpers import play_local, psql

pytestmark = pytest.mark.timeout(600)


def play(localcloud, app: dict[str, Any], playbook: str, *extra: str):
    return play_local(localcloud, app["name"], playbook, *extra)


def s3(localcloud):
    return moto_client("s3", localcloud.aws_endpoint)


def manifests(localcloud, app) -> list[dict[str, Any]]:
    client = s3(localcloud)
    listed = client.list_objects_v2(Bucket=app["bucket"], Prefix=app["name"] + "/")
    keys = sorted(o["Key"] for o in listed.get("Contents", []))
    return [
        json.loads(client.get_object(Bucket=app["bucket"], Key=k)["Body"].read())
        for k in keys
        if k.endswith(".manifest.json")
    ]


def test_role_provisions_schedule_and_a_private_encrypted_versioned_bucket(localcloud, ops_app):
    client = s3(localcloud)
    bucket = ops_app["bucket"]
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rule = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [addon] = ops_app["heroku"].call("GET", f"/apps/{ops_app['name']}/addons")
    schedules = ops_app["heroku"].call(
        "GET", f"/client/v11/databases/{addon['id']}/transfer-schedules"
    )
    assert [(s["name"], int(s["hour"])) for s in schedules] == [("DATABASE_URL", 2)]
    again = play(localcloud, ops_app, "tests/ops/playbooks/provision_backups.yml")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]


def test_backup_yml_lands_object_and_manifest_and_the_drill_passes(localcloud, ops_app):
    run = play(localcloud, ops_app, "backup.yml")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-5000:]
    assert "Restore drill: passed (320 rows checked)" in out
    assert ops_app["database_url"].split("@")[0].split(":")[-1] not in out  # password never shown
    [manifest] = [m for m in manifests(localcloud, ops_app) if not m["label"]]
    assert manifest["tables"] == {"public.courses": 20, "public.lessons": 300}
    assert manifest["status"] == "complete" and manifest["release"].startswith("v")
    drill_key = manifest["key"].replace(".dump", ".drill.json")
    body = s3(localcloud).get_object(Bucket=ops_app["bucket"], Key=drill_key)["Body"].read()
    drill = json.loads(body)
    assert drill["status"] == "passed"


def test_a_drill_that_cannot_pass_fails_the_run_loudly_and_prunes_nothing(localcloud, ops_app):
    before = manifests(localcloud, ops_app)
    run = play(localcloud, ops_app, "backup.yml",
               "-e", "backups_drill_admin_url=postgresql://postgres@127.0.0.1:1/postgres",
               "-e", "backups_keep_daily=1")  # fmt: skip
    out = run.stdout + run.stderr
    assert run.returncode != 0
    assert "restore drill" in out.lower() and "Prune off-site backups" not in out
    after = manifests(localcloud, ops_app)
    assert {m["name"] for m in before} < {m["name"] for m in after}  # nothing deleted
    newest = max(after, key=lambda m: m["name"])
    drill_key = newest["key"].replace(".dump", ".drill.json")
    drill = json.loads(
        s3(localcloud).get_object(Bucket=ops_app["bucket"], Key=drill_key)["Body"].read()
    )
    assert drill["status"] == "failed"  # an unproven backup never counts as good


def test_restore_yml_needs_confirmation(localcloud, ops_app):
    run = play(localcloud, ops_app, "restore.yml")
    assert run.returncode != 0
    assert f"-e restore_confirm={ops_app['name']}" in run.stdout
    run = play(localcloud, ops_app, "restore.yml", "-e", "restore_confirm=some-other-app")
    assert run.returncode != 0
    assert psql(ops_app["database_url"], "SELECT count(*) FROM lessons") == "300"


def test_restore_yml_brings_back_deleted_data(localcloud, ops_app):
    url = ops_app["database_url"]
    psql(url, "DELETE FROM lessons WHERE id > 100; UPDATE courses SET title = 'oops'")
    run = play(localcloud, ops_app, "restore.yml", "-e", f"restore_confirm={ops_app['name']}")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-5000:]
    assert psql(url, "SELECT count(*) FROM lessons") == "300"
    assert psql(url, "SELECT count(*) FROM courses WHERE title = 'oops'") == "0"
    app = ops_app["heroku"].call("GET", f"/apps/{ops_app['name']}")
    assert app["maintenance"] is False
    safety = [m for m in manifests(localcloud, ops_app) if m["label"] == "pre-restore"]
    assert len(safety) == 1 and safety[0]["tables"]["public.lessons"] == 100


def test_schedule_backups_installs_a_cron_entry_that_really_runs_backup_yml(
    localcloud, ops_app, tmp_path
):
    cron_dir, bin_dir = tmp_path / "cron.d", tmp_path / "bin"
    cron_dir.mkdir()
    env_file, log = tmp_path / "backup.env", tmp_path / "backup.log"
    settings = [
        "-e", f"backups_schedule_dir={cron_dir}", "-e", f"backups_schedule_bin_dir={bin_dir}",
        "-e", f"backups_schedule_env_file={env_file}", "-e", f"backups_schedule_log_file={log}",
        "-e", f'{{"backups_schedule_extra_args": ["-e", "heroku_app_name={ops_app["name"]}"]}}',
    ]  # fmt: skip
    run = play(localcloud, ops_app, "playbooks/schedule_backups.yml", *settings)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    cron = (cron_dir / f"skillstream-backup-{ops_app['name']}").read_text()
    [entry] = [line for line in cron.splitlines() if line[:1].isdigit()]
    minute, hour, dom, month, dow, _user, command = entry.split(None, 6)
    assert (minute, hour, dom, month, dow) == ("30", "3", "*", "*", "*")
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    again = play(localcloud, ops_app, "playbooks/schedule_backups.yml", *settings)
    assert "changed=0" in again.stdout, again.stdout[-3000:]

    # run the job as cron would: empty environment, credentials only from the env file
    env_file.write_text("".join(f"{k}={v}\n" for k, v in localcloud.env.items()))
    before = manifests(localcloud, ops_app)
    job = subprocess.run(
        ["/bin/sh", "-c", command],
        env={"HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert job.returncode == 0, log.read_text()[-4000:]
    assert "Restore drill: passed" in log.read_text()
    after = manifests(localcloud, ops_app)
    new = [m for m in after if m["name"] not in {b["name"] for b in before}]
    assert len(new) == 1
    # one good backup a day is kept (the newest): today's earlier good ones were pruned
    assert not any(m["label"] == "pre-restore" for m in after)

    # switch to a systemd timer written to a scratch directory: the cron entry goes
    units = tmp_path / "systemd"
    units.mkdir()
    run = play(
        localcloud,
        ops_app,
        "playbooks/schedule_backups.yml",
        *settings,
        "-e",
        "backups_schedule_method=systemd",
        "-e",
        f"backups_schedule_systemd_dir={units}",
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    timer = (units / f"skillstream-backup-{ops_app['name']}.timer").read_text()
    assert "OnCalendar=*-*-* 03:30:00 UTC" in timer and "Persistent=true" in timer
    service = (units / f"skillstream-backup-{ops_app['name']}.service").read_text()
    assert f"ExecStart={bin_dir}/skillstream-backup-{ops_app['name']}.sh" in service
    assert not (cron_dir / f"skillstream-backup-{ops_app['name']}").exists()
