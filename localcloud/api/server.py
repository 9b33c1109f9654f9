"""The WSGI application: routing plus Heroku's conventions around every handler."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from localcloud.api import conventions
from localcloud.api.errors import ApiError, from_domain
from localcloud.api.routing import Route, routes
from localcloud.errors import DomainError

if TYPE_CHECKING:
    from localcloud.services import Services

log = logging.getLogger("localcloud.api")
JSON_TYPE = "application/json; charset=utf-8"


class Ctx:
    """What a handler gets: the services, the request and its parsed body."""

    def __init__(self, svc: Services, req: Request, route: Route) -> None:
        self.svc = svc
        self.req = req
        self.route = route
        self.request_id = str(uuid.uuid4())
        self.variant = "3"

    def body(self) -> dict[str, Any]:
        raw = self.req.get_data()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "bad_request", f"Invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "bad_request", "Request body must be a JSON object.")
        return data

    @property
    def base_url(self) -> str:
        return self.svc.settings.api_url


class Stats:
    """Requests counted per app and per method + path template (benchmarks read this)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.total = 0  # Heroku API requests (Platform + data API)
            self.other = 0  # blob uploads/downloads and log streams (S3-like, not the API)
            self.by_path: Counter[str] = Counter()
            self.by_app: Counter[str] = Counter()
            self.by_app_path: defaultdict[str, Counter[str]] = defaultdict(Counter)
            self.by_status: Counter[str] = Counter()

    def count(self, app: str | None, key: str, status: int, api: bool = True) -> None:
        with self._lock:
            if api:
                self.total += 1
            else:
                self.other += 1
            self.by_path[key] += 1
            self.by_status[str(status)] += 1
            if app:
                self.by_app[app] += 1
                self.by_app_path[app][key] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self.total,
                "other": self.other,
                "by_status": dict(self.by_status),
                "by_path": dict(self.by_path),
                "by_app": dict(self.by_app),
                "by_app_path": {a: dict(c) for a, c in self.by_app_path.items()},
            }


class DropConnection(ConnectionResetError):
    """Raised after closing the socket: werkzeug treats it as a dropped connection."""


class Application:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.url_map = routes.url_map()
        self.stats = Stats()
        self.rate = conventions.RateLimiter()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        try:
            response = self.dispatch(req)
        except DropConnection:
            raise
        return response(environ, start_response)

    def _apply_fault(self, req: Request) -> Response | None:
        fault = self.svc.faults.take_request("api", req.method, req.path)
        if not fault:
            return None
        req.get_data()  # consume the body first: clients sending Expect: 100-continue wait
        if fault["kind"] == "hang":
            time.sleep(float(fault["seconds"]))
            return None
        if fault["kind"] == "drop":
            if fault.get("after"):
                req.environ["localcloud.drop_after"] = True  # dispatch drops after applying
                return None
            self._drop(req)
        status = int(fault["status"])
        error_id = {429: "rate_limit", 503: "service_unavailable"}.get(status, "internal_error")
        err = ApiError(
            status, fault.get("error_id", error_id), fault.get("message", "Injected fault.")
        )
        resp = self._json(err.body(), status)
        if status in (429, 503) or "retry_after" in fault:
            resp.headers["Retry-After"] = str(fault.get("retry_after", 1))
        if status == 429:
            resp.headers["RateLimit-Remaining"] = "0"
        return resp

    @staticmethod
    def _drop(req: Request) -> None:
        sock = req.environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise DropConnection("connection dropped by a localcloud fault")

    def dispatch(self, req: Request) -> Response:
        adapter = self.url_map.bind_to_environ(req.environ)
        request_id = req.headers.get("Request-Id") or str(uuid.uuid4())
        route: Route | None = None
        app_name: str | None = None
        status = 500
        try:
            try:
                endpoint, params = adapter.match()
            except NotFound as exc:
                raise ApiError(
                    404, "not_found", "The requested API endpoint was not found."
                ) from exc
            except MethodNotAllowed as exc:
                raise ApiError(405, "method_not_allowed", "Method not allowed.") from exc
            route = routes.routes[endpoint]
            app_name = params.get("app")
            if route.kind != "control":
                faulted = self._apply_fault(req)
                if faulted is not None:
                    status = faulted.status_code
                    faulted.headers["Request-Id"] = request_id
                    return faulted
            ctx = Ctx(self.svc, req, route)
            ctx.request_id = request_id
            remaining: int | None = None
            if route.kind in ("platform", "data"):
                conventions.check_accept(req.headers.get("Accept"))
                if "3.sdk" in req.headers.get("Accept", ""):
                    ctx.variant = "3.sdk"
                conventions.check_auth(req.headers.get("Authorization"), self.svc.api_key)
                if req.path == "/account/rate-limits":
                    remaining = self.rate.remaining()
                else:
                    remaining = self.rate.take()
            try:
                result = route.handler(ctx, **params)
            except DomainError as err:
                raise from_domain(err) from err
            response = self._to_response(ctx, req, route, result)
            if remaining is not None:
                response.headers["RateLimit-Remaining"] = str(remaining)
            status = response.status_code
            if req.environ.get("localcloud.drop_after"):
                self._drop(req)  # applied: the client never hears so
        except ApiError as err:
            response = self._json(err.body(), err.status)
            if err.status == 429:
                response.headers["RateLimit-Remaining"] = "0"
                response.headers["Retry-After"] = "60"
            status = err.status
        except DropConnection:
            status = 0
            raise
        except Exception:  # an unexpected bug answers like Heroku's internal_error
            log.exception("unhandled error on %s %s", req.method, req.path)
            response = self._json(
                {"id": "internal_error", "message": "Internal server error."}, 500
            )
            status = 500
        finally:
            if route is None or route.kind != "control":
                key = f"{req.method} {route.template if route else req.path}"
                api = route is None or route.kind in ("platform", "data")
                self.stats.count(self.svc.app_name_for(app_name), key, status, api)
        response.headers["Request-Id"] = request_id
        return response

    def _json(self, body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body, separators=(",", ":")), status, content_type=JSON_TYPE)

    def _to_response(self, ctx: Ctx, req: Request, route: Route, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        status = 200
        if isinstance(result, tuple):
            result, status = result
        next_range = None
        if isinstance(result, list) and req.method == "GET" and route.kind == "platform":
            result, next_range = conventions.paginate(
                result, req.headers.get("Range"), route.ranges
            )
            if next_range:
                status = 206
        response = self._json(result, status)
        if next_range:
            response.headers["Next-Range"] = next_range
        tag = conventions.etag(response.get_data())
        response.headers["ETag"] = tag
        if req.method == "GET" and status == 200 and tag in req.headers.get("If-None-Match", ""):
            not_modified = Response(status=304)
            not_modified.headers["ETag"] = tag
            return not_modified
        return response
