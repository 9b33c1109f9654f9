"""Apps: named or generated, their router ports, maintenance, stack, name and ACM.

The backend of apps: it validates, builds and stores every app record; the HTTP handlers
(localcloud.api.handlers.apps) parse and render."""

from __future__ import annotations

import random
import re
from typing import Any

from localcloud import addons as backing
from localcloud import domains, releases
from localcloud.errors import Invalid
from localcloud.ids import new_id, now
from localcloud.ports import https_url, next_router_port
from localcloud.records import DEFAULT_STACK, REGIONS, STACKS, user_ref

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


def create(svc: Any, body: dict[str, Any]) -> dict[str, Any]:
    store = svc.store
    taken = {a["name"] for a in store.list("app")}
    name = body.get("name") or generated_name(taken)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise Invalid(
            "Name must start with a letter, end with a letter or digit and can only contain "
            "lowercase letters, digits, and dashes."
        )
    if name in taken:
        raise Invalid("Name is already taken")
    region = REGIONS.get(body.get("region") or "us")
    stack = STACKS.get(body.get("stack") or DEFAULT_STACK)
    if region is None:
        raise Invalid(f"Couldn't find that region: {body.get('region')}")
    if stack is None:
        raise Invalid(f"Couldn't find that stack: {body.get('stack')}")
    port = next_router_port(svc)
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
        "_router_https_port": next_router_port(svc),
        "_features": [f for f in body.get("feature_flags") or []],
    }
    app["web_url"] = https_url(app)  # as on Heroku: https, the http port redirects to it
    store.put("app", app, app["id"])
    releases.create(svc, app, "Initial release", config={}, slug_id=None)
    svc.routers.ensure(name, port, app["_router_https_port"])
    return app


def update(svc: Any, ident: str, body: dict[str, Any]) -> dict[str, Any]:
    store = svc.store
    with svc.app_lock(svc.find_app(ident)["id"]):
        doc = svc.find_app(ident)
        old_name = doc["name"]
        if "maintenance" in body:
            if not isinstance(body["maintenance"], bool):
                raise Invalid("maintenance must be a boolean")
            doc["maintenance"] = body["maintenance"]
        if "build_stack" in body:
            stack = STACKS.get(body["build_stack"])
            if stack is None:
                raise Invalid(f"Couldn't find that stack: {body['build_stack']}")
            doc["build_stack"] = stack
        if body.get("name") and body["name"] != doc["name"]:
            new = body["name"]
            if not NAME_RE.match(new):
                raise Invalid("Name is invalid")
            if store.find("app", name=new):
                raise Invalid("Name is already taken")
            svc.dynos.stop_app(doc["name"])
            svc.routers.remove(doc["name"])
            doc["name"] = new
            doc["git_url"] = f"https://git.heroku.com/{new}.git"
            svc.routers.ensure(new, doc["_router_port"], doc.get("_router_https_port"))
        doc["updated_at"] = now()
        store.put("app", doc, doc["id"])
        svc.maintenance.discard(old_name)
        if doc["maintenance"]:
            svc.maintenance.add(doc["name"])
        if body.get("name"):
            releases.redeploy(svc, doc)
    return doc


def delete(svc: Any, ident: str) -> dict[str, Any]:
    """Stop everything the app runs, then forget it and all its records."""
    doc = svc.find_app(ident)
    with svc.app_lock(doc["id"]):
        svc.dynos.stop_app(doc["name"])
        svc.routers.remove(doc["name"])
        svc.logs.forget(doc["name"])
        svc.maintenance.discard(doc["name"])
        for addon in svc.store.list("addon", doc["id"]):
            backing.destroy_backing(addon)
        svc.store.delete("app", doc["id"])
        svc.store.delete_app(doc["id"])
    return doc


def set_acm(svc: Any, ident: str, enabled: bool | None) -> dict[str, Any]:
    """Turn ACM on or off (None: refresh, which needs it on)."""
    doc = svc.find_app(ident)
    if enabled is not None:
        doc["acm"] = enabled
        doc["updated_at"] = now()
        svc.store.put("app", doc, doc["id"])
        domains.reset_acm(svc.store, doc, enabled)
    elif not doc["acm"]:
        raise Invalid("ACM is not enabled for this app.")
    return doc
