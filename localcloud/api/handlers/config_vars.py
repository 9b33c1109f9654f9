"""Config vars: every change makes a new release, as on Heroku."""

from __future__ import annotations

import re
from typing import Any

from localcloud import releases
from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx

KEY_RE = re.compile(r"^\w+$")


@routes.get("/apps/<app>/config-vars")
def info(ctx: Ctx, app: str) -> Any:
    return releases.config_vars(ctx.svc, ctx.svc.find_app(app)["id"])


@routes.get("/apps/<app>/releases/<release>/config-vars")
def info_for_release(ctx: Ctx, app: str, release: str) -> Any:
    doc = releases.find_release(ctx.svc, ctx.svc.find_app(app)["id"], release)
    if doc is None:
        raise not_found("release")
    return doc["_config"]


def describe(changed: list[str], removed: list[str]) -> str:
    parts = []
    if changed:
        parts.append(f"Set {', '.join(changed)} config vars")
    if removed:
        parts.append(f"Remove {', '.join(removed)} config vars")
    return " and ".join(parts) or "Update config vars"


def apply(ctx: Ctx, app: dict[str, Any], body: dict[str, Any]) -> dict[str, str]:
    """Merge a PATCH body (null deletes); make a release when something changed."""
    for key, value in body.items():
        if not KEY_RE.match(key):
            raise invalid(f"Invalid config var name: {key}")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise invalid(f"Config var {key} must be a string or null")
    with ctx.svc.app_lock(app["id"]):
        values = releases.config_vars(ctx.svc, app["id"])
        changed, removed = [], []
        for key, value in body.items():
            if value is None:
                if key in values:
                    del values[key]
                    removed.append(key)
            else:
                text = str(value).lower() if isinstance(value, bool) else str(value)
                if values.get(key) != text:
                    values[key] = text
                    changed.append(key)
        if changed or removed:
            releases.save_config(ctx.svc, app["id"], values)
            releases.create(ctx.svc, app, describe(changed, removed), config=values)
    return values


@routes.patch("/apps/<app>/config-vars")
def update(ctx: Ctx, app: str) -> Any:
    return apply(ctx, ctx.svc.find_app(app), ctx.body())
