"""The edge server: one https port; the Host names the distribution
(`d1a2b3.cloudfront.localhost` serves distribution `d1a2b3.cloudfront.net`)."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from localcloud.edge import viewer
from localcloud.edge.cache import EdgeCache, Entry, ttl_for
from localcloud.edge.certs import EdgeCertificates
from localcloud.edge.distributions import Distribution, Distributions
from localcloud.edge.origin import Origin, OriginResponse
from localcloud.settings import HOST

log = logging.getLogger("localcloud.edge")
HOST_SUFFIX = ".cloudfront.localhost"
POP = "LCL1-C1"


def _cloudfront_error(status: int, reason: str) -> Response:
    """CloudFront's own error page (not the origin's)."""
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n'
        f"<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n"
        f"<H1>{status} ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n"
        f'<HR noshade size="1px">\n{reason}\n</BODY></HTML>\n'
    )
    resp = Response(body, status, content_type="text/html")
    resp.headers["X-Cache"] = "Error from cloudfront"
    return resp


class Edge:
    def __init__(self, port: int, tls_dir: Path, s3: Any, cloudfront: Any) -> None:
        self.cache = EdgeCache()
        self.distributions = Distributions(cloudfront, self.cache.invalidate)
        self.origin = Origin(s3)
        self.certs = EdgeCertificates(tls_dir, HOST_SUFFIX)
        self.server: BaseWSGIServer = make_server(
            HOST, port, self, threaded=True, ssl_context=self.certs.context
        )
        self.server.daemon_threads = True
        self.port = port

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, name="edge", daemon=True).start()

    def shutdown(self) -> None:
        self.server.shutdown()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, req: Request) -> Response:
        host = req.host.split(":", 1)[0].lower()
        dist = (
            self.distributions.find(host.removesuffix(HOST_SUFFIX))
            if host.endswith(HOST_SUFFIX)
            else None
        )
        if dist is None or not dist.enabled:
            return _cloudfront_error(403, "Bad request: no distribution serves this host name.")
        if req.method not in ("GET", "HEAD"):
            return _cloudfront_error(
                403, "This distribution is not configured to allow the HTTP request method."
            )
        path = unquote(req.path)
        if path == "/" and dist.default_root_object:
            path = "/" + dist.default_root_object
        entry, hit = self._lookup(dist, path, req.headers.get("Range"))
        if isinstance(entry, OriginResponse):  # too big to cache: the origin's range, relayed
            return self._stream(dist, entry, req)
        if entry.status >= 400:
            entry = self._error_page(dist, entry)
        return self._finish(dist, entry, hit, req)

    def _lookup(self, dist: Distribution, path: str, range_header: str | None) -> tuple[Any, bool]:
        cached = self.cache.get(dist.id, path)
        if cached is not None:
            return cached, True
        key = "/".join(p for p in (dist.origin_path, path.lstrip("/")) if p)
        got = self.origin.get(dist, key, range_header)
        if got.stream is not None:
            return got, False
        entry = Entry(got.status, got.body, got.headers, expires=0.0)
        ttl = (
            ttl_for(got.headers.get("Cache-Control"), dist.ttls)
            if got.status < 400
            else dist.error_ttl(got.status)
        )
        self.cache.put(dist.id, path, entry, ttl)
        return entry, False

    def _error_page(self, dist: Distribution, entry: Entry) -> Entry:
        """A custom error response: the configured page and code instead of the origin's."""
        custom = dist.errors.get(entry.status)
        if custom is None:
            return entry
        status = custom.response_code or entry.status
        if not custom.page_path:
            return Entry(status, entry.body, entry.headers, entry.expires)
        page, _hit = self._lookup(dist, custom.page_path, None)
        if isinstance(page, OriginResponse) or page.status >= 400:
            return Entry(status, entry.body, entry.headers, entry.expires)
        return Entry(status, page.body, page.headers, page.expires)

    def _finish(self, dist: Distribution, entry: Entry, hit: bool, req: Request) -> Response:
        headers = dict(entry.headers)
        status, body = entry.status, entry.body
        if status == 200:
            headers["Accept-Ranges"] = "bytes"
            inm, ims = req.headers.get("If-None-Match"), req.headers.get("If-Modified-Since")
            if viewer.not_modified(headers, inm, ims):
                status, body = 304, b""
                headers.pop("Content-Type", None)
            else:
                wanted = viewer.byte_range(req.headers.get("Range"), len(body))
                if wanted is False:
                    status, body = 416, b""
                    headers["Content-Range"] = f"bytes */{len(entry.body)}"
                elif wanted:
                    first, last = wanted
                    status, body = 206, body[first : last + 1]
                    headers["Content-Range"] = f"bytes {first}-{last}/{len(entry.body)}"
        resp = Response(b"" if req.method == "HEAD" else body, status)
        resp.headers.clear()
        for name, value in headers.items():
            resp.headers[name] = value
        resp.headers["Content-Length"] = str(len(body))
        outcome = "Error" if entry.status >= 400 else ("Hit" if hit else "Miss")
        self._stamp(resp, dist, outcome)
        if hit:
            resp.headers["Age"] = str(int(time.monotonic() - entry.stored))
        return resp

    def _stream(self, dist: Distribution, got: OriginResponse, req: Request) -> Response:
        body = got.stream if req.method == "GET" else iter(())
        resp = Response(body, got.status, direct_passthrough=True)
        resp.headers.clear()
        for name, value in got.headers.items():
            resp.headers[name] = value
        resp.headers["Content-Length"] = str(got.size)
        resp.headers["Accept-Ranges"] = "bytes"
        self._stamp(resp, dist, "Miss")
        return resp

    @staticmethod
    def _stamp(resp: Response, dist: Distribution, outcome: str) -> None:
        resp.headers["X-Cache"] = f"{outcome} from cloudfront"
        resp.headers["Via"] = f"1.1 {secrets.token_hex(16)}.cloudfront.net (CloudFront)"
        resp.headers["X-Amz-Cf-Pop"] = POP
        resp.headers["X-Amz-Cf-Id"] = secrets.token_urlsafe(40)[:56]


def start_edge(svc: Any) -> Edge:
    """The edge on its port (taken from the router range once, kept in state, so a media
    domain given to an app stays valid across restarts), reading moto through the AWS proxy."""
    import boto3

    from localcloud.ports import next_router_port

    doc = svc.store.get("edge", "edge")
    if doc is None:
        doc = svc.store.put("edge", {"id": "edge", "port": next_router_port(svc)})
    settings = svc.settings
    clients = {
        name: boto3.client(
            name,
            endpoint_url=settings.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 (moto's test credentials)
        )
        for name in ("s3", "cloudfront")
    }
    edge = Edge(doc["port"], settings.home / "tls", clients["s3"], clients["cloudfront"])
    edge.start()
    settings.edge_port_file.write_text(str(edge.port))
    log.info("edge on https://*%s:%s", HOST_SUFFIX, edge.port)
    return edge
