"""A tiny local Sentry: the Web API endpoints the monitoring role uses, and the ingest
endpoints a DSN posts events to (envelope and store). Thread-safe, in memory.

    receiver = SentryReceiver(token="t0k", project_id="7", public_key="abc").start()
    receiver.dsn        # http://abc@127.0.0.1:<port>/7
    receiver.api_url    # http://127.0.0.1:<port>
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

RELEASES = re.compile(r"^/api/0/organizations/(?P<org>[^/]+)/releases/$")
RELEASE = re.compile(r"^/api/0/organizations/(?P<org>[^/]+)/releases/(?P<version>[^/]+)/$")
DEPLOYS = re.compile(r"^/api/0/organizations/(?P<org>[^/]+)/releases/(?P<version>[^/]+)/deploys/$")
INGEST = re.compile(r"^/api/(?P<project>\d+)/(?P<kind>envelope|store)/$")


def parse_envelope(raw: bytes) -> list[dict[str, Any]]:
    """The items of a Sentry envelope (header line, then item header + payload pairs)."""
    lines = raw.split(b"\n")
    items, i = [], 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        header = json.loads(lines[i])
        length = header.get("length")
        if length is not None:
            rest = b"\n".join(lines[i + 1 :])
            payload, rest = rest[:length], rest[length + 1 :]
            lines = lines[: i + 1] + rest.split(b"\n")
        else:
            payload = lines[i + 1] if i + 1 < len(lines) else b""
        i += 2
        try:
            body = json.loads(payload) if payload else {}
        except ValueError:
            body = {"raw": payload.decode(errors="replace")}
        items.append({"type": header.get("type"), "payload": body})
    return items


class SentryReceiver:
    """The server and what it received."""

    def __init__(
        self,
        token: str,
        project_id: str = "1",
        public_key: str = "publickey",
        org: str = "skillstream",
        project_slug: str = "skillstream-web",
    ) -> None:
        self.token, self.project_id, self.public_key = token, project_id, public_key
        self.org, self.project_slug = org, project_slug
        self.releases: dict[str, dict[str, Any]] = {}
        self.deploys: dict[str, list[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def dsn(self) -> str:
        return (
            f"http://{self.public_key}@127.0.0.1:{self.server.server_address[1]}/{self.project_id}"
        )

    def start(self) -> SentryReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    raw = gzip.decompress(raw)
                elif encoding == "deflate":
                    raw = zlib.decompress(raw)
                return raw

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {receiver.token}":
                    self._send(401, {"detail": "Invalid token"})
                    return False
                return True

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with receiver.lock:
                    receiver.requests.append(("GET", path))
                if not self._authorised():
                    return
                if m := RELEASE.match(path):
                    release = receiver.releases.get(unquote(m["version"]))
                    self._send(200, release) if release else self._send(404, {"detail": "x"})
                elif m := DEPLOYS.match(path):
                    version = unquote(m["version"])
                    if version not in receiver.releases:
                        self._send(404, {"detail": "Not found"})
                    else:
                        self._send(200, receiver.deploys.get(version, []))
                else:
                    self._send(404, {"detail": "Not found"})

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                with receiver.lock:
                    receiver.requests.append(("POST", path))
                if m := INGEST.match(path):
                    self._ingest(m["project"], m["kind"], parse_qs(parts.query))
                    return
                if not self._authorised():
                    return
                body = json.loads(self._body() or b"{}")
                if RELEASES.match(path):
                    self._create_release(body)
                elif m := DEPLOYS.match(path):
                    version = unquote(m["version"])
                    if version not in receiver.releases:
                        self._send(404, {"detail": "Not found"})
                        return
                    if not body.get("environment"):
                        self._send(400, {"environment": ["This field is required."]})
                        return
                    with receiver.lock:
                        deploys = receiver.deploys.setdefault(version, [])
                        deploy = {
                            "id": str(len(deploys) + 1),
                            "environment": body["environment"],
                            "name": body.get("name"),
                            "url": body.get("url"),
                        }
                        deploys.append(deploy)
                    self._send(201, deploy)
                else:
                    self._send(404, {"detail": "Not found"})

            def _create_release(self, body: dict[str, Any]) -> None:
                version, projects = body.get("version"), body.get("projects")
                if not version or not projects:
                    self._send(400, {"detail": "version and projects are required"})
                    return
                unknown = [p for p in projects if p != receiver.project_slug]
                if unknown:
                    self._send(400, {"projects": [f"Invalid project ids or slugs {unknown}"]})
                    return
                with receiver.lock:
                    existing = receiver.releases.get(version)
                    if existing:
                        self._send(208, existing)
                        return
                    release = {
                        "version": version,
                        "ref": body.get("ref"),
                        "url": body.get("url"),
                        "projects": [{"slug": p, "name": p} for p in projects],
                    }
                    receiver.releases[version] = release
                self._send(201, release)

            def _ingest(self, project: str, kind: str, query: dict[str, list[str]]) -> None:
                auth = self.headers.get("X-Sentry-Auth", "")
                key = query.get("sentry_key", [""])[0] or dict(
                    re.findall(r"(sentry_\w+)=([^,\s]+)", auth)
                ).get("sentry_key", "")
                if project != receiver.project_id or key != receiver.public_key:
                    self._send(403, {"detail": "bad DSN"})
                    return
                raw = self._body()
                items = (
                    parse_envelope(raw)
                    if kind == "envelope"
                    else [{"type": "event", "payload": json.loads(raw)}]
                )
                with receiver.lock:
                    receiver.events.extend(items)
                self._send(200, {"id": "0" * 32})

        return Handler
