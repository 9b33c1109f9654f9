"""Releases: list, info, create from a slug, rollback."""

from __future__ import annotations

from typing import Any

from localcloud import releases
from localcloud.api.errors import ApiError, invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


@routes.get("/apps/<app>/releases", ranges=("version", "id", "created_at"))
def list_releases(ctx: Ctx, app: str) -> Any:
    return [public(r) for r in releases.releases(ctx.svc, ctx.svc.find_app(app)["id"])]


@routes.get("/apps/<app>/releases/<release>")
def info(ctx: Ctx, app: str, release: str) -> Any:
    doc = releases.find_release(ctx.svc, ctx.svc.find_app(app)["id"], release)
    if doc is None:
        raise not_found("release")
    return public(doc)


@routes.post("/apps/<app>/releases")
def create(ctx: Ctx, app: str) -> Any:
    """`{"slug": id}` releases a slug; `{"release": id}` rolls back to a release."""
    body = ctx.body()
    doc = ctx.svc.find_app(app)
    if body.get("release"):
        target = releases.find_release(ctx.svc, doc["id"], body["release"])
        if target is None:
            raise not_found("release")
        if target["status"] != "succeeded" or not target["slug"]:
            raise ApiError(
                422,
                "invalid_params",
                f"Cannot roll back to v{target['version']}: it has no slug or did not succeed.",
            )
        with ctx.svc.app_lock(doc["id"]):
            releases.save_config(ctx.svc, doc["id"], dict(target["_config"]))
            new = releases.create(
                ctx.svc, doc, f"Rollback to v{target['version']}",
                config=dict(target["_config"]), slug_id=target["slug"]["id"],
            )  # fmt: skip
        return public(new), 201
    slug_id = body.get("slug")
    if not slug_id:
        raise invalid("slug or release is required")
    slug = ctx.svc.store.get("slug", slug_id)
    if slug is None or slug["_app_id"] != doc["id"]:
        raise not_found("slug")
    from localcloud.slugs import ensure_unpacked

    ensure_unpacked(ctx.svc, slug)
    new = releases.create(
        ctx.svc, doc, body.get("description") or f"Deploy {(slug.get('commit') or slug_id)[:8]}",
        slug_id=slug_id,
    )  # fmt: skip
    return public(new), 201
