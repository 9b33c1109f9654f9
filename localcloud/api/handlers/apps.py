"""Apps over HTTP: create (named or generated), info, list, update, delete, ACM; the records
live in localcloud.apps."""

from __future__ import annotations

from typing import Any

from localcloud import apps
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


def view(ctx: Ctx, app: dict[str, Any]) -> dict[str, Any]:
    return public(app)


@routes.post("/apps")
def create(ctx: Ctx) -> Any:
    return view(ctx, apps.create(ctx.svc, ctx.body())), 201


@routes.get("/apps", ranges=("id", "name", "updated_at"))
def list_apps(ctx: Ctx) -> Any:
    return [view(ctx, a) for a in ctx.svc.store.list("app")]


@routes.get("/users/<user>/apps", ranges=("id", "name", "updated_at"))
def list_user_apps(ctx: Ctx, user: str) -> Any:
    return list_apps(ctx)


@routes.get("/apps/<app>")
def info(ctx: Ctx, app: str) -> Any:
    return view(ctx, ctx.svc.find_app(app))


@routes.patch("/apps/<app>")
def update(ctx: Ctx, app: str) -> Any:
    return view(ctx, apps.update(ctx.svc, app, ctx.body()))


@routes.delete("/apps/<app>")
def destroy(ctx: Ctx, app: str) -> Any:
    return view(ctx, apps.delete(ctx.svc, app))


@routes.post("/apps/<app>/acm")
def acm_enable(ctx: Ctx, app: str) -> Any:
    return view(ctx, apps.set_acm(ctx.svc, app, True))


@routes.delete("/apps/<app>/acm")
def acm_disable(ctx: Ctx, app: str) -> Any:
    return view(ctx, apps.set_acm(ctx.svc, app, False))


@routes.patch("/apps/<app>/acm")
def acm_refresh(ctx: Ctx, app: str) -> Any:
    return view(ctx, apps.set_acm(ctx.svc, app, None))
