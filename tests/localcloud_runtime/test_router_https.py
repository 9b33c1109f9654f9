"""The router's https listener: TLS terminated with localcloud's own certificate, the dyno
told `X-Forwarded-Proto: https`, as Heroku's router does."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from localcloud.runtime.builder import BuildResult
from localcloud.runtime.dynos import DynoManager
from localcloud.runtime.logs import LogHub
from localcloud.runtime.router import RouterPool
from localcloud.runtime.tls import cert_paths

from .test_dynos_router import EchoUpgradeServer, spec


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def echo_app(environ: dict, start_response) -> list[bytes]:
    """What the router told the dyno about the original request."""
    body = (
        f"{environ.get('HTTP_X_FORWARDED_PROTO')} {environ.get('HTTP_X_FORWARDED_PORT')}"
    ).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def dyno() -> Iterator[int]:
    """A web dyno stand-in: the echo app on a loopback port."""
    server = make_server(
        "127.0.0.1", 0, echo_app, server_class=_ThreadingWSGIServer, handler_class=_Quiet
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _get(port: int, context: ssl.SSLContext | None, host: str = "127.0.0.1") -> str:
    if context is None:
        conn = http.client.HTTPConnection(host, port, timeout=5)
    else:
        conn = http.client.HTTPSConnection(host, port, timeout=5, context=context)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        assert resp.status == 200
        return resp.read().decode()
    finally:
        conn.close()


def _client(cert: Path) -> ssl.SSLContext:
    """A verifying client (hostname and chain) that trusts only localcloud's certificate."""
    return ssl.create_default_context(cafile=str(cert))


def test_https_listener_says_https_and_http_stays_http(
    tmp_path: Path, hub: LogHub, dyno: int
) -> None:
    routers = RouterPool(hub, lambda _a: [("web.1", dyno)], lambda _a: "up", tls_dir=tmp_path)
    http_port, https_port = free_port(), free_port()
    routers.ensure("demo", http_port, https_port)
    try:
        cert, key = cert_paths(tmp_path)
        assert key.stat().st_mode & 0o077 == 0  # the private key is not world-readable
        assert routers.port("demo") == http_port
        assert routers.https_port("demo") == https_port
        client = _client(cert)
        assert _get(https_port, client) == f"https {https_port}"
        assert _get(https_port, client, host="localhost") == f"https {https_port}"
        assert _get(http_port, None) == f"http {http_port}"
        with pytest.raises(ssl.SSLCertVerificationError):
            _get(https_port, ssl.create_default_context())  # not trusted without the cert
        lines = hub.tail("demo")
        assert any("status=200" in ln and ln.endswith("protocol=https") for ln in lines)
        assert any("status=200" in ln and ln.endswith("protocol=http") for ln in lines)
        # A client that connects and never shakes hands holds up nobody else.
        with socket.create_connection(("127.0.0.1", https_port)):
            assert _get(https_port, client) == f"https {https_port}"
    finally:
        routers.shutdown()


def test_restart_keeps_certificate_and_ports(tmp_path: Path, hub: LogHub, dyno: int) -> None:
    http_port, https_port = free_port(), free_port()
    first = RouterPool(hub, lambda _a: [("web.1", dyno)], lambda _a: "up", tls_dir=tmp_path)
    first.ensure("demo", http_port, https_port)
    cert, _key = cert_paths(tmp_path)
    pem = cert.read_bytes()
    client = _client(cert)  # loaded before the restart, as a test suite would
    assert _get(https_port, client) == f"https {https_port}"
    first.ensure("demo", http_port, https_port)  # already served: nothing moves
    first.shutdown()

    second = RouterPool(hub, lambda _a: [("web.1", dyno)], lambda _a: "up", tls_dir=tmp_path)
    second.ensure("demo", http_port, https_port)
    try:
        assert cert.read_bytes() == pem
        assert _get(https_port, client) == f"https {https_port}"
        assert _get(http_port, None) == f"http {http_port}"
        second.ensure("demo", http_port)  # the https port dropped: only http is served
        assert second.https_port("demo") is None
        with pytest.raises(ConnectionRefusedError):
            _get(https_port, client)
    finally:
        second.shutdown()


def test_damaged_certificate_is_replaced(tmp_path: Path, hub: LogHub, dyno: int) -> None:
    cert, _key = cert_paths(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    cert.write_text("not a certificate\n")
    routers = RouterPool(hub, lambda _a: [("web.1", dyno)], lambda _a: "up", tls_dir=tmp_path)
    port = free_port()
    routers.ensure("demo", free_port(), port)
    try:
        assert _get(port, _client(cert)) == f"https {port}"
    finally:
        routers.shutdown()


def test_https_port_without_tls_dir_is_refused(hub: LogHub) -> None:
    routers = RouterPool(hub, lambda _a: [], lambda _a: "none")
    port = free_port()
    with pytest.raises(ValueError, match="tls_dir"):
        routers.ensure("demo", port, free_port())
    assert routers.port("demo") is None
    with pytest.raises(ConnectionRefusedError):
        _get(port, None)  # all or nothing: the http listener is not left behind


def test_gunicorn_dyno_over_https_sees_https_and_streams_bodies(
    tmp_path: Path, hub: LogHub, built_app: BuildResult
) -> None:
    manager = DynoManager(tmp_path / "dynos", hub)
    routers = RouterPool(hub, manager.web_backends, manager.web_state, tls_dir=tmp_path / "tls")
    port = free_port()
    routers.ensure("demo", free_port(), port)
    conn = http.client.HTTPSConnection(
        "localhost", port, timeout=30, context=_client(tmp_path / "tls" / "cert.pem")
    )
    try:
        manager.deploy(spec(built_app))
        conn.request("GET", "/headers")
        got = dict(ln.split("=", 1) for ln in conn.getresponse().read().decode().splitlines())
        assert got["HTTP_X_FORWARDED_PROTO"] == "https"
        assert got["HTTP_X_FORWARDED_PORT"] == str(port)
        payload = os.urandom(3 * 1024 * 1024 + 5)  # above the replay buffer: streamed
        conn.request("POST", "/echo", body=payload)  # the same kept-alive TLS connection
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == payload
    finally:
        conn.close()
        routers.shutdown()
        manager.shutdown()


def test_websocket_tunnel_over_https(tmp_path: Path, hub: LogHub) -> None:
    backend = EchoUpgradeServer()
    routers = RouterPool(
        hub, lambda _a: [("web.1", backend.port)], lambda _a: "up", tls_dir=tmp_path
    )
    port = free_port()
    routers.ensure("demo", free_port(), port)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        with _client(tmp_path / "cert.pem").wrap_socket(raw, server_hostname="127.0.0.1") as ws:
            ws.sendall(
                b"GET /ws HTTP/1.1\r\nHost: demo\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            reply = b""
            while b"\r\n\r\n" not in reply:
                reply += ws.recv(4096)
            assert reply.startswith(b"HTTP/1.1 101")
            message = b"ping over tls " * 20000  # many TLS records in flight at once
            ws.sendall(message)
            echoed = b""
            while len(echoed) < len(message):
                echoed += ws.recv(65536)
            assert echoed == message.upper()
        assert "X-Forwarded-Proto: https" in backend.request_head.decode()
    finally:
        raw.close()
        routers.shutdown()
        backend.close()
