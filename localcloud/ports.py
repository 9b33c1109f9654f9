"""The local ports localcloud hands out from its router base: each app's http and https router
ports (kept for the app's life), the edge's and the mail server's."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from localcloud.errors import DomainError

if TYPE_CHECKING:
    from localcloud.services import Services


class NoFreePort(DomainError):
    error_id = "service_unavailable"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def next_router_port(svc: Services) -> int:
    """The next port from the base that nothing else holds."""
    base = svc.settings.router_base_port
    for _ in range(200):
        port = base + svc.store.next_value("router_offset", start=0)
        if _port_free(port):
            return port
    raise NoFreePort(f"No free router port above {base}.")


def https_port(svc: Services, app: dict[str, Any]) -> int:
    """The app's https router port, allocated beside the http one and kept for the app's
    life; an app made before localcloud served https gets one here (on the next start)."""
    if not app.get("_router_https_port"):
        app["_router_https_port"] = next_router_port(svc)
        svc.store.put("app", app, app["id"])
    if app["web_url"] != https_url(app):  # an app made when web_url was still http
        app["web_url"] = https_url(app)
        svc.store.put("app", app, app["id"])
    return app["_router_https_port"]


def https_url(app: dict[str, Any]) -> str | None:
    """Where the router serves the app over TLS: its `web_url`, as on Heroku."""
    port = app.get("_router_https_port")
    return f"https://127.0.0.1:{port}/" if port else None


def http_url(app: dict[str, Any]) -> str:
    """The app's plain-http port, which only redirects to `https_url`."""
    return f"http://127.0.0.1:{app['_router_port']}/"
