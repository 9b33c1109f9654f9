"""Off-site backup, drill and restore against real PostgreSQL and a real moto S3."""

from __future__ import annotations

import hashlib
import json

import pytest
from ansible_collections.skillstream.ops.plugins.module_utils import backup_store, offsite
from ansible_collections.skillstream.ops.plugins.module_utils.s3stream import MIB

from .conftest import ADMIN_URL
from .heroku_helpers import psql as psql_url


def test_backup_writes_object_and_manifest_that_match(s3, bucket, app_db):
    manifest = offsite.run_backup(
        s3,
        app_db.url,
        bucket,
        "skillstream-test/",
        app="skillstream-test",
        release="v7",
        part_size=5 * MIB,
    )
    body = s3.get_object(Bucket=bucket, Key=manifest["key"])["Body"].read()
    assert len(body) == manifest["size"]
    assert hashlib.sha256(body).hexdigest() == manifest["sha256"]
    assert body[:5] == b"PGDMP"  # pg_dump custom format
    stored = json.loads(
        s3.get_object(Bucket=bucket, Key=manifest["key"].replace(".dump", ".manifest.json"))[
            "Body"
        ].read()
    )
    assert stored["status"] == "complete"
    assert stored["tables"] == {
        "public.accounts": 50,
        "public.videos": 200,
        "public.comments": 400,
        "reports.daily": 30,
    }
    assert stored["release"] == "v7" and stored["app"] == "skillstream-test"
    assert app_db.role not in json.dumps(stored), "the manifest must not carry credentials"
    [listed] = backup_store.list_backups(s3, bucket, "skillstream-test/")
    assert listed["good"] and listed["name"] == manifest["name"]


def test_drill_passes_and_drops_its_scratch_database(s3, bucket, app_db):
    manifest = offsite.run_backup(s3, app_db.url, bucket, "p/")
    result = offsite.run_drill(s3, bucket, "p/", manifest["name"], ADMIN_URL)
    assert result["status"] == "passed", result
    assert result["rows_checked"] == 680 and result["scratch_dropped"]
    drill = backup_store.get_json(s3, bucket, f"p/{manifest['name']}.drill.json")
    assert drill["status"] == "passed"


def test_drill_fails_on_a_tampered_manifest_and_the_backup_is_no_longer_good(s3, bucket, app_db):
    manifest = offsite.run_backup(s3, app_db.url, bucket, "p/")
    manifest["tables"]["public.videos"] = 999
    backup_store.put_json(s3, bucket, f"p/{manifest['name']}.manifest.json", manifest)
    result = offsite.run_drill(s3, bucket, "p/", manifest["name"], ADMIN_URL)
    assert result["status"] == "failed"
    assert result["mismatches"] == [{"table": "public.videos", "expected": 999, "actual": 200}]
    [listed] = backup_store.list_backups(s3, bucket, "p/")
    assert not listed["good"] and listed["status"] == "failed_drill"


def test_failed_dump_leaves_no_object_and_no_manifest(s3, bucket):
    with pytest.raises(offsite.BackupError):
        offsite.run_backup(s3, "postgres://nobody:x@127.0.0.1:5432/does_not_exist", bucket, "p/")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_restore_brings_back_deleted_rows(s3, bucket, app_db):
    manifest = offsite.run_backup(s3, app_db.url, bucket, "p/")
    app_db.sql(
        "DELETE FROM comments; DELETE FROM videos WHERE id > 10; "
        "INSERT INTO accounts (email) VALUES ('late@example.com')"
    )
    # a later migration, run as the app's role like the release phase does
    psql_url(app_db.url, "CREATE TABLE added_later (id int REFERENCES videos(id))")
    assert app_db.count("videos") == 10
    result = offsite.run_restore(s3, bucket, "p/", manifest["name"], app_db.url)
    assert result["rows"] == 680
    assert app_db.count("videos") == 200 and app_db.count("comments") == 400
    assert app_db.count("accounts") == 50
    assert result["dropped_tables"] == ["public.added_later"]
    assert app_db.sql("SELECT to_regclass('public.added_later')") == ""
    # the app's role still owns what was restored, so the app keeps working
    owner = app_db.sql("SELECT tableowner FROM pg_tables WHERE tablename = 'videos'")
    assert owner == app_db.role


def test_restore_refuses_a_backup_whose_bytes_changed(s3, bucket, app_db):
    manifest = offsite.run_backup(s3, app_db.url, bucket, "p/")
    s3.put_object(Bucket=bucket, Key=manifest["key"], Body=b"PGDMP-corrupted")
    app_db.sql("DELETE FROM comments")
    with pytest.raises(offsite.BackupError, match="checksum"):
        offsite.run_restore(s3, bucket, "p/", manifest["name"], app_db.url)
    assert app_db.count("comments") == 0  # untouched
