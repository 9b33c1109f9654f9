"""App features (preboot, runtime-dyno-metadata, ...) and buildpack installations over HTTP;
the records live in localcloud.features and localcloud.builds."""

from __future__ import annotations

from typing import Any

from localcloud import builds, features
from localcloud.api.errors import invalid
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.features import FEATURES, STAMP


def _view(app: dict[str, Any], name: str) -> dict[str, Any]:
    enabled = name in (app.get("_features") or [])
    return {
        "created_at": STAMP,
        "description": FEATURES[name],
        "doc_url": f"https://devcenter.heroku.com/articles/{name}",
        "enabled": enabled,
        "id": features.feature_id(name),
        "name": name,
        "state": "general",
        "updated_at": app["updated_at"] if enabled else STAMP,
        "display_name": name.replace("-", " ").capitalize(),
        "feedback_email": "feedback@localcloud.invalid",
    }


@routes.get("/apps/<app>/features", ranges=("id", "name"))
def list_features(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    return [_view(doc, name) for name in FEATURES]


@routes.get("/apps/<app>/features/<feature>")
def info(ctx: Ctx, app: str, feature: str) -> Any:
    return _view(ctx.svc.find_app(app), features.name_of(feature))


@routes.patch("/apps/<app>/features/<feature>")
def update(ctx: Ctx, app: str, feature: str) -> Any:
    name = features.name_of(feature)
    enabled = ctx.body().get("enabled")
    if not isinstance(enabled, bool):
        raise invalid("enabled must be true or false")
    return _view(features.set_enabled(ctx.svc, app, name, enabled), name)


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
    doc = builds.set_buildpacks(ctx.svc, app, [u["buildpack"] for u in updates])
    return _buildpacks(doc)
