"""Formation (list, info, update, batch update) and dynos (list, info, restart, stop) over
HTTP; formation records live in localcloud.formation."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from localcloud import formation as formations
from localcloud import releases
from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import app_ref, public


@routes.get("/apps/<app>/formation", ranges=("id", "type"))
def list_formation(ctx: Ctx, app: str) -> Any:
    return [public(f) for f in ctx.svc.store.list("formation", ctx.svc.find_app(app)["id"])]


@routes.get("/apps/<app>/formation/<formation>")
def info(ctx: Ctx, app: str, formation: str) -> Any:
    return public(formations.find(ctx.svc.store, ctx.svc.find_app(app), formation))


def _apply(ctx: Ctx, app: dict[str, Any], updates: list[Any]) -> list[dict[str, Any]]:
    return [public(e) for e in formations.apply(ctx.svc, app, updates)]


@routes.patch("/apps/<app>/formation")
def batch_update(ctx: Ctx, app: str) -> Any:
    updates = ctx.body().get("updates")
    if not isinstance(updates, list):
        raise invalid("updates must be a list")
    return _apply(ctx, ctx.svc.find_app(app), updates)


@routes.patch("/apps/<app>/formation/<formation>")
def update(ctx: Ctx, app: str, formation: str) -> Any:
    return _apply(ctx, ctx.svc.find_app(app), [{**ctx.body(), "type": formation}])[0]


# -- dynos ------------------------------------------------------------------------


def _dyno_view(ctx: Ctx, app: dict[str, Any], dyno: Any) -> dict[str, Any]:
    rel = releases.find_release(ctx.svc, app["id"], dyno.release_version)
    return {
        "attach_url": getattr(dyno, "attach_url", None),
        "command": dyno.command,
        "created_at": dyno.created_at,
        "id": dyno.id,
        "name": dyno.name,
        "release": {"id": rel["id"] if rel else None, "version": dyno.release_version},
        "app": app_ref(app),
        "size": dyno.size,
        "state": dyno.state,
        "type": dyno.type,
        "updated_at": dyno.updated_at,
    }


def _all_dynos(ctx: Ctx, app: dict[str, Any]) -> list[Any]:
    return [*ctx.svc.dynos.dynos(app["name"]), *ctx.svc.oneoffs.list(app["name"])]


@routes.get("/apps/<app>/dynos", ranges=("id", "name"))
def list_dynos(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    return [_dyno_view(ctx, doc, d) for d in _all_dynos(ctx, doc)]


@routes.get("/apps/<app>/dynos/<dyno>")
def dyno_info(ctx: Ctx, app: str, dyno: str) -> Any:
    doc = ctx.svc.find_app(app)
    for d in _all_dynos(ctx, doc):
        if dyno in (d.id, d.name):
            return _dyno_view(ctx, doc, d)
    raise not_found("dyno")


@routes.post("/apps/<app>/dynos")
def create_dyno(ctx: Ctx, app: str) -> Any:
    """A one-off dyno: detached (output to the log) or attached (through its `attach_url`)."""
    doc = ctx.svc.find_app(app)
    body = ctx.body()
    return _dyno_view(ctx, doc, ctx.svc.oneoffs.start(ctx.svc, doc, body)), 201


@routes.post("/apps/<app>/dynos/<dyno>/actions/stop")
def stop_dyno(ctx: Ctx, app: str, dyno: str) -> Any:
    """A one-off dyno ends; a formation dyno is replaced by its formation (a restart)."""
    doc = ctx.svc.find_app(app)
    oneoff = ctx.svc.oneoffs.find(doc["name"], dyno)
    if oneoff is not None:
        ctx.svc.oneoffs.stop(doc["name"], oneoff)
        return Response(b"{}", 202, content_type="application/json")
    return restart_dyno(ctx, app, dyno)


@routes.post("/apps/<app>/formations/<ptype>/actions/stop")
def stop_formation(ctx: Ctx, app: str, ptype: str) -> Any:
    return restart_formation(ctx, app, ptype)


@routes.delete("/apps/<app>/dynos/<dyno>")
def restart_dyno(ctx: Ctx, app: str, dyno: str) -> Any:
    doc = ctx.svc.find_app(app)
    names = {d.id: d.name for d in ctx.svc.dynos.dynos(doc["name"])}
    name = names.get(dyno, dyno)
    if name not in names.values():
        raise not_found("dyno")
    ctx.svc.dynos.restart(doc["name"], name)
    return Response(b"{}", 202, content_type="application/json")


@routes.delete("/apps/<app>/dynos")
def restart_all(ctx: Ctx, app: str) -> Any:
    ctx.svc.dynos.restart(ctx.svc.find_app(app)["name"])
    return Response(b"{}", 202, content_type="application/json")


@routes.delete("/apps/<app>/formations/<ptype>")
def restart_formation(ctx: Ctx, app: str, ptype: str) -> Any:
    doc = ctx.svc.find_app(app)
    for d in ctx.svc.dynos.dynos(doc["name"]):
        if d.type == ptype:
            ctx.svc.dynos.restart(doc["name"], d.name)
    return Response(b"{}", 202, content_type="application/json")
