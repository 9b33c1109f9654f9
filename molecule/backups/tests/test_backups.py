"""Backups as a person checks them: the host's cron entry and its next run, the wrapper it
starts; on Heroku the daily schedule and a finished capture; in the off-site bucket the run
side_effect made (complete manifest, dump of its size and checksum, passed drill), and the
bucket locked down."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from croniter import croniter


@pytest.fixture(scope="module")
def host_dir() -> Path:
    return Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "host"


@pytest.fixture(scope="module")
def cron_entry(host, host_dir, scenario) -> list[str]:
    """The schedule line of the app's cron.d file: minute hour dom month dow user command."""
    name = f"skillstream-backup-{scenario['heroku_app_name']}"
    cron = host.file(str(host_dir / "etc" / "cron.d" / name))
    assert cron.is_file, f"no cron entry at {cron.path}"
    assert cron.mode == 0o644 and "CRON_TZ=UTC" in cron.content_string.splitlines()
    lines = [
        line.split(maxsplit=6)
        for line in cron.content_string.splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1, lines
    return lines[0]


def test_cron_entry_runs_daily_and_next_at_the_scheduled_time(host, cron_entry, scenario) -> None:
    assert cron_entry[2:5] == ["*", "*", "*"], "not daily"
    assert host.user(cron_entry[5]).exists, f"no user {cron_entry[5]} to run it"
    now = datetime.now(UTC)
    next_run = croniter(" ".join(cron_entry[:5]), now).get_next(datetime)
    wanted = now.replace(
        hour=scenario["backups_schedule_hour"],
        minute=scenario["backups_schedule_minute"],
        second=0,
        microsecond=0,
    )
    if wanted <= now:
        wanted += timedelta(days=1)
    assert next_run == wanted, f"next run {next_run}, wanted {wanted}"


def test_the_wrapper_runs_backup_yml_with_secrets_kept_apart(host, cron_entry, host_dir) -> None:
    script = host.file(cron_entry[6])
    assert script.is_file and script.mode == 0o750, cron_entry[6]
    assert host.run(f"sh -n {script.path}").rc == 0, "the wrapper is not valid sh"
    text = script.content_string
    assert "backup.yml" in text and "-i inventories/local" in text
    assert f"cd {os.environ['MOLECULE_PROJECT_DIRECTORY']}\n" in text, "not run from the repository"
    env_file = host.file(str(host_dir / "var/lib/skillstream/backup-local.env"))
    assert env_file.is_file and env_file.mode == 0o600
    assert env_file.path in text


def test_heroku_schedules_the_database_daily(heroku, scenario) -> None:
    app = scenario["heroku_app_name"]
    database = next(
        a for a in heroku.get(f"/apps/{app}/addons")
        if a["addon_service"]["name"] == "heroku-postgresql"
    )  # fmt: skip
    schedules = heroku.data(f"/databases/{database['id']}/transfer-schedules")
    assert [(s["hour"], s["timezone"]) for s in schedules] == [
        (scenario["backups_heroku_schedule_hour"], "UTC")
    ]
    transfers = heroku.data(f"/apps/{app}/transfers")
    assert any(t["succeeded"] for t in transfers), transfers


@pytest.fixture(scope="module")
def s3(aws):
    return aws("s3")


@pytest.fixture(scope="module")
def latest(s3, scenario) -> dict:
    """The newest off-site backup's manifest, dump object and drill record."""
    bucket, prefix = scenario["backups_bucket_name"], f"{scenario['heroku_app_name']}/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    manifests = sorted(k for k in keys if k.endswith(".manifest.json"))
    assert manifests, f"no backup under s3://{bucket}/{prefix}: {keys}"
    base = manifests[-1].removesuffix(".manifest.json")

    def read(key: str) -> bytes:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    return {
        "manifest": json.loads(read(base + ".manifest.json")),
        "dump": read(base + ".dump"),
        "drill": json.loads(read(base + ".drill.json")),
    }


def test_the_backup_is_complete_and_its_dump_matches(latest) -> None:
    manifest = latest["manifest"]
    assert manifest["status"] == "complete"
    assert manifest["tables"] == {"public.notes": 50}
    assert len(latest["dump"]) == manifest["size"]
    assert hashlib.sha256(latest["dump"]).hexdigest() == manifest["sha256"]
    assert latest["dump"].startswith(b"PGDMP"), "not a pg_dump custom-format archive"


def test_the_drill_restored_every_row(latest) -> None:
    drill = latest["drill"]
    assert (drill["status"], drill["rows_checked"]) == ("passed", latest["manifest"]["row_total"])
    assert drill["rows_checked"] == 50
    assert drill["sha256_ok"] and drill["scratch_dropped"], drill


def test_the_bucket_is_locked_down(s3, scenario) -> None:
    bucket = scenario["backups_bucket_name"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()), block
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert lifecycle["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 2
