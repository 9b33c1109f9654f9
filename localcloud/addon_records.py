"""Add-ons as the API knows them: ordering one (plan, name, config vars, its first
attachment), changing its plan or name, and removing it; localcloud.provisioning then makes
or drops the server behind it.

The backend of add-ons: it validates, builds and stores every add-on record; the HTTP
handlers (localcloud.api.handlers.addons) parse and render."""

from __future__ import annotations

import random
import re
from typing import Any

from localcloud import attachments, catalog, provisioning, rollbacks
from localcloud.errors import Invalid, NotFound
from localcloud.ids import is_uuid, new_id, now
from localcloud.records import app_ref

WORDS = ["angular", "shaped", "cubic", "flat", "round", "curly", "spherical", "triangular",
         "rigid", "solid"]  # fmt: skip
NAME_RE = re.compile(r"^[a-zA-Z][A-Za-z0-9_-]+$")


def find(store: Any, ident: str, app: dict[str, Any] | None = None) -> dict[str, Any]:
    """By id or name, or (within an app) by the name of its attachment or config var."""
    addon = store.get("addon", ident) if is_uuid(ident) else None
    if addon is None:
        addon = store.find("addon", app["id"] if app else None, name=ident)
    if addon is None and app is not None:
        for att in store.list("addon-attachment", app["id"]):
            if ident in (att["name"], f"{att['name']}_URL"):
                addon = store.get("addon", att["addon"]["id"])
    if addon is None or (app is not None and addon["app"]["id"] != app["id"]):
        raise NotFound("add-on")
    return addon


def _recovery(
    svc: Any, app: dict[str, Any], service: str, plan: str, config: Any
) -> dict[str, Any] | None:
    """A rollback or fork asked for in the Postgres config, refused now when it cannot be made."""
    if config is not None and not isinstance(config, dict):
        raise Invalid("config must be an object of provider options")
    if service != "heroku-postgresql":
        return None
    try:
        return rollbacks.plan_request(svc, app, f"{service}:{plan}", config)
    except rollbacks.RollbackRefused as exc:
        raise Invalid(str(exc)) from None


def create(svc: Any, app: dict[str, Any], plan_ident: str, body: dict[str, Any]) -> dict[str, Any]:
    """Order an add-on of the plan, attached to the app; it provisions in the background."""
    resolved = catalog.resolve_plan(plan_ident)
    if resolved is None:
        raise Invalid(
            f"Couldn't find either the add-on service or the add-on plan of {plan_ident!r}. "
            f"localcloud provides: {', '.join(catalog.SERVICES)}."
        )
    service, plan = resolved
    wanted = (body.get("attachment") or {}).get("name")
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not NAME_RE.match(name)):
        raise Invalid("add-on name must start with a letter: letters, digits, _ and -")
    if name and svc.store.find("addon", name=name):
        raise Invalid(f"Name {name} is already used by another add-on")
    recovery = _recovery(svc, app, service, plan, body.get("config"))
    with svc.app_lock(app["id"]):
        attachment = attachments.free_name(svc, app, service, wanted)
        stamp = now()
        prefix = catalog.SERVICES[service]["prefix"]
        addon = {
            "actions": [],
            "addon_service": {"id": catalog.service_view(service)["id"], "name": service},
            "billing_entity": {"id": app["id"], "name": app["name"], "type": "app"},
            "app": app_ref(app),
            "billed_price": {
                "cents": catalog.SERVICES[service]["plans"][plan],
                "contract": False,
                "unit": "month",
            },
            "config_vars": [
                f"{attachment}_{suffix}"
                for suffix in catalog.SERVICES[service].get("config_suffixes", ["URL"])
            ],
            "created_at": stamp,
            "id": new_id(),
            "name": name or f"{prefix}-{random.choice(WORDS)}-{random.randint(10000, 99999)}",
            "plan": {"id": catalog.plan_view(service, plan)["id"], "name": f"{service}:{plan}"},
            "provider_id": "",
            "provision_message": "Provisioning",
            "state": "provisioning",
            "updated_at": stamp,
            "web_url": None,
        }
        addon["provider_id"] = f"resource-{addon['id'][:8]}"
        if recovery:
            addon["_recovery"] = recovery
        svc.store.put("addon", addon, app["id"])
        attachments.record(svc, app, addon, attachment)
    svc.spawn(f"provision-{addon['id']}", provisioning.provision, svc, addon["id"])
    return addon


def update(
    svc: Any, app: dict[str, Any], found: dict[str, Any], plan_ident: str | None, name: Any
) -> dict[str, Any]:
    """Move the app's add-on to another plan of its service, or rename it."""
    if plan_ident is not None:
        resolved = catalog.resolve_plan(plan_ident)
        if resolved is None or resolved[0] != found["addon_service"]["name"]:
            raise Invalid("the new plan must be a plan of the same add-on service")
        service, plan = resolved
        found["plan"] = {"id": catalog.plan_view(service, plan)["id"], "name": f"{service}:{plan}"}
        found["billed_price"]["cents"] = catalog.SERVICES[service]["plans"][plan]
    if name:
        found["name"] = str(name)
    found["updated_at"] = now()
    svc.store.put("addon", found, app["id"])
    return found


def delete(svc: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    """Deprovision the add-on; the record as it was, marked deprovisioned."""
    found = find(svc.store, ident, app)
    provisioning.deprovision(svc, app, found)
    found["state"] = "deprovisioned"
    found["updated_at"] = now()
    return found
