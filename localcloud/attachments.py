"""Add-on attachments: an add-on exposed to an app under a name (`DATABASE` gives the app
`DATABASE_URL`), each attach and detach a release of the app's config.

The backend of attachments: it names, builds and stores every record; the HTTP handlers
(localcloud.api.handlers.addons) parse and render."""

from __future__ import annotations

import re
from typing import Any

from localcloud import catalog, releases
from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import app_ref

COLORS = ["AQUA", "BLUE", "BROWN", "COBALT", "CRIMSON", "GOLD", "GREEN", "ORANGE", "PINK",
          "PURPLE", "RED", "SILVER"]  # fmt: skip
ATTACH_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def free_name(svc: Any, app: dict[str, Any], service: str, wanted: str | None) -> str:
    """The name asked for when it is free, else the service's default, else a colour."""
    taken = {a["name"] for a in svc.store.list("addon-attachment", app["id"])}
    config = releases.config_vars(svc, app["id"])
    if wanted:
        name = wanted.upper().removesuffix("_URL")
        if not ATTACH_RE.match(name):
            raise Invalid("attachment name must be upper case letters, digits and underscores")
        if name in taken or f"{name}_URL" in config:
            raise Invalid(f"{name} is already attached or set as a config var on this app")
        return name
    default = catalog.SERVICES[service]["attachment"]
    if default not in taken and f"{default}_URL" not in config:
        return default
    prefix = {"DATABASE": "HEROKU_POSTGRESQL", "REDIS": "HEROKU_REDIS"}.get(default, default)
    for color in COLORS:
        if f"{prefix}_{color}" not in taken:
            return f"{prefix}_{color}"
    raise Invalid("too many add-ons of this kind")


def record(svc: Any, app: dict[str, Any], addon: dict[str, Any], name: str) -> dict[str, Any]:
    """Store the attachment alone (the config var comes once the add-on is provisioned)."""
    stamp = now()
    att = {
        "addon": {"id": addon["id"], "name": addon["name"], "app": addon["app"]},
        "app": app_ref(app),
        "created_at": stamp,
        "id": new_id(),
        "name": name,
        "namespace": None,
        "updated_at": stamp,
        "web_url": None,
        "log_input_url": None,
    }
    svc.store.put("addon-attachment", att, app["id"])
    return att


def find(store: Any, ident: str, app: dict[str, Any] | None = None) -> dict[str, Any]:
    for att in store.list("addon-attachment", app["id"] if app else None):
        if ident in (att["id"], att["name"], f"{att['name']}_URL"):
            return att
    raise NotFound("add-on attachment")


def _replace_confirmed(svc: Any, app: dict[str, Any], name: Any, confirm: Any) -> None:
    """Attaching under a name another add-on holds moves the name when `confirm` is the app's
    name (as `heroku pg:promote` does): the old attachment goes first, with its own release."""
    wanted = str(name or "").upper().removesuffix("_URL")
    held = next((a for a in svc.store.list("addon-attachment", app["id"])
                 if a["name"] == wanted), None)  # fmt: skip
    if held is None or confirm is None:
        return
    if confirm != app["name"]:
        raise Invalid(f"Confirmation {confirm!r} did not match the app name {app['name']}.")
    svc.store.delete("addon-attachment", held["id"])
    values = releases.config_vars(svc, app["id"])
    if values.pop(f"{wanted}_URL", None) is not None:
        releases.save_config(svc, app["id"], values)
        releases.create(svc, app, f"Detach {wanted} (@ref:{held['addon']['name']})",
                        config=values)  # fmt: skip


def attach(
    svc: Any, app: dict[str, Any], addon: dict[str, Any], name: Any, confirm: Any
) -> dict[str, Any]:
    """Attach a provisioned add-on (possibly another app's), setting its config var."""
    if addon["state"] != "provisioned":
        raise Invalid("The add-on is not provisioned yet.")
    with svc.app_lock(app["id"]):
        _replace_confirmed(svc, app, name, confirm)
        name = free_name(svc, app, addon["addon_service"]["name"], name)
        att = record(svc, app, addon, name)
        values = releases.config_vars(svc, app["id"])
        values[f"{name}_URL"] = addon["_backing"]["url"]
        releases.save_config(svc, app["id"], values)
        releases.create(svc, app, f"Attach {name} (@ref:{addon['name']})", config=values)
    return att


def detach(svc: Any, ident: str) -> dict[str, Any]:
    """Remove the attachment and its config var (a release, when the var was set)."""
    att = find(svc.store, ident)
    app = svc.find_app(att["app"]["id"])
    with svc.app_lock(app["id"]):
        svc.store.delete("addon-attachment", att["id"])
        values = releases.config_vars(svc, app["id"])
        if values.pop(f"{att['name']}_URL", None) is not None:
            releases.save_config(svc, app["id"], values)
            releases.create(svc, app, f"Detach {att['name']}", config=values)
    return att
