"""App features (preboot, runtime-dyno-metadata, ...) and buildpack installations."""

from __future__ import annotations

import uuid
from typing import Any

from localcloud import releases
from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx

STAMP = "2024-01-01T00:00:00Z"
FEATURES = {
    "preboot": "Provide seamless web dyno deploys: new dynos start before old ones stop.",
    "runtime-dyno-metadata": "Dynos get HEROKU_APP_ID, HEROKU_RELEASE_VERSION and friends.",
    "log-runtime-metrics": "Emit dyno memory and CPU metrics to the logs.",
    "runtime-heroku-metrics": "Collect language runtime metrics.",
    "http-session-affinity": "Route a client's requests to the same web dyno.",
    "spaces-dns-discovery": "DNS service discovery between dynos (Private Spaces).",
}
REDEPLOY_ON = {"preboot", "runtime-dyno-metadata"}


def _view(app: dict[str, Any], name: str) -> dict[str, Any]:
    enabled = name in (app.get("_features") or [])
    return {
        "created_at": STAMP,
        "description": FEATURES[name],
        "doc_url": f"https://devcenter.heroku.com/articles/{name}",
        "enabled": enabled,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:feature:{name}")),
        "name": name,
        "state": "general",
        "updated_at": app["updated_at"] if enabled else STAMP,
        "display_name": name.replace("-", " ").capitalize(),
        "feedback_email": "feedback@localcloud.invalid",
    }


def _name(ident: str) -> str:
    for name in FEATURES:
        if ident in (name, _view({"updated_at": STAMP}, name)["id"]):
            return name
    raise not_found("feature")


@routes.get("/apps/<app>/features", ranges=("id", "name"))
def list_features(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    return [_view(doc, name) for name in FEATURES]


@routes.get("/apps/<app>/features/<feature>")
def info(ctx: Ctx, app: str, feature: str) -> Any:
    return _view(ctx.svc.find_app(app), _name(feature))


@routes.patch("/apps/<app>/features/<feature>")
def update(ctx: Ctx, app: str, feature: str) -> Any:
    name = _name(feature)
    enabled = ctx.body().get("enabled")
    if not isinstance(enabled, bool):
        raise invalid("enabled must be true or false")
    doc = ctx.svc.find_app(app)
    with ctx.svc.app_lock(doc["id"]):
        doc = ctx.svc.find_app(app)
        current = set(doc.get("_features") or [])
        before = name in current
        (current.add if enabled else current.discard)(name)
        doc["_features"] = sorted(current)
        ctx.svc.store.put("app", doc, doc["id"])
    if before != enabled and name == "runtime-dyno-metadata":
        releases.redeploy(ctx.svc, doc)  # dynos get (or lose) the metadata variables
    return _view(doc, name)


# -- buildpack installations ------------------------------------------------------


def _buildpacks(app: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"ordinal": i, "buildpack": {"url": url, "name": url}}
        for i, url in enumerate(app.get("_buildpacks") or [])
    ]


@routes.get("/apps/<app>/buildpack-installations")
def list_buildpacks(ctx: Ctx, app: str) -> Any:
    return _buildpacks(ctx.svc.find_app(app))


@routes.put("/apps/<app>/buildpack-installations")
def set_buildpacks(ctx: Ctx, app: str) -> Any:
    updates = ctx.body().get("updates")
    if not isinstance(updates, list) or not all(
        isinstance(u, dict) and isinstance(u.get("buildpack"), str) for u in updates
    ):
        raise invalid('updates must be a list of {"buildpack": "<url or name>"}')
    doc = ctx.svc.find_app(app)
    doc["_buildpacks"] = [u["buildpack"] for u in updates]
    ctx.svc.store.put("app", doc, doc["id"])
    return _buildpacks(doc)
