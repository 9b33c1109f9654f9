"""Domains (with ACM status) and SNI endpoints over HTTP; the records live in
localcloud.domains and localcloud.sni."""

from __future__ import annotations

from typing import Any

from localcloud import domains
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


@routes.get("/apps/<app>/domains", ranges=("id", "hostname"))
def list_domains(ctx: Ctx, app: str) -> Any:
    return [public(d) for d in domains.all_of(ctx.svc.store, ctx.svc.find_app(app))]


@routes.get("/apps/<app>/domains/<domain>")
def info(ctx: Ctx, app: str, domain: str) -> Any:
    return public(domains.find(ctx.svc.store, ctx.svc.find_app(app), domain))


@routes.post("/apps/<app>/domains")
def create(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    hostname = str(ctx.body().get("hostname") or "").lower()
    return public(domains.create(ctx.svc.store, doc, hostname)), 201


@routes.patch("/apps/<app>/domains/<domain>")
def update(ctx: Ctx, app: str, domain: str) -> Any:
    doc = ctx.svc.find_app(app)
    endpoint = ctx.body().get("sni_endpoint")
    return public(domains.set_sni_endpoint(ctx.svc.store, doc, domain, endpoint))


@routes.delete("/apps/<app>/domains/<domain>")
def destroy(ctx: Ctx, app: str, domain: str) -> Any:
    return public(domains.delete(ctx.svc.store, ctx.svc.find_app(app), domain))


# -- SNI endpoints: listed (ACM manages certificates on localcloud) ---------------------


@routes.get("/apps/<app>/sni-endpoints")
def list_sni(ctx: Ctx, app: str) -> Any:
    return [public(s) for s in ctx.svc.store.list("sni-endpoint", ctx.svc.find_app(app)["id"])]
