"""Domains (with ACM status) and SNI endpoints."""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import new_id, now
from localcloud.records import app_ref, public

HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ACM_ISSUE_DELAY = 2.0  # seconds from "pending" to "cert issued", like a quick DNS check


def _default_domain(ctx: Ctx, app: dict[str, Any]) -> dict[str, Any]:
    return {
        "acm_status": None,
        "acm_status_reason": None,
        "app": app_ref(app),
        "cname": None,
        "created_at": app["created_at"],
        "hostname": f"{app['name']}.herokuapp.com",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"localcloud:domain:{app['id']}")),
        "kind": "heroku",
        "updated_at": app["created_at"],
        "status": "succeeded",
        "sni_endpoint": None,
    }


def _domains(ctx: Ctx, app: dict[str, Any]) -> list[dict[str, Any]]:
    return [_default_domain(ctx, app), *ctx.svc.store.list("domain", app["id"])]


def _issue_later(ctx: Ctx, domain_id: str) -> None:
    store = ctx.svc.store

    def issue() -> None:
        doc = store.get("domain", domain_id)
        if doc and doc["acm_status"] == "pending":
            doc.update(acm_status="cert issued", acm_status_reason=None, updated_at=now())
            store.put("domain", doc, doc["app"]["id"])

    timer = threading.Timer(ACM_ISSUE_DELAY, issue)
    timer.daemon = True
    timer.start()


@routes.get("/apps/<app>/domains", ranges=("id", "hostname"))
def list_domains(ctx: Ctx, app: str) -> Any:
    return [public(d) for d in _domains(ctx, ctx.svc.find_app(app))]


def _find(ctx: Ctx, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for domain in _domains(ctx, app):
        if ident in (domain["id"], domain["hostname"]):
            return domain
    raise not_found("domain")


@routes.get("/apps/<app>/domains/<domain>")
def info(ctx: Ctx, app: str, domain: str) -> Any:
    return public(_find(ctx, ctx.svc.find_app(app), domain))


@routes.post("/apps/<app>/domains")
def create(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    hostname = str(ctx.body().get("hostname") or "").lower()
    if not HOST_RE.match(hostname) or hostname.endswith(".herokuapp.com"):
        raise invalid(f"{hostname!r} is not a valid custom domain name")
    if ctx.svc.store.find("domain", hostname=hostname):
        raise invalid(f"{hostname} is already in use by an app")
    stamp = now()
    domain = {
        "acm_status": "pending" if doc["acm"] else None,
        "acm_status_reason": None,
        "app": app_ref(doc),
        "cname": f"{hostname.replace('*.', 'wildcard.')}.herokudns.com",
        "created_at": stamp,
        "hostname": hostname,
        "id": new_id(),
        "kind": "custom",
        "updated_at": stamp,
        "status": "succeeded",
        "sni_endpoint": None,
    }
    ctx.svc.store.put("domain", domain, doc["id"])
    if doc["acm"]:
        _issue_later(ctx, domain["id"])
    return public(domain), 201


@routes.patch("/apps/<app>/domains/<domain>")
def update(ctx: Ctx, app: str, domain: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find(ctx, doc, domain)
    if found["kind"] != "custom":
        raise invalid("the default domain cannot be changed")
    endpoint = ctx.body().get("sni_endpoint")
    if endpoint is None:
        found["sni_endpoint"] = None
    else:
        sni = ctx.svc.store.get("sni-endpoint", str(endpoint)) or ctx.svc.store.find(
            "sni-endpoint", doc["id"], name=str(endpoint)
        )
        if sni is None:
            raise not_found("sni-endpoint")
        found["sni_endpoint"] = {"id": sni["id"], "name": sni["name"]}
    found["updated_at"] = now()
    ctx.svc.store.put("domain", found, doc["id"])
    return public(found)


@routes.delete("/apps/<app>/domains/<domain>")
def destroy(ctx: Ctx, app: str, domain: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find(ctx, doc, domain)
    if found["kind"] != "custom":
        raise invalid("the default domain cannot be removed")
    ctx.svc.store.delete("domain", found["id"])
    return public(found)


# -- SNI endpoints: listed (ACM manages certificates on localcloud) ---------------------


@routes.get("/apps/<app>/sni-endpoints")
def list_sni(ctx: Ctx, app: str) -> Any:
    return [public(s) for s in ctx.svc.store.list("sni-endpoint", ctx.svc.find_app(app)["id"])]
