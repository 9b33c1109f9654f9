"""Everything the API handlers share: state, blobs, faults, logs, dynos, routers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from localcloud.blobs import BlobStore
from localcloud.errors import NotFound
from localcloud.faults import Faults
from localcloud.ids import is_uuid
from localcloud.settings import Settings
from localcloud.store import Store

log = logging.getLogger("localcloud")


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api_key = settings.api_key()
        self.store = Store(settings.db_path)
        self.faults = Faults()
        self.blobs = BlobStore(settings.blobs_dir, settings.api_url)
        self.maintenance: set[str] = {a["name"] for a in self.store.list("app") if a["maintenance"]}
        self.logs, self.dynos, self.routers = _runtime(settings, self.maintenance)
        from localcloud.oneoff import OneOffs

        self.oneoffs = OneOffs()
        self._app_locks: dict[str, threading.RLock] = {}
        self._locks_lock = threading.Lock()
        self._stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.mail: Any = None  # the email add-ons' SMTP server (localcloud.mail), set by the daemon

    # -- apps -------------------------------------------------------------

    def find_app(self, identity: str) -> dict[str, Any]:
        app = self.store.get("app", identity) if is_uuid(identity) else None
        if app is None:
            app = self.store.find("app", name=identity)
        if app is None:
            raise NotFound("app")
        return app

    def app_name_for(self, identity: str | None) -> str | None:
        if not identity:
            return None
        if not is_uuid(identity):
            return identity
        app = self.store.get("app", identity)
        return app["name"] if app else identity

    def app_lock(self, app_id: str) -> threading.RLock:
        """Serialises releases and formation changes of one app."""
        with self._locks_lock:
            return self._app_locks.setdefault(app_id, threading.RLock())

    # -- background work ----------------------------------------------------

    def spawn(self, name: str, target: Callable[..., None], *args: Any) -> threading.Thread:
        def run() -> None:
            try:
                target(*args)
            except Exception:
                log.exception("background task %s failed", name)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    def shutdown(self) -> None:
        self._stopping.set()
        from localcloud.pgclusters import stop_all as stop_clusters
        from localcloud.redisservers import stop_all as stop_redis_servers

        steps = (self.routers.shutdown, self.oneoffs.shutdown, self.dynos.shutdown,
                 stop_clusters, stop_redis_servers, self.logs.close)  # fmt: skip
        for step in steps:
            try:
                step()
            except Exception:
                log.exception("shutdown step failed")
        self.store.close()


def _runtime(settings: Settings, maintenance: set[str]) -> tuple[Any, Any, Any]:
    """The log hub, dyno manager and router pool. Apps in `maintenance` get no backends, so
    their router answers 503 at once."""
    from localcloud.runtime.dynos import DynoManager
    from localcloud.runtime.logs import LogHub
    from localcloud.runtime.router import RouterPool

    logs = LogHub(settings.home)
    dynos = DynoManager(settings.home, logs)

    def backends(app_name: str) -> list[tuple[str, int]]:
        return [] if app_name in maintenance else dynos.web_backends(app_name)

    def state(app_name: str) -> str:
        return "none" if app_name in maintenance else dynos.web_state(app_name)

    routers = RouterPool(logs, backends, state, tls_dir=settings.home / "tls", redirect_http=True)
    return logs, dynos, routers
