"""Sources, builds (with a streamed log), slugs, the build cache, and the blob store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

from localcloud import builds, events, releases, slugs
from localcloud.api.errors import ApiError, invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id, now
from localcloud.records import STACKS, public, user_ref

BLOB_TTL = "3600"


# -- sources and the blob store ---------------------------------------------


def _source(ctx: Ctx) -> dict[str, Any]:
    key = ctx.svc.blobs.new_key("source")
    url = ctx.svc.blobs.url(key)
    return {"source_blob": {"get_url": url, "put_url": url}}


@routes.post("/sources")
def create_source(ctx: Ctx) -> Any:
    return _source(ctx), 201


@routes.post("/apps/<app>/sources")
def create_app_source(ctx: Ctx, app: str) -> Any:
    ctx.svc.find_app(app)
    return _source(ctx), 201


@routes.put("/blobs/<key>", kind="open")
def put_blob(ctx: Ctx, key: str) -> Any:
    try:
        size = ctx.svc.blobs.write_stream(key, ctx.req.stream)
    except ValueError as exc:
        raise ApiError(400, "bad_request", "Invalid blob key") from exc
    resp = Response(b"", 200)
    resp.headers["ETag"] = f'"{ctx.svc.blobs.sha256(key)[:32]}"'
    resp.headers["X-Blob-Size"] = str(size)
    return resp


@routes.get("/blobs/<key>", kind="open")
def get_blob(ctx: Ctx, key: str) -> Any:
    blobs = ctx.svc.blobs
    if key.startswith("slug-") and not blobs.exists(key):
        slug = ctx.svc.store.get("slug", key.removeprefix("slug-"))
        if slug and slug.get("_dir") and Path(slug["_dir"]).is_dir():
            blobs.path(key).write_bytes(slugs.tarball(Path(slug["_dir"])))
    try:
        path = blobs.path(key)
    except ValueError as exc:
        raise ApiError(400, "bad_request", "Invalid blob key") from exc
    if not path.is_file():
        return Response(
            b"<Error><Code>NoSuchKey</Code></Error>", 404, content_type="application/xml"
        )
    data = path.read_bytes()
    return Response(data, 200, content_type="application/octet-stream")


# -- builds -------------------------------------------------------------------


@routes.post("/apps/<app>/builds")
def create_build(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    body = ctx.body()
    blob = body.get("source_blob") or {}
    if not isinstance(blob, dict) or not blob.get("url"):
        raise invalid("source_blob.url is required")
    checksum = blob.get("checksum")
    if checksum and not str(checksum).lower().startswith("sha256:"):
        raise invalid("source_blob.checksum must look like SHA256:<hex>")
    key = ctx.svc.blobs.key_from_url(blob["url"])
    if key is not None and not ctx.svc.blobs.exists(key):
        raise invalid("source_blob.url points at a source that was never uploaded")
    stamp = now()
    buildpacks = [
        {"url": b.get("url"), "name": b.get("name") or b.get("url")}
        for b in body.get("buildpacks") or []
        if isinstance(b, dict)
    ]
    if not buildpacks:  # the app's buildpack installations, as Heroku does
        buildpacks = [{"url": url, "name": url} for url in doc.get("_buildpacks") or []]
    build = {
        "app": {"id": doc["id"]},
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
        "stack": doc["build_stack"]["name"] if doc["build_stack"] else "heroku-24",
        "status": "pending",
        "updated_at": stamp,
        "user": user_ref(ctx.svc.store),
    }
    build["output_stream_url"] = f"{ctx.base_url}/streams/builds/{build['id']}"
    builds.build_log_path(ctx.svc, build["id"]).touch()
    ctx.svc.store.put("build", build, doc["id"])
    events.publish(ctx.svc, doc, "build", "create", public(build))
    ctx.svc.spawn(f"build-{build['id']}", builds.run, ctx.svc, doc, build)
    return public(build), 201


def _build(ctx: Ctx, app: str, build: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = ctx.svc.find_app(app)
    found = ctx.svc.store.get("build", build)
    if found is None or found["app"]["id"] != doc["id"]:
        raise not_found("build")
    return doc, found


@routes.get("/apps/<app>/builds", ranges=("id", "started_at", "created_at"))
def list_builds(ctx: Ctx, app: str) -> Any:
    return [public(b) for b in ctx.svc.store.list("build", ctx.svc.find_app(app)["id"])]


@routes.get("/apps/<app>/builds/<build>")
def build_info(ctx: Ctx, app: str, build: str) -> Any:
    return public(_build(ctx, app, build)[1])


@routes.delete("/apps/<app>/builds/<build>")
def cancel_build(ctx: Ctx, app: str, build: str) -> Any:
    """Cancel a pending build: it ends failed, and makes no slug or release."""
    doc, found = _build(ctx, app, build)
    if found["status"] != "pending":
        raise ApiError(422, "invalid_params", "Only a pending build can be canceled.")
    found["_cancel_requested"] = True
    ctx.svc.store.put("build", found, doc["id"])
    return public(found)


@routes.delete("/apps/<app>/build-cache")
def delete_cache(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    doc["_purge_cache"] = True  # the next build of this app installs from scratch
    ctx.svc.store.put("app", doc, doc["id"])
    return Response(b"", 202)


def _follow(path: Path, done: Any, timeout: float = 1800) -> Iterator[bytes]:
    """Stream a log file until `done()` says the producer finished and all is sent."""
    deadline = time.monotonic() + timeout
    with path.open("rb") as fh:
        while time.monotonic() < deadline:
            chunk = fh.read(65536)
            if chunk:
                yield chunk
                continue
            if done():
                rest = fh.read()
                if rest:
                    yield rest
                return
            time.sleep(0.2)


@routes.get("/streams/builds/<build_id>", kind="open")
def stream_build(ctx: Ctx, build_id: str) -> Any:
    store = ctx.svc.store
    if store.get("build", build_id) is None:
        raise not_found("build")
    path = builds.build_log_path(ctx.svc, build_id)

    def done() -> bool:
        return store.get("build", build_id)["status"] != "pending"

    return Response(_follow(path, done), 200, content_type="text/plain; charset=utf-8",
                    direct_passthrough=True)  # fmt: skip


@routes.get("/streams/releases/<release_id>", kind="open")
def stream_release(ctx: Ctx, release_id: str) -> Any:
    store = ctx.svc.store
    if store.get("release", release_id) is None:
        raise not_found("release")
    path = releases.release_log_path(ctx.svc, release_id)

    def done() -> bool:
        return store.get("release", release_id)["status"] != "pending"

    return Response(_follow(path, done), 200, content_type="text/plain; charset=utf-8",
                    direct_passthrough=True)  # fmt: skip


# -- slugs --------------------------------------------------------------------


@routes.post("/apps/<app>/slugs")
def create_slug(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    body = ctx.body()
    types = body.get("process_types")
    if not isinstance(types, dict) or not all(isinstance(v, str) for v in types.values()):
        raise invalid("process_types is required: a map of process type to command")
    stack = STACKS.get(body.get("stack") or doc["build_stack"]["name"])
    if stack is None:
        raise invalid("unknown stack")
    stamp = now()
    slug_id = new_id()
    key = ctx.svc.blobs.new_key("slugupload")
    slug = {
        "blob": {"method": "put", "url": ctx.svc.blobs.url(key)},
        "buildpack_provided_description": body.get("buildpack_provided_description"),
        "checksum": body.get("checksum"),
        "commit": body.get("commit"),
        "commit_description": body.get("commit_description"),
        "created_at": stamp,
        "id": slug_id,
        "process_types": types,
        "size": None,
        "stack": stack,
        "updated_at": stamp,
        "_app_id": doc["id"],
        "_upload_key": key,
    }
    ctx.svc.store.put("slug", slug, doc["id"])
    return public(slug), 201


@routes.get("/apps/<app>/slugs/<slug>")
def slug_info(ctx: Ctx, app: str, slug: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = ctx.svc.store.get("slug", slug)
    if found is None or not slugs.visible_to(ctx.svc, found, doc["id"]):
        raise not_found("slug")
    view = public(found)
    if isinstance(view["stack"], str):
        view["stack"] = STACKS.get(view["stack"], {"id": new_id(), "name": view["stack"]})
    if view["blob"]["method"] == "put" and found.get("_dir"):
        view["blob"] = {"method": "get", "url": ctx.svc.blobs.url(found["_upload_key"])}
    return view
