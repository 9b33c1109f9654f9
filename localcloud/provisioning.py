"""Add-on lifecycle: asynchronous provisioning onto real services, and deprovisioning."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from localcloud import addons as backing
from localcloud import catalog, pgclusters, redisservers, releases
from localcloud.ids import now
from localcloud.mail import backing as mail_backing

if TYPE_CHECKING:
    from localcloud.services import Services

log = logging.getLogger("localcloud.provisioning")
DEFAULT_DELAY = 0.5  # seconds: provisioning is asynchronous even when it is quick


def provision(svc: Services, addon_id: str) -> None:
    """Create the backing service, set the config var, mark the add-on provisioned."""
    addon = svc.store.get("addon", addon_id)
    if addon is None:
        return
    fault = svc.faults.take_event("provision_delay", addon["app"]["name"])
    delay = float(fault["seconds"]) if fault else DEFAULT_DELAY
    if svc.stopping.wait(delay):
        return  # shutting down: the next start resumes it
    service = addon["addon_service"]["name"]
    kind = catalog.SERVICES[service]["backing"]
    try:
        failure = svc.faults.take_event("provision_fail", addon["app"]["name"])
        if failure:
            raise backing.BackingError(failure.get("message") or "the provider refused the plan")
        if kind == "postgres":
            made = _postgres(svc, addon)
        elif kind == "mail":
            made = mail_backing.create(svc, addon)
        else:
            made = redisservers.create(svc.settings.home, addon["id"])
    except (backing.BackingError, pgclusters.ClusterError, redisservers.RedisServerError) as exc:
        # As Heroku reports a failed provisioning: the add-on ends deprovisioned, saying why.
        log.error("provisioning %s failed: %s", addon["name"], exc)
        addon["state"] = "deprovisioned"
        addon["provision_message"] = f"Provisioning failed: {exc}"
        addon["updated_at"] = now()
        svc.store.put("addon", addon, addon["app"]["id"])
        for att in svc.store.list("addon-attachment", addon["app"]["id"]):
            if att["addon"]["id"] == addon["id"]:
                svc.store.delete("addon-attachment", att["id"])
        return
    app = svc.store.get("app", addon["app"]["id"])
    addon = svc.store.get("addon", addon_id)
    if app is None or addon is None:  # deleted meanwhile
        backing.destroy_backing({"_backing": made})
        return
    # The config var release comes first, then the add-on says "provisioned": a client that
    # waits for provisioned (as Heroku's CLI does) must find the release already there.
    with svc.app_lock(app["id"]):
        values = releases.config_vars(svc, app["id"])
        for var in addon["config_vars"]:
            values[var] = mail_backing.value_for(made, var)
        releases.save_config(svc, app["id"], values)
        names = ", ".join(addon["config_vars"])
        releases.create(svc, app, f"Attach {names.removesuffix('_URL')} (@ref:{addon['name']})",
                        config=values)  # fmt: skip
        addon["_backing"] = made
        addon["state"] = "provisioned"
        addon["provision_message"] = "Provisioned"
        addon["updated_at"] = now()
        svc.store.put("addon", addon, app["id"])
    svc.logs.emit(app["name"], "heroku", "api", f"Provisioned {addon['name']}")
    if made.get("type") == "postgres-cluster" and not made.get("rollback_since"):
        svc.spawn(f"base-backup-{addon_id}", first_base_backup, svc, addon_id)


def first_base_backup(svc: Services, addon_id: str) -> None:
    """A rollback or fork serves first; its own base backup, where its rollback window starts,
    follows (on Heroku too, rollback is available on a new fork only after a while)."""
    addon = svc.store.get("addon", addon_id)
    if addon is None:
        return
    made = dict(addon["_backing"])
    try:
        pgclusters.base_backup(made)
    except pgclusters.ClusterError as exc:
        log.error("base backup of %s failed: %s", addon["name"], exc)
        return
    with svc.app_lock(addon["app"]["id"]):
        fresh = svc.store.get("addon", addon_id)
        if fresh is not None:
            fresh["_backing"]["rollback_since"] = made["rollback_since"]
            svc.store.put("addon", fresh, fresh["app"]["id"])


def _postgres(svc: Services, addon: dict[str, Any]) -> dict[str, Any]:
    """Essential plans: a database on the shared server. Plans with continuous protection: a
    cluster of its own, new or recovered from another's archive (rollback, fork)."""
    if not catalog.rollback_days(addon["plan"]["name"]):
        return backing.create_postgres()
    root = pgclusters.root_for(svc.settings.home)
    recovery = addon.get("_recovery")
    if recovery is None:
        return pgclusters.create(root, addon["id"])
    source = svc.store.get("addon", recovery["source"])
    if source is None or (source.get("_backing") or {}).get("type") != "postgres-cluster":
        raise pgclusters.ClusterError(f"the database to {recovery['mode']} from is gone")
    target = datetime.fromisoformat(recovery["to"]) if recovery["to"] else None
    return pgclusters.recover(root, addon["id"], source["_backing"], target)


def start_clusters(svc: Services) -> None:
    """At start-up: the servers of provisioned add-ons (Postgres clusters, Redis servers),
    before their apps' dynos come back."""
    starters = {"postgres-cluster": pgclusters.start, "redis-server": redisservers.start}
    for addon in svc.store.list("addon"):
        made = addon.get("_backing") or {}
        start = starters.get(made.get("type"))
        if start is None:
            continue
        try:
            start(made)
        except (pgclusters.ClusterError, redisservers.RedisServerError) as exc:
            log.error("the server of %s did not start: %s", addon["name"], exc)
            continue
        if made["type"] == "postgres-cluster" and not made.get("rollback_since"):
            svc.spawn(f"base-backup-{addon['id']}", first_base_backup, svc, addon["id"])


def deprovision(svc: Services, app: dict[str, Any], addon: dict[str, Any]) -> None:
    """Remove config vars (a release), drop the backing service, forget the add-on."""
    with svc.app_lock(app["id"]):
        values = releases.config_vars(svc, app["id"])
        attachments = svc.store.list("addon-attachment", app["id"])
        mine = [f"{a['name']}_URL" for a in attachments if a["addon"]["id"] == addon["id"]]
        # A name promoted to another add-on since (DATABASE after pg:promote) is theirs now.
        theirs = {f"{a['name']}_URL" for a in attachments if a["addon"]["id"] != addon["id"]}
        removed = [v for v in dict.fromkeys(addon["config_vars"] + mine)
                   if v in values and v not in theirs]  # fmt: skip
        for var in removed:
            del values[var]
        if removed:
            releases.save_config(svc, app["id"], values)
            label = ", ".join(removed).removesuffix("_URL")
            releases.create(svc, app, f"Detach {label} (@ref:{addon['name']})", config=values)
        for att in svc.store.list("addon-attachment", app["id"]):
            if att["addon"]["id"] == addon["id"]:
                svc.store.delete("addon-attachment", att["id"])
        svc.store.delete("addon", addon["id"])
    backing.destroy_backing(addon)
    mail_backing.destroy(svc, addon)


def resume_pending(svc: Services) -> None:
    """After a restart, finish add-ons that were still provisioning."""
    for addon in svc.store.list("addon"):
        if addon["state"] == "provisioning":
            svc.spawn(f"provision-{addon['id']}", provision, svc, addon["id"])
