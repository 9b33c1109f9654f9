"""Rollback and fork requests: which database, to which time, and whether that time is inside
the source's rollback window. Checked when the add-on is created (the POST answers 422), as
Heroku does; the recovery itself runs during provisioning (pgclusters.recover)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from localcloud import catalog

if TYPE_CHECKING:
    from localcloud.services import Services

TIERS = "Standard, Premium, Private or Shield"
BY_RE = re.compile(r"(\d+)\s*(day|hour|minute)s?", re.IGNORECASE)


class RollbackRefused(ValueError):
    """A rollback or fork that cannot be made; the message is what the API answers."""


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def window(addon: dict[str, Any], at: datetime | None = None) -> tuple[datetime, datetime] | None:
    """(earliest, latest) time a rollback of this add-on can reach, or None without rollback:
    the plan's days back, never before its first base backup."""
    days = catalog.rollback_days(addon["plan"]["name"])
    since = (addon.get("_backing") or {}).get("rollback_since")
    if not days or not since:
        return None
    latest = at or datetime.now(UTC)
    return max(datetime.fromisoformat(since), latest - timedelta(days=days)), latest


def _find_source(svc: Services, app: dict[str, Any], ident: str) -> dict[str, Any]:
    """The database named as Heroku's CLI takes it: a config var or attachment of this app,
    `app::CONFIG_VAR`, an add-on name or id, or the database's URL."""
    owner, _, name = ident.rpartition("::")
    scope = svc.find_app(owner) if owner else app
    wanted = name.upper().removesuffix("_URL")
    for att in svc.store.list("addon-attachment", scope["id"]):
        if att["name"] == wanted:
            found = svc.store.get("addon", att["addon"]["id"])
            if found:
                return found
    for addon in svc.store.list("addon"):
        if ident in (addon["id"], addon["name"], (addon.get("_backing") or {}).get("url")):
            return addon
    raise RollbackRefused(
        f"Couldn't find a database {ident!r} to roll back or fork on {app['name']}."
    )


def _target(config: dict[str, Any]) -> datetime:
    """`to` (a timestamp; UTC when it names no zone) or `by` ("3 days 7 hours" back)."""
    if config.get("to"):
        text = str(config["to"]).strip()
        try:
            moment = datetime.fromisoformat(text.replace(" UTC", "+00:00"))
        except ValueError:
            raise RollbackRefused(
                f"Invalid rollback time {text!r}: use a timestamp such as '2026-12-01 14:04+00'."
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if config.get("by"):
        parts = BY_RE.findall(str(config["by"]))
        if not parts:
            raise RollbackRefused(
                f"Invalid rollback interval {config['by']!r}: use '3 days 7 hours'."
            )
        units = {"day": "days", "hour": "hours", "minute": "minutes"}
        back = timedelta(**{units[u.lower()]: int(n) for n, u in parts})
        return datetime.now(UTC) - back
    raise RollbackRefused(
        "A rollback needs a time: give --to '2026-12-01 14:04+00' or --by '3 hours'."
    )


def plan_request(
    svc: Services, app: dict[str, Any], plan: str, config: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The recovery a new add-on asks for in its config (`rollback` + `to`/`by`, or `fork`),
    checked; None when it asks for none. Raises RollbackRefused with Heroku-like wording."""
    config = config or {}
    mode = next((m for m in ("rollback", "fork") if config.get(m)), None)
    if mode is None:
        return None
    if not catalog.rollback_days(plan):
        raise RollbackRefused(
            f"The {plan} plan does not support {mode}: {mode}s need a {TIERS} plan."
        )
    source = _find_source(svc, app, str(config[mode]))
    source_plan = source["plan"]["name"]
    if not catalog.rollback_days(source_plan):
        raise RollbackRefused(
            f"{source['name']} is on the {source_plan} plan, which has no continuous protection: "
            f"{mode} is only available for {TIERS} databases."
        )
    span = window(source)
    if source["state"] != "provisioned":
        raise RollbackRefused(f"{source['name']} is not available yet; try again once it is.")
    if span is None and (source.get("_backing") or {}).get("type") == "postgres-cluster":
        raise RollbackRefused(
            f"Rollback is not available on {source['name']} yet: it was just created from "
            "another database's archive and its first backup is still being taken."
        )
    if span is None:  # a plan changed in place from an Essential one keeps the shared server
        raise RollbackRefused(
            f"{source['name']} keeps no continuous archive in localcloud (its plan was changed "
            f"in place to {source_plan}); provision a new {source_plan} database for rollback."
        )
    target = None
    if mode == "rollback":
        target = _target(config)
        earliest, latest = span
        if target > latest:
            raise RollbackRefused(
                f"Rollback time {_fmt(target)} is in the future: {source['name']} can be rolled "
                f"back to a time from {_fmt(earliest)} until now."
            )
        if target < earliest:
            raise RollbackRefused(
                f"Rollback time {_fmt(target)} is outside the rollback window of "
                f"{source['name']}: rollback is available from {_fmt(earliest)} until now "
                f"({catalog.rollback_days(source_plan)} days on {source_plan}, never before "
                "the database existed)."
            )
    return {"mode": mode, "source": source["id"], "to": target.isoformat() if target else None}
