"""Add-ons, add-on attachments, their resolution actions, services and plans."""

from __future__ import annotations

import random
import re
from typing import Any

from localcloud import catalog, provisioning, releases, rollbacks
from localcloud.api.errors import ApiError, invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import is_uuid, new_id, now
from localcloud.records import app_ref, public

WORDS = [
    "angular",
    "shaped",
    "cubic",
    "flat",
    "round",
    "curly",
    "spherical",
    "triangular",
    "rigid",
    "solid",
]
COLORS = [
    "AQUA",
    "BLUE",
    "BROWN",
    "COBALT",
    "CRIMSON",
    "GOLD",
    "GREEN",
    "ORANGE",
    "PINK",
    "PURPLE",
    "RED",
    "SILVER",
]
ATTACH_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _addon_view(ctx: Ctx, addon: dict[str, Any]) -> dict[str, Any]:
    view = public(addon)
    view["web_url"] = f"{ctx.base_url}/__localcloud/addons/{addon['id']}"
    # `Accept-Expansion: addon_service,plan` (Heroku's CLI sends it) embeds the whole records.
    expand = {p.strip() for p in ctx.req.headers.get("Accept-Expansion", "").split(",")}
    service = view["addon_service"]["name"]
    if "plan" in expand and catalog.resolve_plan(view["plan"]["name"]):
        view["plan"] = catalog.plan_view(*catalog.resolve_plan(view["plan"]["name"]))
    if "addon_service" in expand and service in catalog.SERVICES:
        view["addon_service"] = catalog.service_view(service)
    return view


def _find_addon(ctx: Ctx, ident: str, app: dict[str, Any] | None = None) -> dict[str, Any]:
    addon = ctx.svc.store.get("addon", ident) if is_uuid(ident) else None
    if addon is None:
        addon = ctx.svc.store.find("addon", app["id"] if app else None, name=ident)
    if addon is None and app is not None:
        for att in ctx.svc.store.list("addon-attachment", app["id"]):
            if ident in (att["name"], f"{att['name']}_URL"):
                addon = ctx.svc.store.get("addon", att["addon"]["id"])
    if addon is None or (app is not None and addon["app"]["id"] != app["id"]):
        raise not_found("add-on")
    return addon


def _attachment_name(ctx: Ctx, app: dict[str, Any], service: str, wanted: str | None) -> str:
    taken = {a["name"] for a in ctx.svc.store.list("addon-attachment", app["id"])}
    config = releases.config_vars(ctx.svc, app["id"])
    if wanted:
        name = wanted.upper().removesuffix("_URL")
        if not ATTACH_RE.match(name):
            raise invalid("attachment name must be upper case letters, digits and underscores")
        if name in taken or f"{name}_URL" in config:
            raise invalid(f"{name} is already attached or set as a config var on this app")
        return name
    default = catalog.SERVICES[service]["attachment"]
    if default not in taken and f"{default}_URL" not in config:
        return default
    prefix = {"DATABASE": "HEROKU_POSTGRESQL", "REDIS": "HEROKU_REDIS"}.get(default, default)
    for color in COLORS:
        if f"{prefix}_{color}" not in taken:
            return f"{prefix}_{color}"
    raise invalid("too many add-ons of this kind")


def _attach(ctx: Ctx, app: dict[str, Any], addon: dict[str, Any], name: str) -> dict[str, Any]:
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
    ctx.svc.store.put("addon-attachment", att, app["id"])
    return att


def _recovery(
    ctx: Ctx, app: dict[str, Any], service: str, plan: str, config: Any
) -> dict[str, Any] | None:
    """A rollback or fork asked for in the Postgres config, refused now when it cannot be made."""
    if config is not None and not isinstance(config, dict):
        raise invalid("config must be an object of provider options")
    if service != "heroku-postgresql":
        return None
    try:
        return rollbacks.plan_request(ctx.svc, app, f"{service}:{plan}", config)
    except rollbacks.RollbackRefused as exc:
        raise invalid(str(exc)) from None


def _plan_ident(plan: Any) -> Any:
    """A plan named as a string, or as Heroku also takes it (and its CLI sends it): an object
    with the plan's `name` or `id`."""
    if isinstance(plan, dict):
        return plan.get("name") or plan.get("id")
    return plan


