"""The router: one HTTP reverse proxy per app, balancing over its web dynos like Heroku's.

Each app listens on its own loopback port (its `web_url`) and, given an https port, on a
second one that terminates TLS as Heroku's router does (`X-Forwarded-Proto: https`). A
request goes round-robin to a web dyno that is up, with Heroku's forwarding headers;
bodies stream both ways. Errors
answer 503 with Heroku's error codes in the router log line: H12 after 30 s without a
response, H14 when no web dyno runs, H10 when dynos refuse connections, H20 when they do
not boot in time.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import logging
import re
import selectors
import socket
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errorpages import ERROR_PAGE, ERRORS, MAINTENANCE_PAGE, STATE_ERRORS
from .logs import LogHub
from .tls import server_context

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0  # Heroku: the first response byte must come within 30 s (H12)
ROLLING_TIMEOUT = 55.0  # then each later byte within 55 s
CLIENT_IDLE = 90.0  # keep-alive connections idle longer are closed
REPLAY_LIMIT = 1 << 20  # bodies up to this size are buffered, so a refused try can retry
CHUNK = 64 * 1024
POOL_IDLE = 1.0  # seconds a kept-alive dyno connection may wait in the pool
HANDSHAKE_TIMEOUT = 10.0  # a client that never finishes its TLS handshake is dropped
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "expect",
    }
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9+=/\-_.]{20,200}$")
_NO_BODY = {204, 304}
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class _RouterError(Exception):
    def __init__(self, code: str, dyno: str = "", connect: str = "", service: str = "") -> None:
        super().__init__(code)
        self.code, self.dyno, self.connect, self.service = code, dyno, connect, service


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self, pool: RouterPool, app_name: str, port: int, tls: ssl.SSLContext | None = None
    ) -> None:
        self.pool = pool
        self.app_name = app_name
        self.tls = tls
        self.proto = "https" if tls else "http"
        self.turn = itertools.count()
        self.idle: dict[int, list[tuple[http.client.HTTPConnection, float]]] = {}
        self.idle_lock = threading.Lock()
        self.clients: set[socket.socket] = set()
        self.known_ports: frozenset[int] = frozenset()
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = super().get_request()
        with self.idle_lock:
            self.clients.add(sock)
        return sock, addr

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:
        if self.tls is not None:
            # The handshake runs in the request's own thread: a slow client never holds up
            # the accept loop.
            try:
                request.settimeout(HANDSHAKE_TIMEOUT)
                secure = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ValueError):
                self.shutdown_request(request)
                return
            with self.idle_lock:
                self.clients.discard(request)
                self.clients.add(secure)
            request = secure
        super().process_request_thread(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self.idle_lock:
            self.clients.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-request is routine for a router, not a traceback.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            log.exception("router for %s: request from %s failed", self.app_name, client_address)

    def forget_others(self, backends: list[tuple[str, int]]) -> None:
        """Close kept-alive connections to dynos that left the rotation (a release)."""
        ports = frozenset(port for _name, port in backends)
        if ports == self.known_ports:
            return
        with self.idle_lock:
            self.known_ports = ports
            gone = [p for p in self.idle if p not in ports]
            stale = [conn for p in gone for conn, _since in self.idle.pop(p)]
        for conn in stale:
            conn.close()

    def checkout(self, port: int) -> http.client.HTTPConnection | None:
        """A kept-alive connection to the dyno, unless it idled long enough for the dyno
        to have closed it (gunicorn's keep-alive is 2 s by default)."""
        stale: list[http.client.HTTPConnection] = []
        found = None
        now = time.monotonic()
        with self.idle_lock:
            conns = self.idle.get(port)
            while conns:
                conn, since = conns.pop()
                if now - since < POOL_IDLE:
                    found = conn
                    break
                stale.append(conn)
        for conn in stale:
            conn.close()
        return found

    def checkin(self, port: int, conn: http.client.HTTPConnection) -> None:
        with self.idle_lock:
            conns = self.idle.setdefault(port, [])
            if len(conns) < 64:
                conns.append((conn, time.monotonic()))
                return
        conn.close()

    def close_all(self) -> None:
        self.shutdown()
        self.server_close()
        with self.idle_lock:
            for conns in self.idle.values():
                for conn, _since in conns:
                    conn.close()
            self.idle.clear()
            clients, self.clients = list(self.clients), set()
        for sock in clients:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "localcloud-router"
    timeout = CLIENT_IDLE
    disable_nagle_algorithm = True
    server: _AppServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # the router's own log line goes to the LogHub

    def handle_expect_100(self) -> bool:
        # Answer 100-continue ourselves; the dyno gets the body without the Expect dance.
        self.send_response_only(100)
        self.end_headers()
        return True

    def do_GET(self) -> None:
        if self.server.tls is None and self.server.pool.redirect_http:
            self._redirect_to_https()
            return
        self._proxy()

    def _redirect_to_https(self) -> None:
        """http is only a way in to https, as on herokuapp.com (the dyno never sees it)."""
        https_port = self.server.pool.https_port(self.server.app_name)
        host = (self.headers.get("Host") or "127.0.0.1").rsplit(":", 1)[0]
        if https_port is None or self.headers.get("Upgrade"):
            self._proxy()
            return
        if self.headers.get("Content-Length") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # the body stays unread: no reuse of this connection
        self.send_response(308)
        self.send_header("Location", f"https://{host}:{https_port}{self.path}")
        self.send_header("Content-Length", "0")
        self.send_header("Via", "1.1 vegur")
        self.end_headers()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # -- the request ----------------------------------------------------------------------
    def _proxy(self) -> None:
        started = time.monotonic()
        deadline = started + REQUEST_TIMEOUT
        incoming_id = self.headers.get("X-Request-Id", "")
        request_id = incoming_id if _REQUEST_ID.match(incoming_id) else str(uuid.uuid4())
        fwd = self.headers.get("X-Forwarded-For")
        client_ip = self.client_address[0]
        fwd = f"{fwd}, {client_ip}" if fwd else client_ip
        headers = [
            (k, v)
            for k, v in self.headers.items()
            if k.lower() not in _HOP_BY_HOP
            and k.lower()
            not in (
                "x-forwarded-for",
                "x-forwarded-proto",
                "x-forwarded-port",
                "x-request-id",
                "x-request-start",
                "content-length",
            )
        ]
        headers += [
            ("X-Forwarded-For", fwd),
            ("X-Forwarded-Proto", self.server.proto),
            ("X-Forwarded-Port", str(self.server.server_address[1])),
            ("X-Request-Id", request_id),
            ("X-Request-Start", str(int(time.time() * 1000))),
            ("Via", "1.1 vegur"),
        ]
        upgrade = self.headers.get("Upgrade")
        if upgrade and "upgrade" in self.headers.get("Connection", "").lower():
            try:
                self._tunnel(
                    [*headers, ("Upgrade", upgrade), ("Connection", "Upgrade")],
                    request_id,
                    fwd,
                    started,
                    deadline,
                )
            except _RouterError as err:
                self._fail(err, request_id, fwd, started)
            return
        headers.append(("Connection", "keep-alive"))
        body = self._body_source()
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        sent_bytes = 0
        dyno = ""
        connect_ms = 0
        status = 0
        try:
            dyno, port, conn, resp, connect_ms = self._forward(headers, body, deadline)
            status = resp.status
            sent_bytes = self._relay(resp, port, conn, dyno)
            self._log(
                "at=info",
                request_id,
                fwd,
                dyno,
                connect_ms,
                _ms(time.monotonic() - started) - connect_ms,
                status,
                sent_bytes,
            )
        except _RouterError as err:
            self._fail(err, request_id, fwd, started)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self._log(
                'at=error code=H27 desc="Client Request Interrupted"',
                request_id,
                fwd,
                dyno,
                connect_ms,
                _ms(time.monotonic() - started) - connect_ms,
                status or 499,
                sent_bytes,
            )

    def _tunnel(
        self,
        headers: list[tuple[str, str]],
        request_id: str,
        fwd: str,
        started: float,
        deadline: float,
    ) -> None:
        """An `Upgrade` request (WebSocket): after the dyno's 101, relay raw bytes both ways
        until either side closes or nothing moves for 55 s, as Heroku's router does."""
        self.close_connection = True
        failed: set[int] = set()
        for _attempt in range(2):
            dyno, port = self._pick(deadline, failed)
            connect_start = time.monotonic()
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                failed.add(port)
        else:
            raise _RouterError("H10", dyno)
        connect_ms = _ms(time.monotonic() - connect_start)
        with upstream:
            head = [f"{self.command} {self.path} HTTP/1.1\r\n"]
            head += [f"{key}: {value}\r\n" for key, value in headers]
            upstream.sendall("".join(head).encode("latin-1") + b"\r\n")
            upstream.settimeout(max(0.1, deadline - time.monotonic()))
            reply = b""
            try:
                while b"\r\n\r\n" not in reply:
                    data = upstream.recv(CHUNK)
                    if not data:
                        raise _RouterError("H13", dyno)
                    reply += data
            except TimeoutError as exc:
                raise _RouterError("H12", dyno) from exc
            status_line = reply.split(b"\r\n", 1)[0].split()
            status = int(status_line[1]) if len(status_line) > 1 else 502
            self.wfile.write(reply)
            self._log(
                "at=info",
                request_id,
                fwd,
                dyno,
                connect_ms,
                _ms(time.monotonic() - started) - connect_ms,
                status,
                0,
            )
            if status == 101:
                _pipe(self.connection, upstream, ROLLING_TIMEOUT)

    def _body_source(self) -> bytes | _Streamed | None:
        """The request body: bytes when small enough to replay, else a one-shot stream."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return _Streamed(self.rfile, None)
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0:
            return None
        if length <= REPLAY_LIMIT:
            return self.rfile.read(length)
        return _Streamed(self.rfile, length)

    def _forward(
        self, headers: list[tuple[str, str]], body: bytes | _Streamed | None, deadline: float
    ) -> tuple[str, int, http.client.HTTPConnection, http.client.HTTPResponse, int]:
        """Send the request to a dyno; retry once on a refused connection (another dyno)."""
        failed: set[int] = set()
        tried_dyno = ""
        idempotent = self.command in _IDEMPOTENT
        for attempt in range(2):
            dyno, port = self._pick(deadline, failed)
            tried_dyno = dyno
            connect_start = time.monotonic()
            connect_ms = 0
            # A body that cannot be replayed never risks a pooled connection gone stale.
            conn = None if isinstance(body, _Streamed) else self.server.checkout(port)
            reused = conn is not None
            try:
                if conn is None:
                    conn = _connect(port, max(0.1, deadline - time.monotonic()))
                else:
                    conn.sock.settimeout(max(0.1, deadline - time.monotonic()))
                connect_ms = _ms(time.monotonic() - connect_start)
                self._send(conn, headers, body)
                sock = conn.sock  # getresponse() drops it from conn when the dyno will close
                resp = conn.getresponse()
                sock.settimeout(ROLLING_TIMEOUT)  # after the first byte: a rolling window
                return dyno, port, conn, resp, connect_ms
            except TimeoutError as exc:
                if conn is not None:
                    conn.close()
                raise _RouterError(
                    "H12", dyno, f"{connect_ms}ms", f"{_ms(REQUEST_TIMEOUT)}ms"
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                if conn is not None:
                    conn.close()
                replayable = not isinstance(body, _Streamed) or not body.started
                refused = isinstance(exc, ConnectionRefusedError)
                if reused and replayable and not refused:
                    continue  # a keep-alive connection the dyno had closed: just reconnect
                # A reset may come after the dyno read the request: only idempotent
                # requests are sent again; a refused connection never reached the app.
                if not replayable or attempt == 1 or not (refused or idempotent):
                    break
                failed.add(port)
        raise _RouterError("H10", tried_dyno)

    def _pick(self, deadline: float, failed: set[int]) -> tuple[str, int]:
        pool = self.server.pool
        app = self.server.app_name
        backends = pool.backends(app)
        if not backends:
            backends = self._wait_for_backends(deadline)
        self.server.forget_others(backends)
        fresh = [b for b in backends if b[1] not in failed] or backends
        return fresh[next(self.server.turn) % len(fresh)]

    def _wait_for_backends(self, deadline: float) -> list[tuple[str, int]]:
        pool = self.server.pool
        app = self.server.app_name
        state = pool.state(app) if pool.state else "starting"
        if state in STATE_ERRORS:
            raise _RouterError(STATE_ERRORS[state])
        limit = min(deadline, time.monotonic() + pool.backend_wait)
        while time.monotonic() < limit:
            time.sleep(0.05)
            backends = pool.backends(app)
            if backends:
                return backends
            state = pool.state(app) if pool.state else "starting"
            if state in STATE_ERRORS:
                raise _RouterError(STATE_ERRORS[state])
        if pool.state is None:
            raise _RouterError("H14")
        raise _RouterError("H10" if pool.state(app) == "crashed" else "H20")

    def _send(
        self,
        conn: http.client.HTTPConnection,
        headers: list[tuple[str, str]],
        body: bytes | _Streamed | None,
    ) -> None:
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for key, value in headers:
            conn.putheader(key, value)
        if isinstance(body, bytes):
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        elif isinstance(body, _Streamed):
            if body.length is None:
                conn.putheader("Transfer-Encoding", "chunked")
            else:
                conn.putheader("Content-Length", str(body.length))
            conn.endheaders()
            body.started = True
            for chunk in body.chunks():
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk) if body.length is None else chunk)
            if body.length is None:
                conn.send(b"0\r\n\r\n")
        else:
            if self.command in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", "0")
            conn.endheaders()

    # -- the response ---------------------------------------------------------------------
    def _relay(
        self,
        resp: http.client.HTTPResponse,
        port: int,
        conn: http.client.HTTPConnection,
        dyno: str,
    ) -> int:
        """Stream the dyno's response to the client; returns the body bytes sent."""
        no_body = self.command == "HEAD" or resp.status in _NO_BODY or resp.status < 200
        length = resp.length if not resp.chunked else None
        chunked_out = not no_body and length is None and self.request_version == "HTTP/1.1"
        if not no_body and length is None and not chunked_out:
            self.close_connection = True
        lines = [f"HTTP/1.1 {resp.status} {resp.reason}\r\n"]
        for key, value in resp.getheaders():
            if key.lower() not in _HOP_BY_HOP:
                lines.append(f"{key}: {value}\r\n")
        lines.append("Via: 1.1 vegur\r\n")
        if chunked_out:
            lines.append("Transfer-Encoding: chunked\r\n")
        lines.append(
            "Connection: close\r\n" if self.close_connection else "Connection: keep-alive\r\n"
        )
        head = "".join(lines).encode("latin-1") + b"\r\n"
        sent = 0
        out = self.wfile
        try:
            if no_body:
                out.write(head)
                resp.read()
            else:
                first = True
                while True:
                    try:
                        data = resp.read1(CHUNK)
                    except (OSError, http.client.HTTPException) as exc:
                        self.close_connection = True
                        if first:
                            code = "H12" if isinstance(exc, TimeoutError) else "H13"
                            raise _RouterError(code, dyno) from exc
                        data = b""
                    if first:
                        out.write(head + (_frame(data) if chunked_out and data else data))
                        first = False
                    elif data:
                        out.write(_frame(data) if chunked_out else data)
                    if not data:
                        break
                    sent += len(data)
                if chunked_out:
                    out.write(b"0\r\n\r\n")
                if not resp.isclosed() and resp.length == 0:
                    resp.read()  # read1() leaves a fully read response open; this ends it
        except BaseException:
            conn.close()
            raise
        if resp.will_close or not resp.isclosed():
            conn.close()
        else:
            self.server.checkin(port, conn)
        return sent

    def _fail(self, err: _RouterError, request_id: str, fwd: str, started: float) -> None:
        code = err.code
        service = err.service or (f"{_ms(time.monotonic() - started)}ms" if err.dyno else "")
        page = MAINTENANCE_PAGE if code == "H80" else ERROR_PAGE
        level = "info" if code == "H80" else "error"
        line = (
            f'at={level} code={code} desc="{ERRORS[code]}" method={self.command} '
            f'path="{self.path}" host={self.headers.get("Host", "")} '
            f'request_id={request_id} fwd="{fwd}" dyno={err.dyno} connect={err.connect} '
            f"service={service} status=503 bytes={len(page)} protocol={self.server.proto}"
        )
        self.server.pool.logs.emit(self.server.app_name, "heroku", "router", line)
        # An unread request body may still be on the wire: do not reuse this connection.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.send_response(503, "Service Unavailable")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.send_header("Cache-Control", "no-cache, no-store")
            self.send_header("Via", "1.1 vegur")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(page)

    def _log(
        self,
        prefix: str,
        request_id: str,
        fwd: str,
        dyno: str,
        connect_ms: int,
        service_ms: int,
        status: int,
        size: int,
    ) -> None:
        line = (
            f'{prefix} method={self.command} path="{self.path}" '
            f'host={self.headers.get("Host", "")} request_id={request_id} fwd="{fwd}" '
            f"dyno={dyno} connect={connect_ms}ms service={max(0, service_ms)}ms "
            f"status={status} bytes={size} protocol={self.server.proto}"
        )
        self.server.pool.logs.emit(self.server.app_name, "heroku", "router", line)


class _Streamed:
    """A request body too large to buffer: read once from the client while sending."""

    def __init__(self, rfile, length: int | None) -> None:
        self.rfile = rfile
        self.length = length
        self.started = False

    def chunks(self):
        if self.length is not None:
            left = self.length
            while left > 0:
                data = self.rfile.read(min(CHUNK, left))
                if not data:
                    raise ConnectionResetError("client closed during upload")
                left -= len(data)
                yield data
            return
        while True:  # chunked from the client: decode, re-chunk toward the dyno
            size_line = self.rfile.readline(1024)
            if not size_line:
                raise ConnectionResetError("client closed during upload")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            data = self.rfile.read(size)
            self.rfile.readline(8)
            yield data


def _pipe(client: socket.socket, upstream: socket.socket, idle: float) -> None:
    """Copy bytes both ways until one side closes or both stay idle for `idle` seconds."""
    peer = {client: upstream, upstream: client}
    with selectors.DefaultSelector() as sel:
        sel.register(client, selectors.EVENT_READ)
        sel.register(upstream, selectors.EVENT_READ)
        while True:
            ready = sel.select(timeout=idle)
            if not ready:
                return
            for key, _events in ready:
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = sock.recv(CHUNK)
                    if not data:
                        return
                    # A TLS record (16 KiB at most) fits in CHUNK: one recv() takes it all, so
                    # select() never misses decrypted bytes left in the SSL buffer.
                    peer[sock].sendall(data)
                except OSError:
                    return


def _connect(port: int, timeout: float) -> http.client.HTTPConnection:
    """A connection to a dyno on loopback (no name lookup, no Nagle delay)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect(("127.0.0.1", port))
    except BaseException:
        sock.close()
        raise
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.sock = sock
    return conn


def _frame(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class RouterPool:
    """The routers of every app: an http port each, and an https port when given one."""

    def __init__(
        self,
        logs: LogHub,
        backends: Callable[[str], list[tuple[str, int]]],
        state: Callable[[str], str] | None = None,
        backend_wait: float = 10.0,
        tls_dir: Path | None = None,
        redirect_http: bool = False,
    ) -> None:
        """`state(app)` ('up'|'starting'|'crashed'|'none', DynoManager.web_state, or
        'maintenance') lets a request wait for booting dynos, answer H14 at once when there
        are none, and H80 with the maintenance page while the app is in maintenance.

        `tls_dir` (`<home>/tls`) holds the certificate of the https listeners, generated
        there now unless a usable one is there already (`tls.ensure_cert`)."""
        self.logs = logs
        self.backends = backends
        if state is None:  # given DynoManager.web_backends, its web_state comes along
            state = getattr(getattr(backends, "__self__", None), "web_state", None)
        self.state = state
        self.backend_wait = backend_wait
        # With an https port, the http one only redirects there (localcloud's apps).
        self.redirect_http = redirect_http
        self._tls = server_context(tls_dir) if tls_dir else None
        self._lock = threading.Lock()
        self._changes = threading.RLock()
        self._servers: dict[str, list[tuple[_AppServer, threading.Thread]]] = {}

    def ensure(self, app_name: str, port: int, https_port: int | None = None) -> None:
        """Serve the app on `port`, and over TLS on `https_port` when given (no-op when it
        already does; moves it otherwise).

        OSError when a port is taken by something else."""
        wanted = [(port, False)] + ([(https_port, True)] if https_port else [])
        with self._changes:  # two callers never race to bind the same app's port
            with self._lock:
                existing = self._servers.get(app_name)
            if existing and wanted == [(s.server_address[1], bool(s.tls)) for s, _t in existing]:
                return
            if existing:
                self.remove(app_name)
            started: list[tuple[_AppServer, threading.Thread]] = []
            try:
                for number, secure in wanted:
                    if secure and self._tls is None:
                        raise ValueError("an https port needs RouterPool(tls_dir=...)")
                    server = _AppServer(self, app_name, number, self._tls if secure else None)
                    thread = threading.Thread(
                        target=server.serve_forever,
                        kwargs={"poll_interval": 0.2},
                        name=f"router-{app_name}" + ("-https" if secure else ""),
                        daemon=True,
                    )
                    thread.start()
                    started.append((server, thread))
            except BaseException:
                for server, thread in started:  # all or nothing: no half-served app
                    server.close_all()
                    thread.join(timeout=5)
                raise
            with self._lock:
                self._servers[app_name] = started

    def port(self, app_name: str) -> int | None:
        """The app's http port."""
        with self._lock:
            entry = self._servers.get(app_name)
        return entry[0][0].server_address[1] if entry else None

    def https_port(self, app_name: str) -> int | None:
        """The app's https port, when it has one."""
        with self._lock:
            entry = self._servers.get(app_name) or []
        return next((s.server_address[1] for s, _t in entry if s.tls), None)

    def remove(self, app_name: str) -> None:
        with self._lock:
            entry = self._servers.pop(app_name, None)
        for server, _thread in entry or ():
            server.close_all()
        for _server, thread in entry or ():
            thread.join(timeout=5)

    def shutdown(self) -> None:
        with self._lock:
            names = list(self._servers)
        for name in names:
            self.remove(name)
