"""The backup as a separate process: killed halfway, and its peak memory at two sizes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from ansible_collections.skillstream.ops.plugins.module_utils import backup_store, offsite, pruning

from .conftest import ROOT, Database, drop_database, make_database

SCRIPT = ROOT / "collections/ansible_collections/skillstream/ops/scripts/offsite_backup.py"


@pytest.fixture(scope="module")
def large_db() -> Iterator[Database]:
    """About 40 MB of table data (10,000 rows of 4 KB)."""
    db = make_database(accounts=500, videos=10000, body_bytes=4096)
    yield db
    drop_database(db)


def backup_cmd(db: Database, bucket: str, endpoint: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(SCRIPT),
        "--database-url",
        db.url,
        "--bucket",
        bucket,
        "--prefix",
        "app/",
        "--endpoint-url",
        endpoint,
        *extra,
    ]


def script_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    return env


def test_backup_killed_halfway_is_never_taken_for_good(s3, bucket, moto_endpoint, large_db):
    first = offsite.run_backup(s3, large_db.url, bucket, "app/")
    time.sleep(1.1)  # names are per second
    proc = subprocess.Popen(
        backup_cmd(large_db, bucket, moto_endpoint, "--part-size-mib", "5", "--max-inflight", "1"),
        env=script_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    parts = 0
    while time.monotonic() < deadline and proc.poll() is None and parts == 0:
        for up in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            parts = len(
                s3.list_parts(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"]).get(
                    "Parts", []
                )
            )
        time.sleep(0.01)
    assert proc.poll() is None, "the backup finished before it could be killed"
    assert parts >= 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    backups = backup_store.list_backups(s3, bucket, "app/")
    assert [b["name"] for b in backups if b["good"]] == [first["name"]]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), "the killed upload is open"
    # a later retention run keeps the older good backup and leaves the fresh upload alone
    plan = pruning.plan_retention(s3, bucket, "app/", daily=7, weekly=4, monthly=6)
    assert plan["delete"] == [] and plan["newest_good"]["name"] == first["name"]
    # once past the grace, the dead upload is aborted, and still nothing good is deleted
    plan = pruning.plan_retention(s3, bucket, "app/", 7, 4, 6, bad_grace_hours=0)
    assert plan["delete"] == [] and len(plan["stale_uploads"]) == 1
    pruning.apply_retention(s3, bucket, plan)
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    assert (
        backup_store.latest_good(backup_store.list_backups(s3, bucket, "app/"))["name"]
        == first["name"]
    )


def peak_rss(db: Database, bucket: str, endpoint: str) -> dict:
    out = subprocess.run(
        backup_cmd(db, bucket, endpoint),
        env=script_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout)


def test_peak_memory_does_not_grow_with_database_size(bucket, moto_endpoint, app_db, large_db):
    small = peak_rss(app_db, bucket, moto_endpoint)
    time.sleep(1.1)
    large = peak_rss(large_db, bucket, moto_endpoint)
    print(
        f"\nbackup peak RSS: small db dump {small['size'] / 2**20:.2f} MiB -> "
        f"{small['peak_rss_mib']} MiB; large db dump {large['size'] / 2**20:.1f} MiB "
        f"({large['parts']} parts) -> {large['peak_rss_mib']} MiB"
    )
    assert large["size"] > 20 * small["size"]
    assert large["peak_rss_mib"] < 100
    assert large["peak_rss_mib"] - small["peak_rss_mib"] < 40
