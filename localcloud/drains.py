"""Log drains: the app's log lines are POSTed (logplex framing) to each drain URL.

The backend of log drains: it validates, builds and stores every record and tells the log
router; the HTTP handlers (localcloud.api.handlers.log_drains) parse and render."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlparse

from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import app_ref


def sync(svc: Any, app: dict[str, Any]) -> None:
    urls = [d["url"] for d in svc.store.list("log-drain", app["id"])]
    svc.logs.set_drains(app["name"], urls)


def create(svc: Any, app: dict[str, Any], url: Any) -> dict[str, Any]:
    parsed = urlparse(str(url or ""))
    if parsed.scheme not in ("http", "https", "syslog", "syslog+tls") or not parsed.netloc:
        raise Invalid("url must be an http(s) or syslog URL")
    if svc.store.find("log-drain", app["id"], url=url):
        raise Invalid("Url has already been taken")
    stamp = now()
    drain = {
        "addon": None,
        "app": app_ref(app),
        "created_at": stamp,
        "id": new_id(),
        "token": "d." + secrets.token_hex(16),
        "updated_at": stamp,
        "url": url,
    }
    svc.store.put("log-drain", drain, app["id"])
    sync(svc, app)
    return drain


def find(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for drain in store.list("log-drain", app["id"]):
        if ident in (drain["id"], drain["url"], drain["token"]):
            return drain
    raise NotFound("log-drain")


def delete(svc: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    drain = find(svc.store, app, ident)
    svc.store.delete("log-drain", drain["id"])
    sync(svc, app)
    return drain
