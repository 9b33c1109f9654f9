"""Log drains and log sessions over HTTP; the records live in localcloud.drains."""

from __future__ import annotations

from typing import Any

from localcloud import drains
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id, now
from localcloud.records import public


@routes.get("/apps/<app>/log-drains")
def list_drains(ctx: Ctx, app: str) -> Any:
    return [public(d) for d in ctx.svc.store.list("log-drain", ctx.svc.find_app(app)["id"])]


@routes.post("/apps/<app>/log-drains")
def create(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    return public(drains.create(ctx.svc, doc, ctx.body().get("url"))), 201


@routes.get("/apps/<app>/log-drains/<path:drain>")
def info(ctx: Ctx, app: str, drain: str) -> Any:
    return public(drains.find(ctx.svc.store, ctx.svc.find_app(app), drain))


@routes.delete("/apps/<app>/log-drains/<path:drain>")
def destroy(ctx: Ctx, app: str, drain: str) -> Any:
    return public(drains.delete(ctx.svc, ctx.svc.find_app(app), drain))


@routes.post("/apps/<app>/log-sessions")
def log_session(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    body = ctx.body()
    lines = int(body.get("lines", 100))
    tail = "&tail=true" if body.get("tail") else ""
    stamp = now()
    return {
        "created_at": stamp,
        "id": new_id(),
        "logplex_url": f"{ctx.base_url}/__localcloud/logs/{doc['name']}?lines={lines}{tail}",
        "updated_at": stamp,
    }, 201
