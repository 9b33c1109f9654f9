"""Apps: create (named or generated), info, list, update, delete, ACM."""

from __future__ import annotations

import random
import re
from typing import Any

from localcloud import addons as backing
from localcloud import releases
from localcloud.api.errors import ApiError, invalid
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id, now
from localcloud.ports import https_url, next_router_port
from localcloud.records import DEFAULT_STACK, REGIONS, STACKS, public, user_ref

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$")
ADJECTIVES = [
    "calm",
    "quiet",
    "rapid",
    "shining",
    "frozen",
    "misty",
    "ancient",
    "bold",
    "gentle",
    "lively",
]
NOUNS = [
    "river",
    "meadow",
    "harbor",
    "summit",
    "forest",
    "canyon",
    "island",
    "beacon",
    "falls",
    "ridge",
]


def generated_name(taken: set[str]) -> str:
    while True:
        name = f"{random.choice(ADJECTIVES)}-{random.choice(NOUNS)}-{random.randint(10000, 99999)}"
        if name not in taken:
            return name


def view(ctx: Ctx, app: dict[str, Any]) -> dict[str, Any]:
    return public(app)


def web_url(ctx: Ctx, app: dict[str, Any]) -> str:
    return f"https://127.0.0.1:{app['_router_https_port']}/"


def _router_port(ctx: Ctx) -> int:
    """The next router port from the base that nothing else holds (kept for the app's life)."""
    return next_router_port(ctx.svc)


@routes.post("/apps")
def create(ctx: Ctx) -> Any:
    body = ctx.body()
    store = ctx.svc.store
    taken = {a["name"] for a in store.list("app")}
    name = body.get("name") or generated_name(taken)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise invalid(
            "Name must start with a letter, end with a letter or digit and can only contain "
            "lowercase letters, digits, and dashes."
        )
    if name in taken:
        raise invalid("Name is already taken")
    region = REGIONS.get(body.get("region") or "us")
    stack = STACKS.get(body.get("stack") or DEFAULT_STACK)
    if region is None:
        raise invalid(f"Couldn't find that region: {body.get('region')}")
    if stack is None:
        raise invalid(f"Couldn't find that stack: {body.get('stack')}")
    port = _router_port(ctx)
    stamp = now()
    app = {
        "acm": False,
        "archived_at": None,
        "buildpack_provided_description": None,
        "build_stack": stack,
        "created_at": stamp,
        "generation": {"id": "9f2d3d3e-4c3b-4a5b-8f2e-0a1b2c3d4e5f", "name": "cedar"},
        "git_url": f"https://git.heroku.com/{name}.git",
        "id": new_id(),
        "internal_routing": None,
        "maintenance": False,
        "name": name,
        "owner": user_ref(store),
        "organization": None,
        "team": None,
        "region": region,
        "released_at": None,
        "repo_size": None,
        "slug_size": None,
        "space": None,
        "stack": stack,
        "updated_at": stamp,
        "_router_port": port,
        "_router_https_port": _router_port(ctx),
        "_features": [f for f in body.get("feature_flags") or []],
    }
    app["web_url"] = https_url(app)  # as on Heroku: https, the http port redirects to it
    store.put("app", app, app["id"])
    releases.create(ctx.svc, app, "Initial release", config={}, slug_id=None)
    ctx.svc.routers.ensure(name, port, app["_router_https_port"])
    return view(ctx, app), 201


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
    body = ctx.body()
    store = ctx.svc.store
    with ctx.svc.app_lock(ctx.svc.find_app(app)["id"]):
        doc = ctx.svc.find_app(app)
        old_name = doc["name"]
        if "maintenance" in body:
            if not isinstance(body["maintenance"], bool):
                raise invalid("maintenance must be a boolean")
            doc["maintenance"] = body["maintenance"]
        if "build_stack" in body:
            stack = STACKS.get(body["build_stack"])
            if stack is None:
                raise invalid(f"Couldn't find that stack: {body['build_stack']}")
            doc["build_stack"] = stack
        if body.get("name") and body["name"] != doc["name"]:
            new = body["name"]
            if not NAME_RE.match(new):
                raise invalid("Name is invalid")
            if store.find("app", name=new):
                raise invalid("Name is already taken")
            ctx.svc.dynos.stop_app(doc["name"])
            ctx.svc.routers.remove(doc["name"])
            doc["name"] = new
            doc["git_url"] = f"https://git.heroku.com/{new}.git"
            ctx.svc.routers.ensure(new, doc["_router_port"], doc.get("_router_https_port"))
        doc["updated_at"] = now()
        store.put("app", doc, doc["id"])
        ctx.svc.maintenance.discard(old_name)
        if doc["maintenance"]:
            ctx.svc.maintenance.add(doc["name"])
        if body.get("name"):
            releases.redeploy(ctx.svc, doc)
    return view(ctx, doc)


@routes.delete("/apps/<app>")
def destroy(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    with ctx.svc.app_lock(doc["id"]):
        ctx.svc.dynos.stop_app(doc["name"])
        ctx.svc.routers.remove(doc["name"])
        ctx.svc.logs.forget(doc["name"])
        ctx.svc.maintenance.discard(doc["name"])
        for addon in ctx.svc.store.list("addon", doc["id"]):
            backing.destroy_backing(addon)
        ctx.svc.store.delete("app", doc["id"])
        ctx.svc.store.delete_app(doc["id"])
    return view(ctx, doc)


def _acm(ctx: Ctx, app: str, enabled: bool | None) -> Any:
    doc = ctx.svc.find_app(app)
    if enabled is not None:
        doc["acm"] = enabled
        doc["updated_at"] = now()
        ctx.svc.store.put("app", doc, doc["id"])
        for domain in ctx.svc.store.list("domain", doc["id"]):
            domain["acm_status"] = "pending" if enabled and domain["kind"] == "custom" else None
            domain["acm_status_reason"] = None
            ctx.svc.store.put("domain", domain, doc["id"])
    elif not doc["acm"]:
        raise ApiError(422, "invalid_params", "ACM is not enabled for this app.")
    return view(ctx, doc)


@routes.post("/apps/<app>/acm")
def acm_enable(ctx: Ctx, app: str) -> Any:
    return _acm(ctx, app, True)


@routes.delete("/apps/<app>/acm")
def acm_disable(ctx: Ctx, app: str) -> Any:
    return _acm(ctx, app, False)


@routes.patch("/apps/<app>/acm")
def acm_refresh(ctx: Ctx, app: str) -> Any:
    return _acm(ctx, app, None)