@routes.post("/apps/<app>/addons")
def create(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    body = ctx.body()
    plan_ident = _plan_ident(body.get("plan"))
    if not isinstance(plan_ident, str):
        raise invalid("plan is required, e.g. heroku-postgresql:essential-0")
    resolved = catalog.resolve_plan(plan_ident)
    if resolved is None:
        raise ApiError(
            422, "invalid_params",
            f"Couldn't find either the add-on service or the add-on plan of {plan_ident!r}. "
            f"localcloud provides: {', '.join(catalog.SERVICES)}.",
        )  # fmt: skip
    service, plan = resolved
    wanted = (body.get("attachment") or {}).get("name")
    name = body.get("name")
    if name is not None and (
        not isinstance(name, str) or not re.match(r"^[a-zA-Z][A-Za-z0-9_-]+$", name)
    ):
        raise invalid("add-on name must start with a letter: letters, digits, _ and -")
    if name and ctx.svc.store.find("addon", name=name):
        raise invalid(f"Name {name} is already used by another add-on")
    recovery = _recovery(ctx, doc, service, plan, body.get("config"))
    with ctx.svc.app_lock(doc["id"]):
        attachment = _attachment_name(ctx, doc, service, wanted)
        stamp = now()
        prefix = catalog.SERVICES[service]["prefix"]
        addon = {
            "actions": [],
            "addon_service": {"id": catalog.service_view(service)["id"], "name": service},
            "billing_entity": {"id": doc["id"], "name": doc["name"], "type": "app"},
            "app": app_ref(doc),
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
        ctx.svc.store.put("addon", addon, doc["id"])
        _attach(ctx, doc, addon, attachment)
    ctx.svc.spawn(f"provision-{addon['id']}", provisioning.provision, ctx.svc, addon["id"])
    return _addon_view(ctx, addon), 201


def _listed(ctx: Ctx, addons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An add-on whose provisioning failed is readable by id (state and message say why) but
    gone from every list, as on Heroku, so creating it again makes a new one."""
    return [_addon_view(ctx, a) for a in addons if a["state"] != "deprovisioned"]


@routes.get("/apps/<app>/addons")
def list_for_app(ctx: Ctx, app: str) -> Any:
    doc = ctx.svc.find_app(app)
    return _listed(ctx, ctx.svc.store.list("addon", doc["id"]))


@routes.get("/addons")
def list_all(ctx: Ctx) -> Any:
    return _listed(ctx, ctx.svc.store.list("addon"))


@routes.get("/users/<user>/addons")
def list_for_user(ctx: Ctx, user: str) -> Any:
    return list_all(ctx)


@routes.get("/addons/<addon>")
def info(ctx: Ctx, addon: str) -> Any:
    return _addon_view(ctx, _find_addon(ctx, addon))


@routes.get("/apps/<app>/addons/<addon>")
def info_by_app(ctx: Ctx, app: str, addon: str) -> Any:
    return _addon_view(ctx, _find_addon(ctx, addon, ctx.svc.find_app(app)))


@routes.get("/addons/<addon>/config")
def addon_config(ctx: Ctx, addon: str) -> Any:
    """The add-on's own config (`URL`), which attachments expose as `<ATTACHMENT>_URL`."""
    found = _find_addon(ctx, addon)
    url = (found.get("_backing") or {}).get("url")
    return [{"name": "URL", "value": url}] if url else []


@routes.patch("/apps/<app>/addons/<addon>")
def update(ctx: Ctx, app: str, addon: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find_addon(ctx, addon, doc)
    body = ctx.body()
    if body.get("plan"):
        resolved = catalog.resolve_plan(str(_plan_ident(body["plan"])))
        if resolved is None or resolved[0] != found["addon_service"]["name"]:
            raise invalid("the new plan must be a plan of the same add-on service")
        service, plan = resolved
        found["plan"] = {"id": catalog.plan_view(service, plan)["id"], "name": f"{service}:{plan}"}
        found["billed_price"]["cents"] = catalog.SERVICES[service]["plans"][plan]
    if body.get("name"):
        found["name"] = str(body["name"])
    found["updated_at"] = now()
    ctx.svc.store.put("addon", found, doc["id"])
    return _addon_view(ctx, found)


@routes.delete("/apps/<app>/addons/<addon>")
def destroy(ctx: Ctx, app: str, addon: str) -> Any:
    doc = ctx.svc.find_app(app)
    found = _find_addon(ctx, addon, doc)
    provisioning.deprovision(ctx.svc, doc, found)
    found["state"] = "deprovisioned"
    found["updated_at"] = now()
    return _addon_view(ctx, found)


@routes.post("/actions/addons/resolve")
def resolve_addons(ctx: Ctx) -> Any:
    body = ctx.body()
    app = ctx.svc.find_app(body["app"]) if body.get("app") else None
    ident = body.get("addon")
    if not ident:
        raise invalid("addon is required")
    return [_addon_view(ctx, _find_addon(ctx, str(ident), app))]


# -- attachments ----------------------------------------------------------------


def _attachment_view(ctx: Ctx, att: dict[str, Any]) -> dict[str, Any]:
    """An attachment; `Accept-Inclusion: addon:plan,config_vars` (Heroku's CLI sends it for
    `pg:*`) adds the add-on's plan and the config vars the attachment sets."""
    view = public(att)
    include = {p.strip() for p in ctx.req.headers.get("Accept-Inclusion", "").split(",")}
    if "addon:plan" in include:
        addon = ctx.svc.store.get("addon", att["addon"]["id"]) or {}
        view["addon"] = {**view["addon"], "plan": addon.get("plan")}
    if "config_vars" in include:
        view["config_vars"] = [f"{att['name']}_URL"]
    return view


@routes.get("/addon-attachments")
def list_attachments(ctx: Ctx) -> Any:
    return [_attachment_view(ctx, a) for a in ctx.svc.store.list("addon-attachment")]


@routes.get("/apps/<app>/addon-attachments")
def list_app_attachments(ctx: Ctx, app: str) -> Any:
    app_id = ctx.svc.find_app(app)["id"]
    return [_attachment_view(ctx, a) for a in ctx.svc.store.list("addon-attachment", app_id)]


@routes.get("/addons/<addon>/addon-attachments")
def list_addon_attachments(ctx: Ctx, addon: str) -> Any:
    found = _find_addon(ctx, addon)
    return [_attachment_view(ctx, a) for a in ctx.svc.store.list("addon-attachment")
            if a["addon"]["id"] == found["id"]]  # fmt: skip


def _find_attachment(ctx: Ctx, ident: str, app: dict[str, Any] | None = None) -> dict[str, Any]:
    for att in ctx.svc.store.list("addon-attachment", app["id"] if app else None):
        if ident in (att["id"], att["name"], f"{att['name']}_URL"):
            return att
    raise not_found("add-on attachment")


@routes.get("/addon-attachments/<attachment>")
def attachment_info(ctx: Ctx, attachment: str) -> Any:
    return _attachment_view(ctx, _find_attachment(ctx, attachment))


@routes.get("/apps/<app>/addon-attachments/<attachment>")
def attachment_info_by_app(ctx: Ctx, app: str, attachment: str) -> Any:
    return _attachment_view(ctx, _find_attachment(ctx, attachment, ctx.svc.find_app(app)))


def _identity(value: Any) -> str | None:
    """An app or add-on as the schema allows it: a name or id, or `{"name": ...}`/`{"id": ...}`."""
    if isinstance(value, dict):
        value = value.get("id") or value.get("name")
    return str(value) if value else None


def _replace_confirmed(ctx: Ctx, app: dict[str, Any], body: dict[str, Any]) -> None:
    """Attaching under a name another add-on holds moves the name when `confirm` is the app's
    name (as `heroku pg:promote` does): the old attachment goes first, with its own release."""
    wanted = str(body.get("name") or "").upper().removesuffix("_URL")
    held = next((a for a in ctx.svc.store.list("addon-attachment", app["id"])
                 if a["name"] == wanted), None)  # fmt: skip
    if held is None or body.get("confirm") is None:
        return
    if body["confirm"] != app["name"]:
        raise invalid(f"Confirmation {body['confirm']!r} did not match the app name {app['name']}.")
    ctx.svc.store.delete("addon-attachment", held["id"])
    values = releases.config_vars(ctx.svc, app["id"])
    if values.pop(f"{wanted}_URL", None) is not None:
        releases.save_config(ctx.svc, app["id"], values)
        releases.create(ctx.svc, app, f"Detach {wanted} (@ref:{held['addon']['name']})",
                        config=values)  # fmt: skip


@routes.post("/addon-attachments")
def create_attachment(ctx: Ctx) -> Any:
    """Attach an existing add-on to an app (possibly another app), setting its config var."""
    body = ctx.body()
    app_ident, addon_ident = _identity(body.get("app")), _identity(body.get("addon"))
    if not addon_ident or not app_ident:
        raise invalid("addon and app are required")
    app = ctx.svc.find_app(app_ident)
    addon = _find_addon(ctx, addon_ident)
    if addon["state"] != "provisioned":
        raise ApiError(422, "invalid_params", "The add-on is not provisioned yet.")
    with ctx.svc.app_lock(app["id"]):
        _replace_confirmed(ctx, app, body)
        name = _attachment_name(ctx, app, addon["addon_service"]["name"], body.get("name"))
        att = _attach(ctx, app, addon, name)
        values = releases.config_vars(ctx.svc, app["id"])
        values[f"{name}_URL"] = addon["_backing"]["url"]
        releases.save_config(ctx.svc, app["id"], values)
        releases.create(ctx.svc, app, f"Attach {name} (@ref:{addon['name']})", config=values)
    return public(att), 201


@routes.delete("/addon-attachments/<attachment>")
def delete_attachment(ctx: Ctx, attachment: str) -> Any:
    att = _find_attachment(ctx, attachment)
    app = ctx.svc.find_app(att["app"]["id"])
    with ctx.svc.app_lock(app["id"]):
        ctx.svc.store.delete("addon-attachment", att["id"])
        values = releases.config_vars(ctx.svc, app["id"])
        if values.pop(f"{att['name']}_URL", None) is not None:
            releases.save_config(ctx.svc, app["id"], values)
            releases.create(ctx.svc, app, f"Detach {att['name']}", config=values)
    return public(att)


@routes.post("/actions/addon-attachments/resolve")
def resolve_attachments(ctx: Ctx) -> Any:
    body = ctx.body()
    ident = body.get("addon_attachment")
    if not ident:
        raise invalid("addon_attachment is required")
    app = ctx.svc.find_app(str(body["app"])) if body.get("app") else None
    matches = []
    for att in ctx.svc.store.list("addon-attachment", app["id"] if app else None):
        addon = ctx.svc.store.get("addon", att["addon"]["id"]) or {}
        if (
            body.get("addon_service")
            and addon.get("addon_service", {}).get("name") != body["addon_service"]
        ):
            continue
        if ident in (att["id"], att["name"], f"{att['name']}_URL", addon.get("name")):
            matches.append(_attachment_view(ctx, att))
    if not matches:
        raise not_found("add-on attachment")
    return matches


# -- services and plans ---------------------------------------------------------


@routes.get("/addon-services")
def services(ctx: Ctx) -> Any:
    return [catalog.service_view(name) for name in catalog.SERVICES]


@routes.get("/addon-services/<service>")
def service_info(ctx: Ctx, service: str) -> Any:
    name = catalog.find_service(service)
    if name is None:
        raise not_found("add-on service")
    return catalog.service_view(name)


@routes.get("/addon-services/<service>/plans")
def plans(ctx: Ctx, service: str) -> Any:
    name = catalog.find_service(service)
    if name is None:
        raise not_found("add-on service")
    return [catalog.plan_view(name, p) for p in catalog.SERVICES[name]["plans"]]


@routes.get("/addon-services/<service>/plans/<plan>")
def plan_info(ctx: Ctx, service: str, plan: str) -> Any:
    name = catalog.find_service(service)
    found = catalog.resolve_plan(plan if ":" in plan else f"{name}:{plan}") if name else None
    if found is None:
        raise not_found("plan")
    return catalog.plan_view(*found)


@routes.get("/plans/<plan>")
def plan_by_id(ctx: Ctx, plan: str) -> Any:
    found = catalog.resolve_plan(plan)
    if found is None:
        raise not_found("plan")
    return catalog.plan_view(*found)
