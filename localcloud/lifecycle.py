"""What happens around the API: bringing apps back on start, and the ticker."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from localcloud import pgbackups, ports, provisioning, releases
from localcloud.ids import now

if TYPE_CHECKING:
    from localcloud.services import Services

log = logging.getLogger("localcloud.lifecycle")
TICK_SECONDS = 2.0


def _fail_interrupted(svc: Services) -> None:
    """Work that was running when the daemon stopped cannot finish: say so, as Heroku would."""
    stamp = now()
    for build in svc.store.list("build"):
        if build["status"] == "pending":
            build.update(status="failed", updated_at=stamp)
            svc.store.put("build", build, build["app"]["id"])
    for release in svc.store.list("release"):
        if release["status"] == "pending":
            release.update(status="failed", updated_at=stamp)
            svc.store.put("release", release, release["app"]["id"])
    for transfer in svc.store.list("transfer"):
        if not transfer["finished_at"]:
            transfer["logs"].append({"created_at": stamp, "message": "Interrupted by a restart"})
            transfer.update(succeeded=False, finished_at=stamp, updated_at=stamp)
            svc.store.put("transfer", transfer, transfer["app_uuid"])


def start(svc: Services) -> None:
    """Routers and log drains for every app, dynos on each current release, then the ticker."""
    _fail_interrupted(svc)
    provisioning.start_clusters(svc)
    for app in svc.store.list("app"):
        svc.routers.ensure(app["name"], app["_router_port"], ports.https_port(svc, app))
        drains = [d["url"] for d in svc.store.list("log-drain", app["id"])]
        if drains:
            svc.logs.set_drains(app["name"], drains)
        releases.redeploy(svc, app)
    provisioning.resume_pending(svc)
    threading.Thread(target=_tick_forever, args=(svc,), name="ticker", daemon=True).start()


def _tick_forever(svc: Services) -> None:
    while not svc.stopping.wait(TICK_SECONDS):
        try:
            pgbackups.run_due_schedules(svc)
        except Exception:  # the ticker must outlive one bad schedule
            log.exception("ticker failed")
