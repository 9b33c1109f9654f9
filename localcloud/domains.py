"""An app's domains: the default `<app>.herokuapp.com` one and custom ones, with ACM status
(a custom domain's certificate is "issued" shortly after it is added) and the SNI endpoint
that serves it.

The backend of domains: it validates, builds and stores every record; the HTTP handlers
(localcloud.api.handlers.domains) parse and render."""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import app_ref

HOST_RE = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ACM_ISSUE_DELAY = 2.0  # seconds from "pending" to "cert issued", like a quick DNS check


def _default_domain(app: dict[str, Any]) -> dict[str, Any]:
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


def all_of(store: Any, app: dict[str, Any]) -> list[dict[str, Any]]:
    return [_default_domain(app), *store.list("domain", app["id"])]


def find(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for domain in all_of(store, app):
        if ident in (domain["id"], domain["hostname"]):
            return domain
    raise NotFound("domain")


def _issue_later(store: Any, domain_id: str) -> None:
    def issue() -> None:
        doc = store.get("domain", domain_id)
        if doc and doc["acm_status"] == "pending":
            doc.update(acm_status="cert issued", acm_status_reason=None, updated_at=now())
            store.put("domain", doc, doc["app"]["id"])

    timer = threading.Timer(ACM_ISSUE_DELAY, issue)
    timer.daemon = True
    timer.start()


def create(store: Any, app: dict[str, Any], hostname: str) -> dict[str, Any]:
    if not HOST_RE.match(hostname) or hostname.endswith(".herokuapp.com"):
        raise Invalid(f"{hostname!r} is not a valid custom domain name")
    if store.find("domain", hostname=hostname):
        raise Invalid(f"{hostname} is already in use by an app")
    stamp = now()
    domain = {
        "acm_status": "pending" if app["acm"] else None,
        "acm_status_reason": None,
        "app": app_ref(app),
        "cname": f"{hostname.replace('*.', 'wildcard.')}.herokudns.com",
        "created_at": stamp,
        "hostname": hostname,
        "id": new_id(),
        "kind": "custom",
        "updated_at": stamp,
        "status": "succeeded",
        "sni_endpoint": None,
    }
    store.put("domain", domain, app["id"])
    if app["acm"]:
        _issue_later(store, domain["id"])
    return domain


def set_sni_endpoint(store: Any, app: dict[str, Any], ident: str, endpoint: Any) -> dict[str, Any]:
    """Serve the custom domain with an SNI endpoint (by id or name), or with none."""
    found = find(store, app, ident)
    if found["kind"] != "custom":
        raise Invalid("the default domain cannot be changed")
    if endpoint is None:
        found["sni_endpoint"] = None
    else:
        sni = store.get("sni-endpoint", str(endpoint)) or store.find(
            "sni-endpoint", app["id"], name=str(endpoint)
        )
        if sni is None:
            raise NotFound("sni-endpoint")
        found["sni_endpoint"] = {"id": sni["id"], "name": sni["name"]}
    found["updated_at"] = now()
    store.put("domain", found, app["id"])
    return found


def delete(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    found = find(store, app, ident)
    if found["kind"] != "custom":
        raise Invalid("the default domain cannot be removed")
    store.delete("domain", found["id"])
    return found


def reset_acm(store: Any, app: dict[str, Any], enabled: bool) -> None:
    """ACM turned on or off: custom domains wait for a certificate again, or have no status."""
    for domain in store.list("domain", app["id"]):
        domain["acm_status"] = "pending" if enabled and domain["kind"] == "custom" else None
        domain["acm_status_reason"] = None
        store.put("domain", domain, app["id"])
