"""App webhooks: which events an app's webhook subscribes to, and where they are POSTed
(deliveries are made by localcloud.events).

The backend of webhooks: it validates, builds and stores every record; the HTTP handlers
(localcloud.api.handlers.webhooks) parse and render."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlparse

from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import app_ref

ENTITIES = {
    "api:addon-attachment", "api:addon", "api:app", "api:build", "api:collaborator",
    "api:domain", "api:dyno", "api:formation", "api:release", "api:sni-endpoint",
}  # fmt: skip


def _validate(body: dict[str, Any], partial: bool) -> None:
    if not partial or "url" in body:
        parsed = urlparse(str(body.get("url") or ""))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise Invalid("url must be an http(s) URL")
    if not partial or "include" in body:
        include = body.get("include")
        if not isinstance(include, list) or not include or not set(include) <= ENTITIES:
            raise Invalid(f"include must list entities among {sorted(ENTITIES)}")
    if (not partial or "level" in body) and body.get("level") not in ("notify", "sync"):
        raise Invalid("level must be notify or sync")


def create(store: Any, app: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    _validate(body, partial=False)
    stamp = now()
    hook = {
        "app": app_ref(app),
        "created_at": stamp,
        "id": new_id(),
        "include": body["include"],
        "level": body["level"],
        "updated_at": stamp,
        "url": body["url"],
        # Without a secret Heroku makes one and answers it once, in Heroku-Webhook-Secret.
        "_secret": body.get("secret") or secrets.token_hex(32),
        "_authorization": body.get("authorization"),
    }
    store.put("webhook", hook, app["id"])
    return hook


def find(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    hook = store.get("webhook", ident)
    if hook is None or hook["app"]["id"] != app["id"]:
        raise NotFound("webhook")
    return hook


def update(store: Any, app: dict[str, Any], ident: str, body: dict[str, Any]) -> dict[str, Any]:
    hook = find(store, app, ident)
    _validate(body, partial=True)
    for key in ("url", "include", "level"):
        if key in body:
            hook[key] = body[key]
    if "secret" in body:
        hook["_secret"] = body["secret"]
    if "authorization" in body:
        hook["_authorization"] = body["authorization"]
    hook["updated_at"] = now()
    store.put("webhook", hook, app["id"])
    return hook


def delete(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    hook = find(store, app, ident)
    store.delete("webhook", hook["id"])
    return hook
