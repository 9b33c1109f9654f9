"""The control endpoint (not Heroku): health, status, faults, request counts, logs."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

from werkzeug.wrappers import Response

from localcloud import faults as faults_mod
from localcloud import ports
from localcloud.api.errors import ApiError
from localcloud.api.routing import routes
from localcloud.api.server import Ctx
from localcloud.records import public


@routes.get("/__localcloud/health", kind="control")
def health(ctx: Ctx) -> Any:
    return {"status": "ok"}


@routes.get("/__localcloud/status", kind="control")
def status(ctx: Ctx) -> Any:
    from localcloud import releases

    settings = ctx.svc.settings
    apps = []
    for app in ctx.svc.store.list("app"):
        current = releases.current(ctx.svc, app["id"])
        apps.append(
            {
                "name": app["name"],
                "web_url": app["web_url"],
                "router_port": app["_router_port"],
                "https_url": ports.https_url(app),
                "release": f"v{current['version']}" if current else None,
                "dynos": [
                    {"name": d.name, "state": d.state, "port": d.port, "pid": d.pid}
                    for d in ctx.svc.dynos.dynos(app["name"])
                ],
            }
        )
    return {
        "home": str(settings.home),
        "api_url": settings.api_url,
        "aws_endpoint": settings.aws_endpoint,
        "tls_cert": settings.env()["LOCALCLOUD_TLS_CERT"],
        "apps": apps,
    }


@routes.get("/__localcloud/faults", kind="control")
def list_faults(ctx: Ctx) -> Any:
    return ctx.svc.faults.list()


@routes.post("/__localcloud/faults", kind="control")
def add_fault(ctx: Ctx) -> Any:
    try:
        fault = faults_mod.validate(ctx.body())
    except faults_mod.FaultError as exc:
        raise ApiError(422, "invalid_params", str(exc)) from exc
    if fault["kind"] == "kill_dyno":
        app = ctx.svc.find_app(fault["app"])
        names = [d.name for d in ctx.svc.dynos.dynos(app["name"])]
        if fault["dyno"] not in names:
            raise ApiError(404, "not_found", f"No dyno {fault['dyno']} (running: {names})")
        ctx.svc.dynos.kill(app["name"], fault["dyno"])
        fault["count"] = 0
        fault["fired"] = 1
        return fault, 201
    return ctx.svc.faults.add(fault), 201


@routes.delete("/__localcloud/faults", kind="control")
def clear_faults(ctx: Ctx) -> Any:
    return {"cleared": ctx.svc.faults.clear()}


@routes.delete("/__localcloud/faults/<fault_id>", kind="control")
def clear_fault(ctx: Ctx, fault_id: str) -> Any:
    return {"cleared": ctx.svc.faults.clear(fault_id)}


@routes.get("/__localcloud/stats", kind="control")
def stats(ctx: Ctx) -> Any:
    return ctx.svc.application.stats.snapshot()


@routes.delete("/__localcloud/stats", kind="control")
def reset_stats(ctx: Ctx) -> Any:
    ctx.svc.application.stats.reset()
    return {"total": 0}


@routes.put("/__localcloud/rate-limit", kind="control")
def set_rate_limit(ctx: Ctx) -> Any:
    """Set the remaining API tokens (to exercise clients' handling of a low budget)."""
    remaining = ctx.body().get("remaining")
    if not isinstance(remaining, int):
        raise ApiError(422, "invalid_params", "remaining must be an integer")
    ctx.svc.application.rate.set_remaining(remaining)
    return {"remaining": ctx.svc.application.rate.remaining()}


@routes.get("/__localcloud/logs/<app>", kind="control")
def logs(ctx: Ctx, app: str) -> Any:
    """The app's last `lines` log lines; with `tail=true`, then every new line as it comes.

    Plain text, or server-sent events (one `data:` event per line) when the client asks for
    `text/event-stream`, as Heroku's CLI 11 reads a log session."""
    doc = ctx.svc.find_app(app)
    lines = int(ctx.req.args.get("lines", 100))
    hub = ctx.svc.logs
    events = "text/event-stream" in ctx.req.headers.get("Accept", "")
    kind = "text/event-stream" if events else "text/plain; charset=utf-8"

    def frame(line: str) -> bytes:
        return f"data: {line}\n\n".encode() if events else (line + "\n").encode()

    if ctx.req.args.get("tail") not in ("1", "true"):
        text = b"".join(frame(line) for line in hub.tail(doc["name"], lines))
        return Response(text, 200, content_type=kind)
    sub = hub.subscribe(doc["name"])

    def follow() -> Iterator[bytes]:
        try:
            for line in hub.tail(doc["name"], lines):
                yield frame(line)
            while not ctx.svc.stopping.is_set():
                try:
                    yield frame(sub.get(timeout=1.0))
                except queue.Empty:
                    continue
        finally:
            hub.unsubscribe(doc["name"], sub)

    return Response(follow(), 200, content_type=kind, direct_passthrough=True)


@routes.get("/__localcloud/apps/<app>/urls", kind="control")
def app_urls(ctx: Ctx, app: str) -> Any:
    """Where the router serves the app: over TLS (`web_url`), the http port that redirects
    there, and the CA to trust."""

    doc = ctx.svc.find_app(app)
    return {
        "http": ports.http_url(doc),
        "https": ports.https_url(doc),
        "tls_cert": ctx.svc.settings.env()["LOCALCLOUD_TLS_CERT"],
    }


@routes.get("/__localcloud/apps/<app>/state", kind="control")
def app_state(ctx: Ctx, app: str) -> Any:
    """The stored documents of one app, for debugging."""
    doc = ctx.svc.find_app(app)
    kinds = ("release", "build", "slug", "addon", "formation", "domain", "log-drain", "webhook")
    return {
        "app": public(doc),
        **{k: [public(d) for d in ctx.svc.store.list(k, doc["id"])] for k in kinds},
    }
