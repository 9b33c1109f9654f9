"""The Heroku Postgres data API (`/client/v11/...`): backups, restores, schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from localcloud import pgbackups, rollbacks
from localcloud.api.errors import ApiError, invalid, not_found
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.ids import is_uuid
from localcloud.records import public

PREFIX = "/client/v11"


def _database(ctx: Ctx, db: str) -> dict[str, Any]:
    addon = ctx.svc.store.get("addon", db) if is_uuid(db) else None
    if addon is None:
        addon = ctx.svc.store.find("addon", name=db)
    if addon is None or addon["addon_service"]["name"] != "heroku-postgresql":
        raise not_found("database")
    return addon


def _provisioned(ctx: Ctx, db: str) -> tuple[dict[str, Any], dict[str, Any]]:
    addon = _database(ctx, db)
    if addon["state"] != "provisioned":
        raise ApiError(404, "not_found", "The database is not available yet (provisioning).")
    return addon, ctx.svc.find_app(addon["app"]["id"])


def _attachment_name(ctx: Ctx, addon: dict[str, Any]) -> str:
    for att in ctx.svc.store.list("addon-attachment", addon["app"]["id"]):
        if att["addon"]["id"] == addon["id"]:
            return att["name"]
    return addon["config_vars"][0].removesuffix("_URL")


def _view(doc: dict[str, Any], verbose: bool) -> dict[str, Any]:
    view = public(doc)
    view.pop("id", None)
    if not verbose:
        view.pop("logs", None)
    return view


def _continuous_protection(addon: dict[str, Any]) -> list[dict[str, Any]]:
    """`Fork/Follow` and `Rollback` lines as `heroku pg:info` shows them."""
    span = rollbacks.window(addon)
    if span is None:
        return [{"name": "Fork/Follow", "values": ["Unsupported"]}]
    earliest = span[0].strftime("%Y-%m-%d %H:%M UTC")
    return [{"name": "Fork/Follow", "values": ["Available"]},
            {"name": "Rollback", "values": [f"earliest from {earliest}"]}]  # fmt: skip


@routes.get(f"{PREFIX}/databases/<db>/wait_status", kind="data")
def wait_status(ctx: Ctx, db: str) -> Any:
    """What `heroku pg:wait` and `pg:promote` poll: whether the database is still being made."""
    addon = _database(ctx, db)
    waiting = addon["state"] != "provisioned"
    return {"waiting?": waiting, "message": "provisioning" if waiting else "available"}


@routes.get(f"{PREFIX}/databases/<db>", kind="data")
def database_info(ctx: Ctx, db: str) -> Any:
    addon, _app = _provisioned(ctx, db)
    backing = addon["_backing"]
    tables = pgbackups._database_size(backing["url"])
    return {
        "addon_id": addon["id"],
        "name": addon["name"],
        "plan": addon["plan"]["name"].split(":", 1)[1],
        "resource_url": backing["url"].split("@", 1)[1],
        "info": [
            {"name": "Plan", "values": [addon["plan"]["name"].split(":", 1)[1]]},
            {"name": "Status", "values": ["Available"]},
            {"name": "Data Size", "values": [f"{tables or 0} bytes"]},
            {"name": "PG Version", "values": ["15"]},
            *_continuous_protection(addon),
            {"name": "Created", "values": [addon["created_at"]]},
        ],  # no "Add-on" row: Heroku's CLI adds it from the add-on itself
    }


@routes.post(f"{PREFIX}/databases/<db>/backups", kind="data")
def capture(ctx: Ctx, db: str) -> Any:
    addon, app = _provisioned(ctx, db)
    doc = pgbackups.capture(ctx.svc, app, addon, _attachment_name(ctx, addon))
    return _view(doc, False), 201


def _transfers(ctx: Ctx, app: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = ctx.svc.find_app(app)
    return doc, sorted(ctx.svc.store.list("transfer", doc["id"]), key=lambda t: t["num"])


def _transfer(ctx: Ctx, app: str, ident: str) -> dict[str, Any]:
    _, transfers = _transfers(ctx, app)
    text = ident.lower().lstrip("b") if ident.lower().startswith("b") else ident
    for t in transfers:
        if ident == t["uuid"] or (text.isdigit() and int(text) == t["num"]):
            return t
    raise not_found("transfer")


@routes.get(f"{PREFIX}/apps/<app>/transfers", kind="data")
def list_transfers(ctx: Ctx, app: str) -> Any:
    verbose = ctx.req.args.get("verbose") == "true"
    return [_view(t, verbose) for t in _transfers(ctx, app)[1]]


@routes.get(f"{PREFIX}/apps/<app>/transfers/<ident>", kind="data")
def transfer_info(ctx: Ctx, app: str, ident: str) -> Any:
    return _view(_transfer(ctx, app, ident), ctx.req.args.get("verbose") == "true")


@routes.post(f"{PREFIX}/apps/<app>/transfers/<ident>/actions/public-url", kind="data")
def public_url(ctx: Ctx, app: str, ident: str) -> Any:
    doc = _transfer(ctx, app, ident)
    if doc["to_type"] != "gof3r" or not doc["succeeded"]:
        raise ApiError(422, "invalid_params", f"{doc['name']} is not a completed backup.")
    expires = datetime.now(UTC) + timedelta(hours=1)
    return {"url": doc["to_url"], "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}


@routes.post(f"{PREFIX}/apps/<app>/transfers/<ident>/actions/cancel", kind="data")
def cancel(ctx: Ctx, app: str, ident: str) -> Any:
    return _view(pgbackups.cancel(ctx.svc, _transfer(ctx, app, ident)), False)


@routes.delete(f"{PREFIX}/apps/<app>/transfers/<ident>", kind="data")
def delete(ctx: Ctx, app: str, ident: str) -> Any:
    return _view(pgbackups.delete(ctx.svc, _transfer(ctx, app, ident)), False)


@routes.post(f"{PREFIX}/databases/<db>/restores", kind="data")
def restore(ctx: Ctx, db: str) -> Any:
    addon, app = _provisioned(ctx, db)
    url = ctx.body().get("backup_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid("backup_url is required (a backup's to_url or public URL)")
    doc = pgbackups.restore(ctx.svc, app, addon, _attachment_name(ctx, addon), url)
    return _view(doc, False), 201


# -- schedules ---------------------------------------------------------------------


@routes.get(f"{PREFIX}/databases/<db>/transfer-schedules", kind="data")
def list_schedules(ctx: Ctx, db: str) -> Any:
    addon = _database(ctx, db)
    return [public(s) for s in ctx.svc.store.list("transfer-schedule", addon["app"]["id"])
            if s["_addon_id"] == addon["id"]]  # fmt: skip


@routes.post(f"{PREFIX}/databases/<db>/transfer-schedules", kind="data")
def schedule(ctx: Ctx, db: str) -> Any:
    addon, app = _provisioned(ctx, db)
    body = ctx.body()
    try:
        hour = int(str(body.get("hour", "")).split(":")[0])
    except ValueError as exc:
        raise invalid("hour must be 0-23") from exc
    if not 0 <= hour <= 23:
        raise invalid("hour must be 0-23")
    tz = str(body.get("timezone") or "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"unknown timezone {tz}") from exc
    name = str(body.get("schedule_name") or f"{_attachment_name(ctx, addon)}_URL")
    sched = pgbackups.schedule(ctx.svc, app, addon, name, hour, tz)
    return public(sched), 201


@routes.delete(f"{PREFIX}/databases/<db>/transfer-schedules/<uuid>", kind="data")
def unschedule(ctx: Ctx, db: str, uuid: str) -> Any:
    return public(pgbackups.unschedule(ctx.svc, _database(ctx, db), uuid))
