"""Log drains: the app's log lines are POSTed (logplex framing) to each drain URL."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlparse

from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id, now
from localcloud.records import app_ref, public


def sync_drains(ctx: Ctx, app: dict[str, Any]) -> None:
    urls = [d["url"] for d in ctx.svc.store.list("log-drain", app["id"])]
    ctx.svc.logs.set_drains(app["name"], urls)


@routes.get("/apps/<app>/log-drains")
def list_drains(ctx: Ctx, app: str) -> Any:
    return [public(d) for d in ctx.svc.store.list("log-drain", ctx.svc.find_app(app)["id"])]


@routes.post("/apps/<app>/log-drains")
def create(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    url = ctx.body().get("url")
    parsed = urlparse(str(url or ""))
    if parsed.scheme not in ("http", "https", "syslog", "syslog+tls") or not parsed.netloc:
        raise invalid("url must be an http(s) or syslog URL")
    if ctx.svc.store.find("log-drain", doc["id"], url=url):
        raise invalid("Url has already been taken")
    stamp = now()
    drain = {
        "addon": None,
        "app": app_ref(doc),
        "created_at": stamp,
        "id": new_id(),
        "token": "d." + secrets.token_hex(16),
        "updated_at": stamp,
        "url": url,
    }
    ctx.svc.store.put("log-drain", drain, doc["id"])
    sync_drains(ctx, doc)
    return public(drain), 201


def _find(ctx: Ctx, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for drain in ctx.svc.store.list("log-drain", app["id"]):
        if ident in (drain["id"], drain["url"], drain["token"]):
            return drain
    raise not_found("log-drain")


@routes.get("/apps/<app>/log-drains/<path:drain>")
def info(ctx: Ctx, app: str, drain: str) -> Any:
    return public(_find(ctx, ctx.svc.find_app(app), drain))


@routes.delete("/apps/<app>/log-drains/<path:drain>")
def destroy(ctx: Ctx, app: str, drain: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find(ctx, doc, drain)
    ctx.svc.store.delete("log-drain", found["id"])
    sync_drains(ctx, doc)
    return public(found)


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
