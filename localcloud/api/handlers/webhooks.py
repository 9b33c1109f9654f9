"""App webhooks, their events and deliveries over HTTP; the records live in
localcloud.webhooks (subscriptions) and localcloud.events (events, deliveries)."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from localcloud import webhooks
from localcloud.api.errors import not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


def _view(hook: dict[str, Any]) -> dict[str, Any]:
    return public(hook)


@routes.post("/apps/<app>/webhooks")
def create(ctx: Ctx, app: str) -> Any:
    body = ctx.body()
    hook = webhooks.create(ctx.svc.store, ctx.svc.find_app(app), body)
    if body.get("secret"):
        return _view(hook), 201
    response = Response(json.dumps(_view(hook)), 201, content_type="application/json")
    response.headers["Heroku-Webhook-Secret"] = hook["_secret"]
    return response


@routes.get("/apps/<app>/webhooks")
def list_hooks(ctx: Ctx, app: str) -> Any:
    return [_view(h) for h in ctx.svc.store.list("webhook", ctx.svc.find_app(app)["id"])]


@routes.get("/apps/<app>/webhooks/<hook>")
def info(ctx: Ctx, app: str, hook: str) -> Any:
    return _view(webhooks.find(ctx.svc.store, ctx.svc.find_app(app), hook))


@routes.patch("/apps/<app>/webhooks/<hook>")
def update(ctx: Ctx, app: str, hook: str) -> Any:
    return _view(webhooks.update(ctx.svc.store, ctx.svc.find_app(app), hook, ctx.body()))


@routes.delete("/apps/<app>/webhooks/<hook>")
def destroy(ctx: Ctx, app: str, hook: str) -> Any:
    return _view(webhooks.delete(ctx.svc.store, ctx.svc.find_app(app), hook))


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
