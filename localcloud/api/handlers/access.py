"""Collaborators, account SSH keys, account features and SNI endpoints (backends:
localcloud.access and localcloud.sni)."""

from __future__ import annotations

from typing import Any

from localcloud import access, sni
from localcloud.api.routing import routes
from localcloud.api.server import Ctx


@routes.get("/apps/<app>/collaborators")
def list_collaborators(ctx: Ctx, app: str) -> Any:
    return access.collaborators(ctx.svc.store, ctx.svc.find_app(app))


@routes.get("/apps/<app>/collaborators/<collaborator>")
def collaborator_info(ctx: Ctx, app: str, collaborator: str) -> Any:
    return access.find_collaborator(ctx.svc.store, ctx.svc.find_app(app), collaborator)


@routes.post("/apps/<app>/collaborators")
def add_collaborator(ctx: Ctx, app: str) -> Any:
    body = ctx.body()
    return access.add_collaborator(ctx.svc.store, ctx.svc.find_app(app), body.get("user")), 201


@routes.delete("/apps/<app>/collaborators/<collaborator>")
def remove_collaborator(ctx: Ctx, app: str, collaborator: str) -> Any:
    return access.remove_collaborator(ctx.svc.store, ctx.svc.find_app(app), collaborator)


@routes.get("/account/keys", ranges=("id", "fingerprint"))
def list_keys(ctx: Ctx) -> Any:
    return ctx.svc.store.list("key")


@routes.get("/account/keys/<key>")
def key_info(ctx: Ctx, key: str) -> Any:
    return access.find_key(ctx.svc.store, key)


@routes.post("/account/keys")
def add_key(ctx: Ctx) -> Any:
    """Not in the current schema, but Heroku still takes it (`heroku keys:add` posts here)."""
    return access.add_key(ctx.svc.store, ctx.body().get("public_key")), 201


@routes.delete("/account/keys/<key>")
def remove_key(ctx: Ctx, key: str) -> Any:
    return access.remove_key(ctx.svc.store, key)


@routes.get("/account/features", ranges=("id", "name"))
def list_account_features(ctx: Ctx) -> Any:
    return access.account_features(ctx.svc.store)


@routes.get("/account/features/<feature>")
def account_feature_info(ctx: Ctx, feature: str) -> Any:
    return access.account_feature(ctx.svc.store, feature)


@routes.patch("/account/features/<feature>")
def update_account_feature(ctx: Ctx, feature: str) -> Any:
    return access.set_account_feature(ctx.svc.store, feature, ctx.body().get("enabled"))


@routes.post("/apps/<app>/sni-endpoints")
def create_sni(ctx: Ctx, app: str) -> Any:
    return sni.create(ctx.svc.store, ctx.svc.find_app(app), ctx.body()), 201


@routes.get("/apps/<app>/sni-endpoints/<endpoint>")
def sni_info(ctx: Ctx, app: str, endpoint: str) -> Any:
    return sni.find(ctx.svc.store, ctx.svc.find_app(app), endpoint)


@routes.patch("/apps/<app>/sni-endpoints/<endpoint>")
def update_sni(ctx: Ctx, app: str, endpoint: str) -> Any:
    return sni.update(ctx.svc.store, ctx.svc.find_app(app), endpoint, ctx.body())


@routes.delete("/apps/<app>/sni-endpoints/<endpoint>")
def delete_sni(ctx: Ctx, app: str, endpoint: str) -> Any:
    return sni.delete(ctx.svc.store, ctx.svc.find_app(app), endpoint)
