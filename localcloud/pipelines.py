"""Pipelines: the pipelines, the apps coupled to them by stage, and promotions.

A promotion releases the source app's slug on each target app with the target's own config
vars (no build); the target's release phase runs, and a failed one leaves the target's
serving release in place, as `releases` does for any release.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from localcloud import releases
from localcloud.errors import Invalid, NotFound
from localcloud.ids import is_uuid, new_id, now
from localcloud.records import account

if TYPE_CHECKING:
    from localcloud.services import Services

STAGES = ("test", "review", "development", "staging", "production")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,29}$")
GENERATION = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "localcloud:generation:cedar")),
              "name": "cedar"}  # fmt: skip
# A target release still pending after this long is reported failed, not waited on forever.
TARGET_TIMEOUT = 1800


# -- pipelines ------------------------------------------------------------------


def find(svc: Services, identity: str) -> dict[str, Any]:
    doc = svc.store.get("pipeline", identity) if is_uuid(identity) else None
    if doc is None:
        doc = svc.store.find("pipeline", name=identity)
    if doc is None:
        raise NotFound("pipeline")
    return doc


def _check_name(svc: Services, name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise Invalid("Name must start with a letter and have 3 to 30 lower case letters, "
                      "digits and dashes.")  # fmt: skip
    if svc.store.find("pipeline", name=name):
        raise Invalid("Name is already taken")
    return name


def create(svc: Services, name: Any) -> dict[str, Any]:
    with svc.store.tx():
        _check_name(svc, name)
        stamp = now()
        doc = {
            "created_at": stamp,
            "id": new_id(),
            "name": name,
            "owner": {"id": account(svc.store)["id"], "type": "user"},
            "updated_at": stamp,
            "generation": GENERATION,
        }
        return svc.store.put("pipeline", doc)


def rename(svc: Services, identity: str, name: Any) -> dict[str, Any]:
    doc = find(svc, identity)
    if name is not None and name != doc["name"]:
        doc.update(name=_check_name(svc, name), updated_at=now())
        svc.store.put("pipeline", doc)
    return doc


def delete(svc: Services, identity: str) -> dict[str, Any]:
    """Delete a pipeline and uncouple its apps (the apps stay)."""
    doc = find(svc, identity)
    with svc.store.tx():
        for coupling in couplings(svc, doc["id"]):
            svc.store.delete("pipeline-coupling", coupling["id"])
        svc.store.delete("pipeline", doc["id"])
    return doc


# -- couplings ------------------------------------------------------------------


def couplings(svc: Services, pipeline_id: str | None = None) -> list[dict[str, Any]]:
    found = svc.store.list("pipeline-coupling")
    return [c for c in found if pipeline_id is None or c["pipeline"]["id"] == pipeline_id]


def coupling_of_app(svc: Services, app_id: str) -> dict[str, Any] | None:
    return svc.store.find("pipeline-coupling", app_id)


def find_coupling(svc: Services, coupling_id: str) -> dict[str, Any]:
    doc = svc.store.get("pipeline-coupling", coupling_id)
    if doc is None:
        raise NotFound("pipeline-coupling")
    return doc


def _check_stage(stage: Any) -> str:
    if stage not in STAGES:
        raise Invalid(f"Stage must be one of {', '.join(STAGES)}.")
    return stage


def couple(svc: Services, app: dict[str, Any], pipeline_id: Any, stage: Any) -> dict[str, Any]:
    """Couple `app` to a pipeline at a stage; an app is in one pipeline at most, as on Heroku."""
    _check_stage(stage)
    if not isinstance(pipeline_id, str):
        raise Invalid("pipeline is required: the pipeline's id")
    pipeline = find(svc, pipeline_id)
    with svc.store.tx():
        if coupling_of_app(svc, app["id"]):
            raise Invalid(f"App {app['name']} is already a member of a pipeline.")
        stamp = now()
        doc = {
            "app": {"id": app["id"]},
            "created_at": stamp,
            "id": new_id(),
            "pipeline": {"id": pipeline["id"]},
            "stage": stage,
            "updated_at": stamp,
        }
        return svc.store.put("pipeline-coupling", doc, app["id"])


def restage(svc: Services, coupling_id: str, stage: Any) -> dict[str, Any]:
    doc = find_coupling(svc, coupling_id)
    if stage is not None and stage != doc["stage"]:
        doc.update(stage=_check_stage(stage), updated_at=now())
        svc.store.put("pipeline-coupling", doc, doc["app"]["id"])
    return doc


def uncouple(svc: Services, coupling_id: str) -> dict[str, Any]:
    doc = find_coupling(svc, coupling_id)
    svc.store.delete("pipeline-coupling", doc["id"])
    return doc


# -- promotions -----------------------------------------------------------------


def find_promotion(svc: Services, promotion_id: str) -> dict[str, Any]:
    doc = svc.store.get("pipeline-promotion", promotion_id)
    if doc is None:
        raise NotFound("pipeline-promotion")
    return doc


def targets(svc: Services, promotion_id: str) -> list[dict[str, Any]]:
    return [
        t
        for t in svc.store.list("pipeline-promotion-target")
        if t["pipeline_promotion"]["id"] == promotion_id
    ]


def _member(svc: Services, pipeline_id: str, app_identity: Any, role: str) -> dict[str, Any]:
    """The app behind `app_identity`, which must be coupled to the pipeline."""
    if not isinstance(app_identity, str) or not app_identity:
        raise Invalid(f"{role}.app.id is required")
    app = svc.find_app(app_identity)
    coupling = coupling_of_app(svc, app["id"])
    if coupling is None or coupling["pipeline"]["id"] != pipeline_id:
        raise Invalid(f"App {app['name']} is not a member of this pipeline.")
    return app


def _target_app_id(target: Any) -> Any:
    return (target.get("app") or {}).get("id") if isinstance(target, dict) else None


def promote(svc: Services, body: dict[str, Any]) -> dict[str, Any]:
    """Start a promotion: one release of the source slug on each target, in the background."""
    pipeline = find(svc, str((body.get("pipeline") or {}).get("id") or ""))
    source = body.get("source") or {}
    source_app = _member(svc, pipeline["id"], (source.get("app") or {}).get("id"), "source")
    wanted = (source.get("release") or {}).get("id")
    release = (
        releases.find_release(svc, source_app["id"], wanted)
        if wanted
        else releases.current(svc, source_app["id"])
    )
    if release is None or release["status"] != "succeeded" or not release["slug"]:
        raise Invalid(f"App {source_app['name']} has no released slug to promote.")
    wanted_targets = body.get("targets")
    if not isinstance(wanted_targets, list) or not wanted_targets:
        raise Invalid("targets is required: a list of {app: {id}}")
    target_apps = [
        _member(svc, pipeline["id"], _target_app_id(t), "targets[]") for t in wanted_targets
    ]
    if any(t["id"] == source_app["id"] for t in target_apps):
        raise Invalid("An app cannot be promoted to itself.")
    stamp = now()
    promotion = {
        "created_at": stamp,
        "id": new_id(),
        "pipeline": {"id": pipeline["id"]},
        "source": {"app": {"id": source_app["id"]}, "release": {"id": release["id"]}},
        "status": "pending",
        "updated_at": None,
    }
    svc.store.put("pipeline-promotion", promotion)
    slug = svc.store.get("slug", release["slug"]["id"])
    description = f"Promote {source_app['name']} v{release['version']}"
    if slug and slug.get("commit"):
        description += f" {slug['commit'][:8]}"
    for app in target_apps:
        target = {
            "app": {"id": app["id"]},
            "error_message": None,
            "id": new_id(),
            "pipeline_promotion": {"id": promotion["id"]},
            "release": None,
            "status": "pending",
        }
        new = releases.create(svc, app, description, slug_id=release["slug"]["id"])
        target["release"] = {"id": new["id"]}
        svc.store.put("pipeline-promotion-target", target, app["id"])
    svc.spawn(f"promotion-{promotion['id']}", _settle, svc, promotion["id"])
    return promotion


def _settle(svc: Services, promotion_id: str) -> None:
    """Follow each target's release to its end, then mark the promotion completed."""
    deadline = time.monotonic() + TARGET_TIMEOUT
    pending = targets(svc, promotion_id)
    while pending and not svc.stopping.is_set():
        still = []
        for target in pending:
            release = svc.store.get("release", target["release"]["id"])
            status = release["status"] if release else "failed"
            if status == "pending" and time.monotonic() < deadline:
                still.append(target)
                continue
            _finish_target(svc, target, release)
        pending = still
        if pending:
            time.sleep(0.2)
    promotion = find_promotion(svc, promotion_id)
    if not pending:
        promotion.update(status="completed", updated_at=now())
        svc.store.put("pipeline-promotion", promotion)


def _finish_target(svc: Services, target: dict[str, Any], release: dict[str, Any] | None) -> None:
    ok = bool(release) and release["status"] == "succeeded"
    target["status"] = "succeeded" if ok else "failed"
    if not ok:
        app = svc.store.get("app", target["app"]["id"]) or {"name": target["app"]["id"]}
        serving = releases.current(svc, target["app"]["id"])
        kept = f"v{serving['version']} keeps serving" if serving else "nothing was serving"
        version = f"v{release['version']}" if release else "the release"
        state = release["status"] if release else "missing"
        target["error_message"] = (
            f"Release {version} of {app['name']} {state} in its release phase; {kept}."
        )
    svc.store.put("pipeline-promotion-target", target, target["app"]["id"])
