"""Heroku Postgres backups: real `pg_dump -Fc` captures into the blob store, real
`pg_restore --clean --no-owner` restores, schedules run by the ticker."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now

if TYPE_CHECKING:
    from localcloud.services import Services

log = logging.getLogger("localcloud.pgbackups")
_running: dict[str, subprocess.Popen] = {}


def _new_transfer(svc: Services, app: dict[str, Any], **fields: Any) -> dict[str, Any]:
    stamp = now()
    num = svc.store.next_value(f"transfer-num:{app['id']}")
    doc = {
        "id": new_id(),
        "uuid": "",
        "num": num,
        "name": f"b{num:03d}",
        "from_name": None,
        "from_type": "pg_dump",
        "from_url": None,
        "to_name": None,
        "to_type": "gof3r",
        "to_url": None,
        "options": {},
        "source_bytes": None,
        "processed_bytes": 0,
        "succeeded": None,
        "warnings": 0,
        "created_at": stamp,
        "started_at": stamp,
        "finished_at": None,
        "canceled_at": None,
        "updated_at": stamp,
        "deleted_at": None,
        "purged_at": None,
        "schedule": None,
        "logs": [],
        "app_uuid": app["id"],
        "_app_name": app["name"],
        **fields,
    }
    doc["uuid"] = doc["id"]
    svc.store.put("transfer", doc, app["id"])
    return doc


def _log(doc: dict[str, Any], message: str) -> None:
    doc["logs"].append({"created_at": now(), "message": message})


def _run(svc: Services, doc: dict[str, Any], cmd: list[str], env: dict[str, str]) -> bool:
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **env}, start_new_session=True,
    )  # fmt: skip
    _running[doc["id"]] = proc
    try:
        output, _ = proc.communicate(timeout=3600)
    finally:
        _running.pop(doc["id"], None)
    for line in output.splitlines():
        _log(doc, line)
    return proc.returncode == 0


def _finish(svc: Services, doc: dict[str, Any], ok: bool) -> None:
    fresh = svc.store.get("transfer", doc["id"])
    if fresh and fresh["canceled_at"]:
        doc["canceled_at"] = fresh["canceled_at"]
        ok = False
    stamp = now()
    doc["succeeded"] = ok
    doc["finished_at"] = stamp
    doc["updated_at"] = stamp
    svc.store.put("transfer", doc, doc["app_uuid"])


def capture(
    svc: Services, app: dict[str, Any], addon: dict[str, Any], attachment: str,
    schedule: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Start a backup of the add-on's database; the transfer is returned at once."""
    key = svc.blobs.new_key("backup")
    doc = _new_transfer(
        svc, app, from_name=attachment, from_type="pg_dump", to_type="gof3r",
        to_name="BACKUP", to_url=svc.blobs.url(key), _addon_id=addon["id"], _blob=key,
        schedule={"uuid": schedule["uuid"]} if schedule else None,
    )  # fmt: skip
    svc.spawn(f"capture-{doc['id']}", _capture, svc, doc, addon)
    return doc


def _capture(svc: Services, doc: dict[str, Any], addon: dict[str, Any]) -> None:
    url = addon["_backing"]["url"]
    target = svc.blobs.path(doc["_blob"])
    _log(doc, f"Starting backup of {doc['from_name']} ({addon['name']})")
    doc["source_bytes"] = _database_size(url)
    ok = _run(svc, doc, ["pg_dump", "-Fc", "--no-owner", "--no-acl", "-f", str(target),
                         "--dbname", url], {})  # fmt: skip
    if ok and target.exists():
        doc["processed_bytes"] = target.stat().st_size
        _log(doc, f"Backup {doc['name']} completed: {doc['processed_bytes']} bytes")
    else:
        target.unlink(missing_ok=True)
        _log(doc, "Backup failed")
    _finish(svc, doc, ok)


