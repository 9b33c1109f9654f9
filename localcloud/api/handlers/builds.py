"""Sources, builds (with a streamed log), slugs, the build cache, and the blob store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Response

from localcloud import builds, releases, slugs
from localcloud.api.errors import ApiError, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id
from localcloud.records import STACKS, public

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
    return public(builds.create(ctx.svc, doc, ctx.body(), ctx.base_url)), 201


def _build(ctx: Ctx, app: str, build: str) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = ctx.svc.find_app(app)
    return doc, builds.find(ctx.svc, doc, build)


@routes.get("/apps/<app>/builds", ranges=("id", "started_at", "created_at"))
def list_builds(ctx: Ctx, app: str) -> Any:
    return [public(b) for b in ctx.svc.store.list("build", ctx.svc.find_app(app)["id"])]


@routes.get("/apps/<app>/builds/<build>")
def build_info(ctx: Ctx, app: str, build: str) -> Any:
    return public(_build(ctx, app, build)[1])


@routes.delete("/apps/<app>/builds/<build>")
def cancel_build(ctx: Ctx, app: str, build: str) -> Any:
    """Cancel a pending build: it ends failed, and makes no slug or release."""
    return public(builds.cancel(ctx.svc, ctx.svc.find_app(app), build))


@routes.delete("/apps/<app>/build-cache")
def delete_cache(ctx: Ctx, app: str) -> Any:
    builds.purge_cache(ctx.svc, app)
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
    return public(slugs.create(ctx.svc, ctx.svc.find_app(app), ctx.body())), 201


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
