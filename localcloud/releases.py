"""Releases: create (config change, build, add-on, rollback), the release phase, and putting the
current release onto dynos."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localcloud import events
from localcloud.ids import new_id, now
from localcloud.records import app_ref, public, user_ref

if TYPE_CHECKING:
    from localcloud.services import Services

log = logging.getLogger("localcloud.releases")
_deploy_locks: dict[str, threading.Lock] = {}
_deploy_locks_guard = threading.Lock()


def config_vars(svc: Services, app_id: str) -> dict[str, str]:
    doc = svc.store.get("config", app_id)
    return dict(doc["vars"]) if doc else {}


def save_config(svc: Services, app_id: str, values: dict[str, str]) -> None:
    svc.store.put("config", {"id": app_id, "vars": values}, app_id)


def current(svc: Services, app_id: str) -> dict[str, Any] | None:
    return svc.store.find("release", app_id, current=True)


def releases(svc: Services, app_id: str) -> list[dict[str, Any]]:
    return sorted(svc.store.list("release", app_id), key=lambda r: r["version"])


def find_release(svc: Services, app_id: str, identity: str | int) -> dict[str, Any] | None:
    text = str(identity).lstrip("v")
    for rel in svc.store.list("release", app_id):
        if rel["id"] == str(identity) or (text.isdigit() and rel["version"] == int(text)):
            return rel
    return None


def release_log_path(svc: Services, release_id: str) -> Path:
    path = svc.settings.home / "logs" / "releases" / f"{release_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def create(
    svc: Services,
    app: dict[str, Any],
    description: str,
    config: dict[str, str] | None = None,
    slug_id: str | None = "current",
) -> dict[str, Any]:
    """A new release of `app`. `slug_id="current"` keeps the running slug (config changes)."""
    with svc.app_lock(app["id"]):
        previous = current(svc, app["id"])
        if slug_id == "current":
            slug_id = previous["slug"]["id"] if previous and previous["slug"] else None
        if config is None:
            config = config_vars(svc, app["id"])
        slug = svc.store.get("slug", slug_id) if slug_id else None
        stamp = now()
        version = svc.store.next_value(f"release-version:{app['id']}")
        addons = [a["plan"]["name"] for a in svc.store.list("addon", app["id"])]
        doc: dict[str, Any] = {
            "addon_plan_names": addons,
            "artifacts": [{"type": "slug", "id": slug["id"]}] if slug else [],
            "app": app_ref(app),
            "created_at": stamp,
            "description": description,
            "id": new_id(),
            "updated_at": stamp,
            "slug": {"id": slug["id"]} if slug else None,
            "status": "pending",
            "user": user_ref(svc.store),
            "version": version,
            "current": False,
            "output_stream_url": None,
            "eligible_for_rollback": True,
            "_config": config,
        }
        command = (slug or {}).get("process_types", {}).get("release")
        if command:
            doc["output_stream_url"] = f"{svc.settings.api_url}/streams/releases/{doc['id']}"
            release_log_path(svc, doc["id"]).touch()
        svc.store.put("release", doc, app["id"])
        events.release(svc, app, doc, "create")
        if command:
            svc.spawn(f"release-{doc['id']}", _release_phase, svc, app, doc, command)
        else:
            _finish(svc, app, doc, True)
        return doc


def _release_phase(svc: Services, app: dict[str, Any], doc: dict[str, Any], command: str) -> None:
    from localcloud.runtime.release_phase import run_release_phase

    path = release_log_path(svc, doc["id"])
    with path.open("a", buffering=1) as out:

        def emit(line: str) -> None:
            out.write(line.rstrip("\n") + "\n")
            svc.logs.emit(app["name"], "app", "release", line.rstrip("\n"))

        slug = svc.store.get("slug", doc["slug"]["id"])
        emit(f"Running release command: {command}")
        if svc.faults.take_event("release_fail", app["name"]):
            emit("Release command failed (fault injected by localcloud)")
            ok = False
        else:
            env = dyno_env(svc, app, doc)
            try:
                ok = run_release_phase(Path(slug["_dir"]), command, env, emit)
            except Exception as exc:  # a broken slug is a failed release, not a crash
                emit(f"Release command could not run: {exc}")
                ok = False
        emit("Release succeeded" if ok else "Release failed: the previous release keeps serving")
    _finish(svc, app, doc, ok)


def _finish(svc: Services, app: dict[str, Any], doc: dict[str, Any], ok: bool) -> None:
    with svc.app_lock(app["id"]):
        stamp = now()
        doc = svc.store.get("release", doc["id"]) or doc
        doc["status"] = "succeeded" if ok else "failed"
        doc["updated_at"] = stamp
        # Release phases run side by side (a promotion makes a Detach and an Attach release at
        # once): one finishing after a newer release already serves must not replace it.
        superseded = any(o["current"] and o["version"] > doc["version"]
                         for o in svc.store.list("release", app["id"]))  # fmt: skip
        ok_to_serve = ok and not superseded
        if ok_to_serve:
            for other in svc.store.list("release", app["id"]):
                if other["current"] and other["id"] != doc["id"]:
                    other["current"] = False
                    svc.store.put("release", other, app["id"])
            doc["current"] = True
            fresh = svc.store.get("app", app["id"])
            if fresh:
                fresh["released_at"] = stamp
                fresh["updated_at"] = stamp
                slug = svc.store.get("slug", doc["slug"]["id"]) if doc["slug"] else None
                if slug:
                    fresh["slug_size"] = slug["size"]
                    fresh["buildpack_provided_description"] = slug["buildpack_provided_description"]
                    ensure_formation(svc, fresh, slug)
                svc.store.put("app", fresh, app["id"])
        svc.store.put("release", doc, app["id"])
    svc.logs.emit(
        app["name"],
        "heroku",
        "api",
        f"Release v{doc['version']} {doc['status']}: {doc['description']}",
    )
    events.release(svc, app, doc, "update")
    if ok_to_serve:
        redeploy(svc, app)


def ensure_formation(svc: Services, app: dict[str, Any], slug: dict[str, Any]) -> None:
    """One formation entry per process type; `web` starts at 1 like Heroku's first deploy."""
    existing = {f["type"]: f for f in svc.store.list("formation", app["id"])}
    stamp = now()
    for ptype, command in slug["process_types"].items():
        if ptype == "release":
            continue
        entry = existing.get(ptype)
        if entry is None:
            entry = {
                "app": app_ref(app),
                "command": command,
                "created_at": stamp,
                "id": new_id(),
                "quantity": 1 if ptype == "web" else 0,
                "size": "Basic",
                "type": ptype,
                "updated_at": stamp,
                "dyno_size": dyno_size("Basic"),
            }
        elif entry["command"] != command:
            entry["command"] = command
            entry["updated_at"] = stamp
        else:
            continue
        svc.store.put("formation", entry, app["id"])