def _database_size(url: str) -> int | None:
    proc = subprocess.run(
        ["psql", "-X", "-t", "-A", "-d", url, "-c", "SELECT pg_database_size(current_database())"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return int(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip() else None


def restore(
    svc: Services, app: dict[str, Any], addon: dict[str, Any], attachment: str, backup_url: str
) -> dict[str, Any]:
    doc = _new_transfer(
        svc, app, from_name="BACKUP", from_type="pg_dump", from_url=backup_url,
        to_name=attachment, to_type="pg_restore", to_url=None, _addon_id=addon["id"],
    )  # fmt: skip
    svc.spawn(f"restore-{doc['id']}", _restore, svc, doc, addon, backup_url)
    return doc


def _restore(svc: Services, doc: dict[str, Any], addon: dict[str, Any], backup_url: str) -> None:
    key = svc.blobs.key_from_url(backup_url)
    work = svc.settings.home / "tmp"
    work.mkdir(exist_ok=True)
    temp: Path | None = None
    try:
        if key is not None:
            source = svc.blobs.path(key)
        else:
            temp = work / f"restore-{doc['id']}.dump"
            with urllib.request.urlopen(backup_url, timeout=600) as resp:
                temp.write_bytes(resp.read())
            source = temp
        if not source.exists():
            _log(doc, f"Backup not found at {backup_url}")
            _finish(svc, doc, False)
            return
        doc["source_bytes"] = source.stat().st_size
        _log(doc, f"Restoring into {doc['to_name']} ({addon['name']})")
        ok = _run(svc, doc, ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl",
                             "-d", addon["_backing"]["url"], str(source)], {})  # fmt: skip
        doc["processed_bytes"] = doc["source_bytes"] if ok else 0
        _log(doc, "Restore completed" if ok else "Restore failed")
        _finish(svc, doc, ok)
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def cancel(svc: Services, doc: dict[str, Any]) -> dict[str, Any]:
    if doc["finished_at"]:
        return doc
    doc["canceled_at"] = now()
    svc.store.put("transfer", doc, doc["app_uuid"])
    proc = _running.get(doc["id"])
    if proc is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    return doc


def delete(svc: Services, doc: dict[str, Any]) -> dict[str, Any]:
    """Forget a finished transfer and its backup; the record as deleted."""
    if not doc["finished_at"]:
        raise Invalid("Cancel the transfer before deleting it.")
    if doc.get("_blob"):
        svc.blobs.delete(doc["_blob"])
    svc.store.delete("transfer", doc["id"])
    doc["deleted_at"] = now()
    return doc


def schedule(
    svc: Services, app: dict[str, Any], addon: dict[str, Any], name: str, hour: int, tz: str
) -> dict[str, Any]:
    """A daily backup of the database at `hour` in `tz`; the same name replaces its schedule."""
    stamp = now()
    existing = [s for s in svc.store.list("transfer-schedule", app["id"])
                if s["_addon_id"] == addon["id"] and s["name"] == name]  # fmt: skip
    sched = existing[0] if existing else {"uuid": new_id(), "created_at": stamp}
    sched.update(
        id=sched["uuid"], name=name, hour=hour, timezone=tz, days=["Every day"],
        retain_weeks=4, retain_months=0, updated_at=stamp, _addon_id=addon["id"],
    )  # fmt: skip
    if existing and existing[0].get("hour") != hour:
        sched.pop("_last_run", None)
    svc.store.put("transfer-schedule", sched, app["id"])
    return sched


def unschedule(svc: Services, addon: dict[str, Any], ident: str) -> dict[str, Any]:
    sched = svc.store.get("transfer-schedule", ident)
    if sched is None or sched["_addon_id"] != addon["id"]:
        raise NotFound("schedule")
    svc.store.delete("transfer-schedule", ident)
    return sched


def run_due_schedules(svc: Services) -> None:
    """Capture a backup for every schedule whose hour has come today (in its time zone)."""
    for sched in svc.store.list("transfer-schedule"):
        try:
            local = datetime.now(ZoneInfo(sched["timezone"]))
        except Exception:
            local = datetime.now(ZoneInfo("UTC"))
        today = local.date().isoformat()
        if local.hour != int(sched["hour"]) or sched.get("_last_run") == today:
            continue
        addon = svc.store.get("addon", sched["_addon_id"])
        app = svc.store.get("app", addon["app"]["id"]) if addon else None
        if not addon or not app or addon["state"] != "provisioned":
            continue
        sched["_last_run"] = today
        svc.store.put("transfer-schedule", sched, app["id"])
        log.info("scheduled backup of %s for %s", addon["name"], app["name"])
        capture(svc, app, addon, sched["name"].removesuffix("_URL"), schedule=sched)
