"""App webhook events: recorded, then POSTed (HMAC-signed) to every subscribed webhook."""

from __future__ import annotations

import logging
from typing import Any

from localcloud.ids import new_id, now
from localcloud.records import public, user_ref

log = logging.getLogger("localcloud.events")


def publish(
    svc: Any, app: dict[str, Any], resource: str, action: str, data: dict[str, Any]
) -> None:
    """Record an `api:<resource>` event and deliver it to the app's matching webhooks."""
    stamp = now()
    entity = f"api:{resource}"
    payload = {
        "id": new_id(),
        "action": action,
        "actor": user_ref(svc.store),
        "created_at": stamp,
        "data": data,
        "previous_data": {},
        "published_at": stamp,
        "resource": resource,
        "sequence": None,
        "updated_at": stamp,
        "version": "application/vnd.heroku+json; version=3",
    }
    event = {
        "id": payload["id"],
        "created_at": stamp,
        "include": entity,
        "payload": {
            "action": action,
            "actor": payload["actor"],
            "data": data,
            "previous_data": {},
            "resource": resource,
            "version": payload["version"],
        },
        "updated_at": stamp,
        "_app_id": app["id"],
    }
    svc.store.put("webhook-event", event, app["id"])
    for hook in svc.store.list("webhook", app["id"]):
        if entity not in hook["include"]:
            continue
        body = dict(payload, webhook_metadata={
            "attempt": {"id": new_id()},
            "delivery": {"id": new_id()},
            "event": {"id": event["id"], "include": entity},
            "webhook": {"id": hook["id"]},
        })  # fmt: skip
        delivery = {
            "created_at": stamp,
            "event": {"id": event["id"], "include": entity},
            "id": body["webhook_metadata"]["delivery"]["id"],
            "num_attempts": 1,
            "next_attempt_at": None,
            "last_attempt": {
                "id": body["webhook_metadata"]["attempt"]["id"],
                "code": None,
                "error_class": None,
                "status": "scheduled",
                "created_at": stamp,
                "updated_at": stamp,
            },
            "status": "scheduled",
            "updated_at": stamp,
            "webhook": {"id": hook["id"], "level": hook["level"]},
        }
        svc.store.put("webhook-delivery", delivery, app["id"])
        try:
            from localcloud.runtime.webhooks import deliver

            deliver(
                hook["url"], hook.get("_secret"), body, _recorder(svc, app["id"], delivery["id"])
            )
        except Exception:
            log.exception("webhook delivery to %s failed", hook["url"])


def release(svc: Any, app: dict[str, Any], doc: dict[str, Any], action: str) -> None:
    publish(svc, app, "release", action, public(doc))


def _recorder(svc: Any, app_id: str, delivery_id: str) -> Any:
    """Keeps the delivery's status in step with what the runtime's delivery reported."""

    def record(attempts: int, status: int | None, error: str | None) -> None:
        doc = svc.store.get("webhook-delivery", delivery_id)
        if doc is None:
            return
        ok = status is not None and 200 <= status < 300
        doc["status"] = "succeeded" if ok else "failed"
        doc["num_attempts"] = attempts
        doc["updated_at"] = now()
        doc["last_attempt"].update(
            code=status, error_class=error, status=doc["status"], updated_at=doc["updated_at"]
        )
        svc.store.put("webhook-delivery", doc, app_id)

    return record
