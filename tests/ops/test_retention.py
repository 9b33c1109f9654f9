"""Retention on a set of dated backups made by the test, in a real (moto) bucket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ansible_collections.skillstream.ops.plugins.module_utils import backup_store, pruning
from ansible_collections.skillstream.ops.plugins.module_utils.retention import keep_set

UTC = UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def put_backup(s3, bucket: str, when: datetime, status: str = "good") -> str:
    """A dated backup as the module writes it (dump + manifest), or a damaged one."""
    name = backup_store.backup_name(when)
    keys = backup_store.keys_for("app/", name)
    body = b"PGDMP" + name.encode()
    if status != "broken":
        s3.put_object(Bucket=bucket, Key=keys["dump"], Body=body)
    if status != "incomplete":
        backup_store.put_json(
            s3,
            bucket,
            keys["manifest"],
            {
                "format": backup_store.MANIFEST_FORMAT,
                "status": "complete",
                "name": name,
                "size": len(body),
                "sha256": "x",
                "tables": {},
                "row_total": 0,
                "started_at": backup_store.iso(when),
                "key": keys["dump"],
            },
        )
    if status == "failed_drill":
        backup_store.put_json(s3, bucket, keys["drill"], {"status": "failed"})
    return name


def names(items) -> set[str]:
    return {b["name"] for b in items}


def test_policy_keeps_newest_of_each_period():
    good = [
        ("a", at("2026-03-15T14:00")),
        ("b", at("2026-03-15T02:00")),
        ("c", at("2026-03-08T02:00")),
        ("d", at("2026-02-01T02:00")),
    ]
    reasons = keep_set(good, daily=1, weekly=1, monthly=2)
    assert reasons == {"a": ["newest", "daily", "weekly", "monthly"], "d": ["monthly"]}


def test_zero_everywhere_still_keeps_the_newest_good_backup():
    good = [("old", at("2026-01-01T00:00")), ("new", at("2026-01-02T00:00"))]
    assert keep_set(good, 0, 0, 0) == {"new": ["newest"]}


def test_retention_prunes_exactly_what_the_policy_says(s3, bucket):
    day = at("2026-02-20T02:00")
    made = {}
    while day <= at("2026-03-15T02:00"):
        made[day.date().isoformat()] = put_backup(s3, bucket, day)
        day += timedelta(days=1)
    latest = put_backup(s3, bucket, at("2026-03-15T14:00"))
    jan = put_backup(s3, bucket, at("2026-01-10T02:00"))
    dec = put_backup(s3, bucket, at("2025-12-05T02:00"))
    nov = put_backup(s3, bucket, at("2025-11-20T02:00"))
    failed = put_backup(s3, bucket, at("2026-03-10T09:00"), "failed_drill")
    broken = put_backup(s3, bucket, at("2026-02-25T12:00"), "broken")
    # a dump without manifest, written just now, dated after everything else
    orphan = put_backup(s3, bucket, datetime.now(UTC) + timedelta(days=400), "incomplete")

    plan = pruning.plan_retention(s3, bucket, "app/", daily=3, weekly=2, monthly=3)
    expected_keep = {
        latest,
        made["2026-03-14"],
        made["2026-03-13"],  # daily
        made["2026-03-08"],  # weekly: ISO week 10 ends on Sunday 8 March
        made["2026-02-28"],
        jan,
    }  # monthly (March's is `latest`)
    assert names(plan["keep"]) == expected_keep
    assert plan["newest_good"]["name"] == latest
    good_deleted = (set(made.values()) | {dec, nov}) - expected_keep
    assert names(plan["delete"]) == good_deleted | {failed, broken}
    assert names(plan["waiting"]) == {orphan}

    pruning.apply_retention(s3, bucket, plan)
    after = backup_store.list_backups(s3, bucket, "app/")
    assert {b["name"] for b in after if b["good"]} == expected_keep
    assert {b["name"] for b in after if not b["good"]} == {orphan}
    # a second run has nothing more to do
    again = pruning.plan_retention(s3, bucket, "app/", daily=3, weekly=2, monthly=3)
    assert again["delete"] == []


def test_versioned_bucket_keeps_pruned_objects_recoverable(s3, bucket):
    old = put_backup(s3, bucket, at("2026-01-01T02:00"))
    put_backup(s3, bucket, at("2026-01-02T02:00"))
    plan = pruning.plan_retention(s3, bucket, "app/", daily=1, weekly=0, monthly=0)
    assert names(plan["delete"]) == {old}
    pruning.apply_retention(s3, bucket, plan)
    versions = s3.list_object_versions(Bucket=bucket, Prefix=f"app/{old}.dump")
    assert versions.get("DeleteMarkers") and versions.get("Versions")
