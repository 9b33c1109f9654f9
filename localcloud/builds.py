"""Builds: fetch the source blob, build a slug through the runtime, then release it."""

from __future__ import annotations

import logging
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localcloud import events, releases, slugs
from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import STACKS, public, user_ref

if TYPE_CHECKING:
    from localcloud.services import Services

log = logging.getLogger("localcloud.builds")


def build_log_path(svc: Services, build_id: str) -> Path:
    path = svc.settings.home / "logs" / "builds" / f"{build_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _fetch_source(svc: Services, url: str, work: Path) -> Path:
    """The tarball on disk: straight from the blob store when it is ours, else downloaded."""
    key = svc.blobs.key_from_url(url)
    if key is not None:
        return svc.blobs.path(key)
    target = work / "source.tgz"
    with urllib.request.urlopen(url, timeout=300) as resp, target.open("wb") as out:
        shutil.copyfileobj(resp, out)
    return target


def _cache_dir(svc: Services, app: dict[str, Any], scratch: Path) -> Path:
    """The build cache: content-addressed (interpreter + requirements hash), so apps share it;
    after `DELETE /apps/{app}/build-cache` the app's next build starts from an empty one."""
    fresh = svc.store.get("app", app["id"]) or app
    if fresh.pop("_purge_cache", False):
        svc.store.put("app", fresh, app["id"])
        return scratch / "cache"
    return svc.settings.home / "cache"


def run(svc: Services, app: dict[str, Any], build: dict[str, Any]) -> None:
    """The whole build in the background: log to the stream, then slug and release."""
    from localcloud.runtime.builder import BuildFailed, build_slug

    path = build_log_path(svc, build["id"])
    slug_id = new_id()
    with path.open("a", buffering=1) as out, tempfile.TemporaryDirectory() as tmp:

        def emit(line: str) -> None:
            out.write(line.rstrip("\n") + "\n")

        ok = False
        result = None
        try:
            if svc.faults.take_event("build_fail", app["name"]):
                # Fails early, like a buildpack that refuses the app
                raise BuildFailed("Build failed (fault injected by localcloud)")
            blob = build["source_blob"]
            tarball = _fetch_source(svc, blob["url"], Path(tmp))
            config = releases.config_vars(svc, app["id"])
            result = build_slug(
                tarball,
                blob.get("checksum"),
                config,
                _cache_dir(svc, app, Path(tmp)),
                svc.settings.home / "slugs",
                slug_id,
                emit,
            )
            ok = True
        except BuildFailed as exc:
            emit(f" !     {exc}")
        except Exception as exc:  # a build must end, whatever broke
            log.exception("build %s crashed", build["id"])
            emit(f" !     Build failed: internal error: {exc}")
        stamp = now()
        build = svc.store.get("build", build["id"]) or build
        if build.get("_cancel_requested"):
            emit(" !     Build canceled")
            ok = False
        if ok and result is not None:
            slug = {
                "blob": {"method": "get", "url": svc.blobs.url(f"slug-{slug_id}")},
                "buildpack_provided_description": result.buildpack_description,
                "checksum": slugs.tree_checksum(result.slug_dir),
                "commit": build["source_blob"].get("version"),
                "commit_description": build["source_blob"].get("version_description"),
                "created_at": stamp,
                "id": slug_id,
                "process_types": result.process_types,
                "size": result.size,
                "stack": STACKS.get(build["stack"], STACKS["heroku-24"]),
                "updated_at": stamp,
                "_dir": str(result.slug_dir),
                "_app_id": app["id"],
                "_python_version": result.python_version,
            }
            svc.store.put("slug", slug, app["id"])
            emit("-----> Launching...")
            description = "Deploy " + (slug["commit"] or slug_id)[:8]
            release = releases.create(svc, app, description, slug_id=slug_id)
            emit(f"       Released v{release['version']}")
            emit(f"       {svc.store.get('app', app['id'])['web_url']} deployed to localcloud")
            build["slug"] = {"id": slug_id}
            build["release"] = {"id": release["id"]}
            build["buildpacks"] = build["buildpacks"] or [
                {"url": "heroku/python", "name": "heroku/python"}
            ]
        build["status"] = "succeeded" if ok else "failed"
        build["updated_at"] = stamp
        svc.store.put("build", build, app["id"])
        events.publish(svc, app, "build", "update", public(build))
        svc.logs.emit(app["name"], "heroku", "api", f"Build {build['id']} {build['status']}")


def create(
    svc: Services, app: dict[str, Any], body: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """A pending build of the source blob, run in the background; `base_url` is where the
    API serves its output stream."""
    blob = body.get("source_blob") or {}
    if not isinstance(blob, dict) or not blob.get("url"):
        raise Invalid("source_blob.url is required")
    checksum = blob.get("checksum")
    if checksum and not str(checksum).lower().startswith("sha256:"):
        raise Invalid("source_blob.checksum must look like SHA256:<hex>")
    key = svc.blobs.key_from_url(blob["url"])
    if key is not None and not svc.blobs.exists(key):
        raise Invalid("source_blob.url points at a source that was never uploaded")
    stamp = now()
    buildpacks = [
        {"url": b.get("url"), "name": b.get("name") or b.get("url")}
        for b in body.get("buildpacks") or []
        if isinstance(b, dict)
    ]
    if not buildpacks:  # the app's buildpack installations, as Heroku does
        buildpacks = [{"url": url, "name": url} for url in app.get("_buildpacks") or []]
    build = {
        "app": {"id": app["id"]},
        "buildpacks": buildpacks or None,
        "created_at": stamp,
        "id": new_id(),
        "output_stream_url": "",
        "source_blob": {
            "checksum": checksum,
            "url": blob["url"],
            "version": blob.get("version"),
            "version_description": blob.get("version_description"),
        },
        "release": None,
        "slug": None,
        "stack": app["build_stack"]["name"] if app["build_stack"] else "heroku-24",
        "status": "pending",
        "updated_at": stamp,
        "user": user_ref(svc.store),
    }
    build["output_stream_url"] = f"{base_url}/streams/builds/{build['id']}"
    build_log_path(svc, build["id"]).touch()
    svc.store.put("build", build, app["id"])
    events.publish(svc, app, "build", "create", public(build))
    svc.spawn(f"build-{build['id']}", run, svc, app, build)
    return build


def find(svc: Services, app: dict[str, Any], ident: str) -> dict[str, Any]:
    found = svc.store.get("build", ident)
    if found is None or found["app"]["id"] != app["id"]:
        raise NotFound("build")
    return found


def cancel(svc: Services, app: dict[str, Any], ident: str) -> dict[str, Any]:
    """Cancel a pending build: it ends failed, and makes no slug or release."""
    found = find(svc, app, ident)
    if found["status"] != "pending":
        raise Invalid("Only a pending build can be canceled.")
    found["_cancel_requested"] = True
    svc.store.put("build", found, app["id"])
    return found


def purge_cache(svc: Services, ident: str) -> None:
    """The app's next build installs from scratch."""
    doc = svc.find_app(ident)
    doc["_purge_cache"] = True
    svc.store.put("app", doc, doc["id"])


def set_buildpacks(svc: Services, ident: str, urls: list[str]) -> dict[str, Any]:
    """The app's buildpack installations, used by builds that name none."""
    doc = svc.find_app(ident)
    doc["_buildpacks"] = urls
    svc.store.put("app", doc, doc["id"])
    return doc
