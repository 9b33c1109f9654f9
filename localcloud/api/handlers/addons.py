"""Add-ons, add-on attachments, their resolution actions, services and plans over HTTP; the
records live in localcloud.addon_records and localcloud.attachments."""

from __future__ import annotations

from typing import Any

from localcloud import addon_records, attachments, catalog
from localcloud.api.errors import invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


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
    return addon_records.find(ctx.svc.store, ident, app)


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
    return _addon_view(ctx, addon_records.create(ctx.svc, doc, plan_ident, body)), 201


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
    plan_ident = str(_plan_ident(body["plan"])) if body.get("plan") else None
    return _addon_view(ctx, addon_records.update(ctx.svc, doc, found, plan_ident, body.get("name")))


@routes.delete("/apps/<app>/addons/<addon>")
def destroy(ctx: Ctx, app: str, addon: str) -> Any:
    return _addon_view(ctx, addon_records.delete(ctx.svc, ctx.svc.find_app(app), addon))


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
    return attachments.find(ctx.svc.store, ident, app)


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


@routes.post("/addon-attachments")
def create_attachment(ctx: Ctx) -> Any:
    """Attach an existing add-on to an app (possibly another app), setting its config var."""
    body = ctx.body()
    app_ident, addon_ident = _identity(body.get("app")), _identity(body.get("addon"))
    if not addon_ident or not app_ident:
        raise invalid("addon and app are required")
    app = ctx.svc.find_app(app_ident)
    addon = _find_addon(ctx, addon_ident)
    att = attachments.attach(ctx.svc, app, addon, body.get("name"), body.get("confirm"))
    return public(att), 201


@routes.delete("/addon-attachments/<attachment>")
def delete_attachment(ctx: Ctx, attachment: str) -> Any:
    return public(attachments.detach(ctx.svc, attachment))


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
