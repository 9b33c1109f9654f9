"""Faults while backup.yml runs, and a lasting fault under rollback.yml.

backup.yml: transient faults (the data API's capture answering 503, the backup bucket
answering 500) are retried and a new good backup lands; a lasting S3 outage fails the run
clearly and deletes no older backup. rollback.yml: a lasting 503 on the release call fails
clearly and the release serving stays.
"""

from __future__ import annotations

from pathlib import Path

from ansible_collections.skillstream.ops.plugins.module_utils.backup_store import list_backups

from tests.conftest import moto_client
from tests.reliability.conftest import APP, DeployedApp

BUCKET = "skillstream-local-backups"  # inventories/local/group_vars/all/backups.yml
PREFIX = f"{APP}/"  # backups_bucket_prefix: one folder per app
CAPTURE = r"^/client/v11/databases/[^/]+/backups$"


def good_backups(app: DeployedApp) -> set[str]:
    """Names of the off-site backups counted good (complete manifest, dump, no failed drill)."""
    s3 = moto_client("s3", app.aws_endpoint)
    return {b["name"] for b in list_backups(s3, BUCKET, PREFIX) if b["good"]}


def test_backup_converges_through_transient_faults(app: DeployedApp, record) -> None:
    before = good_backups(app)
    app.fault(kind="status", status=503, method="POST", path=CAPTURE, count=2)
    app.fault(target="aws", kind="status", status=500, path=f"^/{BUCKET}", count=2)
    run = app.playbook("backup.yml")
    left = app.armed_faults()
    app.clear_faults()
    new = good_backups(app) - before
    passed = run.rc == 0 and not left and len(new) == 1
    record(
        "faults: backup.yml",
        "503 twice on the Heroku capture, 500 twice on the backup bucket",
        "retried; a new good (drilled) backup lands",
        f"rc={run.rc} in {run.seconds:.0f} s; new good backups: {sorted(new)}",
        times=4,
        passed=passed,
    )
    assert run.rc == 0, run.tail()
    assert not left, f"a fault never fired, the test proved nothing: {left}"
    assert len(new) == 1, (before, new)


def test_a_lasting_s3_outage_fails_the_backup_and_deletes_nothing(app: DeployedApp, record):
    before = good_backups(app)
    assert before, "no good backup to protect: the test would prove nothing"
    app.fault(target="aws", kind="status", status=500, path=f"^/{BUCKET}", count=None)
    run = app.playbook("backup.yml")
    app.clear_faults()
    after = good_backups(app)
    healthy = app.get("/healthz")[0] == 200
    clear = "500" in run.output or "InternalError" in run.output
    passed = run.rc != 0 and clear and after == before and healthy
    record(
        "faults: backup.yml",
        "moto answering 500 on every call to the backup bucket",
        "fails clearly; no older backup deleted; app keeps serving",
        f"rc={run.rc}; good backups {len(before)} before, {len(after)} after; "
        f"healthz {'200' if healthy else 'down'}",
        passed=passed,
    )
    assert run.rc != 0, run.tail()
    assert clear, run.tail()
    assert after == before
    assert healthy


def test_a_lasting_release_api_outage_fails_the_rollback_clearly(
    app: DeployedApp, changed_tree: Path, record
) -> None:
    # A release to roll back from: a code change on top of whatever serves.
    run = app.deploy(
        "-e", f"heroku_app_source_dir={changed_tree}", "-e", "heroku_app_version=rel-outage"
    )  # fmt: skip
    assert run.rc == 0, run.tail()
    serving = app.serving_version()
    app.fault(kind="status", status=503, method="POST", path=f"^/apps/{APP}/releases$", count=None)
    run = app.playbook("rollback.yml")
    app.clear_faults()
    now = app.serving_version()
    text = " ".join(run.output.split())
    clear = "503" in text and f"/apps/{APP}/releases" in text
    passed = run.rc != 0 and clear and now["release"] == serving["release"]
    record(
        "faults: rollback.yml",
        "503 on every POST /releases",
        "fails clearly naming the call; the serving release stays",
        f"rc={run.rc}; {now['release']} serving (was {serving['release']})",
        passed=passed,
    )
    assert run.rc != 0, run.tail()
    assert clear, run.tail()
    assert now["release"] == serving["release"]
