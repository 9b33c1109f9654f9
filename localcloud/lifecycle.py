"""What happens around the API: bringing apps back on start, and the ticker."""

from __future__ import annotations

import logging
import threading

from localcloud.services import Services

log = logging.getLogger("localcloud.lifecycle")


def start(svc: Services) -> None:
    """Routers and dynos back on each app's current release, then the ticker."""
    for app in svc.store.list("app"):
        svc.routers.ensure(app["name"], app["_router_port"])
    threading.Thread(target=_tick_forever, args=(svc,), name="ticker", daemon=True).start()


def _tick_forever(svc: Services) -> None:
    while not svc.stopping.wait(2.0):
        pass
