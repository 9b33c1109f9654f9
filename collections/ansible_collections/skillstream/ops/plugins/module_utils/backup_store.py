"""The layout of off-site backups in the bucket, their manifests and how good each one is.

    <prefix><name>.dump            pg_dump custom format, uploaded by multipart upload
    <prefix><name>.manifest.json   written only after the dump object is complete
    <prefix><name>.drill.json      the last restore drill's result

A backup is *good* when its manifest says `complete`, the dump object exists with the
size the manifest records, and no drill has failed on it. Anything else (a dump without
manifest, a manifest without dump, a failed drill) is never counted as good.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

MANIFEST_FORMAT = "skillstream-offsite-backup/1"
DUMP_SUFFIX = ".dump"
MANIFEST_SUFFIX = ".manifest.json"
DRILL_SUFFIX = ".drill.json"
SUFFIXES = (DUMP_SUFFIX, MANIFEST_SUFFIX, DRILL_SUFFIX)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(timezone.utc)


def iso(when: datetime) -> str:
    """ISO 8601 UTC with a Z, to the second."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse what `iso` writes (and any ISO 8601 with an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def normalise_prefix(prefix: str) -> str:
    """A key prefix that ends with one slash (or is empty)."""
    prefix = prefix.strip("/")
    return prefix + "/" if prefix else ""


def backup_name(when: datetime, label: str = "") -> str:
    """A sortable backup name: 20261126T050606Z or 20261126T050606Z-pre-restore."""
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return stamp + ("-" + label if label else "")


def keys_for(prefix: str, name: str) -> Dict[str, str]:
    """The three object keys of one backup."""
    base = normalise_prefix(prefix) + name
    return {
        "dump": base + DUMP_SUFFIX,
        "manifest": base + MANIFEST_SUFFIX,
        "drill": base + DRILL_SUFFIX,
    }


def put_json(client: Any, bucket: str, key: str, doc: Dict[str, Any]) -> None:
    """Write a small JSON document."""
    body = json.dumps(doc, indent=2, sort_keys=True).encode()
    client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def get_json(client: Any, bucket: str, key: str) -> Optional[Dict[str, Any]]:
    """Read a small JSON document, or None when it is missing or unreadable."""
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        doc = json.loads(body)
    except Exception:
        return None
    return doc if isinstance(doc, dict) else None


def list_backups(client: Any, bucket: str, prefix: str) -> List[Dict[str, Any]]:
    """Every backup under `prefix`, oldest first, each classified good or not."""
    prefix = normalise_prefix(prefix)
    found: Dict[str, Dict[str, Any]] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            rest = obj["Key"][len(prefix) :]
            if "/" in rest:
                continue  # another app's or another prefix's objects
            for suffix in SUFFIXES:
                if rest.endswith(suffix):
                    entry = found.setdefault(rest[: -len(suffix)], {})
                    entry[suffix] = obj
                    break
    backups = []
    for name, objs in found.items():
        manifest = (
            get_json(client, bucket, prefix + name + MANIFEST_SUFFIX)
            if (MANIFEST_SUFFIX in objs)
            else None
        )
        drill = (
            get_json(client, bucket, prefix + name + DRILL_SUFFIX)
            if (DRILL_SUFFIX in objs)
            else None
        )
        backups.append(_classify(prefix, name, objs, manifest, drill))
    backups.sort(key=lambda b: (b["time"], b["name"]))
    return backups


def _classify(
    prefix: str,
    name: str,
    objs: Dict[str, Dict[str, Any]],
    manifest: Optional[Dict[str, Any]],
    drill: Optional[Dict[str, Any]],
) -> Dict[str, Any]:
    dump = objs.get(DUMP_SUFFIX)
    status, reason = "good", ""
    if manifest is None:
        status, reason = "incomplete", "no complete manifest"
    elif manifest.get("format") != MANIFEST_FORMAT or manifest.get("status") != "complete":
        status, reason = "incomplete", "manifest is not complete"
    elif dump is None:
        status, reason = "broken", "dump object missing"
    elif int(dump["Size"]) != int(manifest.get("size", -1)):
        status, reason = "broken", "dump size differs from the manifest"
    elif drill is not None and drill.get("status") != "passed":
        status, reason = "failed_drill", "the last restore drill failed"
    when = None
    if manifest and manifest.get("started_at"):
        try:
            when = parse_iso(manifest["started_at"])
        except ValueError:
            when = None
    if when is None:
        newest = max(o["LastModified"] for o in objs.values())
        when = newest.astimezone(timezone.utc)
    return {
        "name": name,
        "status": status,
        "good": status == "good",
        "reason": reason,
        "time": when,
        "keys": {
            k: prefix + name + s
            for k, s in zip(("dump", "manifest", "drill"), SUFFIXES, strict=True)
            if s in objs
        },
        "size": int(dump["Size"]) if dump else None,
        "manifest": manifest,
        "drill": drill,
    }


def public_view(backup: Dict[str, Any]) -> Dict[str, Any]:
    """A backup as a module returns it (JSON-safe, manifest tables summarised)."""
    manifest = backup.get("manifest") or {}
    drill = backup.get("drill") or {}
    return {
        "name": backup["name"],
        "status": backup["status"],
        "good": backup["good"],
        "reason": backup["reason"],
        "time": iso(backup["time"]),
        "keys": backup["keys"],
        "size": backup["size"],
        "sha256": manifest.get("sha256"),
        "release": manifest.get("release"),
        "label": manifest.get("label"),
        "row_total": manifest.get("row_total"),
        "drill_status": drill.get("status"),
    }


def latest_good(backups: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The newest good backup."""
    good = [b for b in backups if b["good"]]
    return good[-1] if good else None
