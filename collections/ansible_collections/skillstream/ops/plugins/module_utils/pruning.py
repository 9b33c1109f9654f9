"""Apply the retention policy to the backups in a bucket."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Optional

from .backup_store import iso, latest_good, list_backups, normalise_prefix, public_view, utcnow
from .offsite import delete_backup
from .retention import keep_set


def plan_retention(
    client: Any,
    bucket: str,
    prefix: str,
    daily: int,
    weekly: int,
    monthly: int,
    bad_grace_hours: float = 48,
) -> Dict[str, Any]:
    """What retention keeps and deletes, without deleting anything.

    Good backups are kept by the grandfather-father-son policy, the newest good one always.
    A backup that is not good (no complete manifest, missing dump, failed drill) is never
    counted towards the policy; it is deleted only once older than `bad_grace_hours`, so a
    backup still being written is never touched. Multipart uploads left by a killed run are
    aborted after the same grace.
    """
    backups = list_backups(client, bucket, prefix)
    good = [(b["name"], b["time"]) for b in backups if b["good"]]
    reasons = keep_set(good, daily, weekly, monthly)
    newest = latest_good(backups)
    cutoff = utcnow() - timedelta(hours=bad_grace_hours)
    delete, keep, waiting = [], [], []
    for b in backups:
        if b["good"]:
            (keep if b["name"] in reasons else delete).append(b)
        elif b["time"] < cutoff:
            delete.append(b)
        else:
            waiting.append(b)
    assert newest is None or newest not in delete  # the newest good backup is never deleted
    stale_uploads = []
    paginator = client.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=bucket, Prefix=normalise_prefix(prefix)):
        for up in page.get("Uploads", []):
            if up["Initiated"] < cutoff:
                stale_uploads.append(
                    {
                        "key": up["Key"],
                        "upload_id": up["UploadId"],
                        "initiated": iso(up["Initiated"]),
                    }
                )
    return {
        "backups": backups,
        "keep": keep,
        "keep_reasons": reasons,
        "delete": delete,
        "waiting": waiting,
        "stale_uploads": stale_uploads,
        "newest_good": newest,
    }


def apply_retention(client: Any, bucket: str, plan: Dict[str, Any]) -> None:
    """Delete what the plan says, oldest first."""
    for b in plan["delete"]:
        delete_backup(client, bucket, b["keys"])
    for up in plan["stale_uploads"]:
        client.abort_multipart_upload(Bucket=bucket, Key=up["key"], UploadId=up["upload_id"])


def summary(plan: Dict[str, Any]) -> Dict[str, Any]:
    """The plan as a module returns it."""
    newest: Optional[Dict[str, Any]] = plan["newest_good"]
    return {
        "kept": [
            dict(public_view(b), kept_for=plan["keep_reasons"][b["name"]]) for b in plan["keep"]
        ],
        "deleted": [public_view(b) for b in plan["delete"]],
        "not_good_waiting": [public_view(b) for b in plan["waiting"]],
        "aborted_uploads": plan["stale_uploads"],
        "newest_good": public_view(newest) if newest else None,
        "good_count": sum(1 for b in plan["backups"] if b["good"]),
    }


def deleted_names(plan: Dict[str, Any]) -> List[str]:
    """Names of the backups the plan deletes."""
    return [b["name"] for b in plan["delete"]]
