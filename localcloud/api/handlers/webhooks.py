"""App webhooks, their events and deliveries."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlparse

from werkzeug.wrappers import Response

from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id, now
from localcloud.records import app_ref, public

ENTITIES = {
    "api:addon-attachment", "api:addon", "api:app", "api:build", "api:collaborator",
    "api:domain", "api:dyno", "api:formation", "api:release", "api:sni-endpoint",
}  # fmt: skip


def _validate(body: dict[str, Any], partial: bool) -> None:
    if not partial or "url" in body:
        parsed = urlparse(str(body.get("url") or ""))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise invalid("url must be an http(s) URL")
    if not partial or "include" in body:
        include = body.get("include")
        if not isinstance(include, list) or not include or not set(include) <= ENTITIES:
            raise invalid(f"include must list entities among {sorted(ENTITIES)}")
    if (not partial or "level" in body) and body.get("level") not in ("notify", "sync"):
        raise invalid("level must be notify or sync")


def _view(hook: dict[str, Any]) -> dict[str, Any]:
    return public(hook)


@routes.post("/apps/<app>/webhooks")
def create(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    body = ctx.body()
    _validate(body, partial=False)
    stamp = now()
    hook = {
        "app": app_ref(doc),
        "created_at": stamp,
        "id": new_id(),
        "include": body["include"],
        "level": body["level"],
        "updated_at": stamp,
        "url": body["url"],
        # Without a secret Heroku makes one and answers it once, in Heroku-Webhook-Secret.
        "_secret": body.get("secret") or secrets.token_hex(32),
        "_authorization": body.get("authorization"),
    }
    ctx.svc.store.put("webhook", hook, doc["id"])
    if body.get("secret"):
        return _view(hook), 201
    response = Response(json.dumps(_view(hook)), 201, content_type="application/json")
    response.headers["Heroku-Webhook-Secret"] = hook["_secret"]
    return response


@routes.get("/apps/<app>/webhooks")
def list_hooks(ctx: Ctx, app: str) -> Any:
    return [_view(h) for h in ctx.svc.store.list("webhook", ctx.svc.find_app(app)["id"])]


def _find(ctx: Ctx, app: dict[str, Any], ident: str) -> dict[str, Any]:
    hook = ctx.svc.store.get("webhook", ident)
    if hook is None or hook["app"]["id"] != app["id"]:
        raise not_found("webhook")
    return hook


@routes.get("/apps/<app>/webhooks/<hook>")
def info(ctx: Ctx, app: str, hook: str) -> Any:
    return _view(_find(ctx, ctx.svc.find_app(app), hook))


@routes.patch("/apps/<app>/webhooks/<hook>")
def update(ctx: Ctx, app: str, hook: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find(ctx, doc, hook)
    body = ctx.body()
    _validate(body, partial=True)
    for key in ("url", "include", "level"):
        if key in body:
            found[key] = body[key]
    if "secret" in body:
        found["_secret"] = body["secret"]
    if "authorization" in body:
        found["_authorization"] = body["authorization"]
    found["updated_at"] = now()
    ctx.svc.store.put("webhook", found, doc["id"])
    return _view(found)


@routes.delete("/apps/<app>/webhooks/<hook>")
def destroy(ctx: Ctx, app: str, hook: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find(ctx, doc, hook)
    ctx.svc.store.delete("webhook", found["id"])
    return _view(found)


@routes.get("/apps/<app>/webhook-events")
def events(ctx: Ctx, app: str) -> Any:
    return [public(e) for e in ctx.svc.store.list("webhook-event", ctx.svc.find_app(app)["id"])]


@routes.get("/apps/<app>/webhook-events/<event>")
def event_info(ctx: Ctx, app: str, event: str) -> Any:
    found = ctx.svc.store.get("webhook-event", event)
    if found is None or found["_app_id"] != ctx.svc.find_app(app)["id"]:
        raise not_found("webhook event")
    return public(found)


@routes.get("/apps/<app>/webhook-deliveries")
def deliveries(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    return [public(d) for d in ctx.svc.store.list("webhook-delivery", doc["id"])]


@routes.get("/apps/<app>/webhook-deliveries/<delivery>")
def delivery_info(ctx: Ctx, app: str, delivery: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = ctx.svc.store.get("webhook-delivery", delivery)
    if found is None or found not in ctx.svc.store.list("webhook-delivery", doc["id"]):
        raise not_found("webhook delivery")
    return public(found)