def dyno_size(name: str) -> dict[str, str]:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:dyno-size:{name}")), "name": name}


def features(svc: Services, app: dict[str, Any]) -> set[str]:
    fresh = svc.store.get("app", app["id"]) or app
    return set(fresh.get("_features") or [])


def dyno_env(svc: Services, app: dict[str, Any], release: dict[str, Any]) -> dict[str, str]:
    """Config vars of the release plus the runtime-dyno-metadata variables when enabled."""
    env = dict(release["_config"])
    if "runtime-dyno-metadata" in features(svc, app):
        slug = svc.store.get("slug", release["slug"]["id"]) if release["slug"] else None
        env.update(
            {
                "HEROKU_APP_ID": app["id"],
                "HEROKU_APP_NAME": app["name"],
                "HEROKU_RELEASE_VERSION": f"v{release['version']}",
                "HEROKU_RELEASE_CREATED_AT": release["created_at"],
                "HEROKU_SLUG_COMMIT": (slug or {}).get("commit") or "",
                "HEROKU_SLUG_DESCRIPTION": (slug or {}).get("commit_description") or "",
            }
        )
    return env


def _deploy_lock(app_id: str) -> threading.Lock:
    with _deploy_locks_guard:
        return _deploy_locks.setdefault(app_id, threading.Lock())


def redeploy(svc: Services, app: dict[str, Any], wait: bool = False) -> None:
    """Put the app's current release and formation onto dynos (in the background)."""
    thread = svc.spawn(f"deploy-{app['name']}", _deploy, svc, app["id"])
    if wait:
        thread.join()


def _deploy(svc: Services, app_id: str) -> None:
    from localcloud.runtime.dynos import ProcessSpec, ReleaseSpec

    with _deploy_lock(app_id):
        app = svc.store.get("app", app_id)
        rel = current(svc, app_id) if app else None
        if not app or not rel or not rel["slug"]:
            return
        slug = svc.store.get("slug", rel["slug"]["id"])
        if not slug:
            return
        processes = [
            ProcessSpec(
                type=f["type"],
                command=slug["process_types"].get(f["type"], f["command"]),
                quantity=int(f["quantity"]),
                size=f["size"],
            )
            for f in svc.store.list("formation", app_id)
            if f["type"] != "release"
        ]
        spec = ReleaseSpec(
            app_name=app["name"],
            app_id=app_id,
            version=rel["version"],
            slug_dir=Path(slug["_dir"]),
            env=dyno_env(svc, app, rel),
            processes=processes,
            preboot="preboot" in features(svc, app),
        )
        svc.routers.ensure(app["name"], app["_router_port"], app.get("_router_https_port"))
        svc.dynos.deploy(spec)


def public_release(doc: dict[str, Any]) -> dict[str, Any]:
    return public(doc)
