"""moto on loopback, behind a small proxy on the advertised AWS port.

The proxy exists for fault injection: `{"target": "aws", "kind": "status", "status": 500,
"method": "PUT", "path": "^/my-bucket/"}` makes the next matching S3 call answer 500 with an
S3-style XML error, as moto cannot be told to fail on its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from localcloud.faults import Faults
from localcloud.settings import HOST

log = logging.getLogger("localcloud.aws")
CHUNK = 1 << 16
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: SIGTERM when the daemon dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_moto(port: int, log_path: Path, state_file: Path) -> subprocess.Popen:
    """Start moto's server, with its state kept in ``state_file``, and wait until it answers."""
    out = log_path.open("ab")
    command = ["-m", "localcloud.moto_server", "--state", str(state_file), "-H", HOST]
    proc = subprocess.Popen(
        [sys.executable, *command, "-p", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,  # safe: the daemon starts no thread before moto
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto exited with {proc.returncode}; see {log_path}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto did not start within 30 s")


def _error_response(fault: dict[str, Any]) -> Response:
    status = int(fault["status"])
    code = {500: "InternalError", 503: "SlowDown", 429: "SlowDown"}.get(
        status, "ServiceUnavailable"
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>Injected by localcloud</Message>"
        "<RequestId>localcloud</RequestId></Error>"
    )
    resp = Response(body, status, content_type="application/xml")
    if status in (429, 503) or "retry_after" in fault:
        resp.headers["Retry-After"] = str(fault.get("retry_after", 1))
    return resp


class AwsProxy:
    """A threaded WSGI proxy forwarding every request to moto unless a fault says otherwise."""

    def __init__(self, listen_port: int, moto_port: int, faults: Faults) -> None:
        self.moto_port = moto_port
        self.faults = faults
        self.server: BaseWSGIServer = make_server(HOST, listen_port, self, threaded=True)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        fault = self.faults.take_request("aws", req.method, req.full_path.rstrip("?"))
        if fault:
            req.get_data()  # consume the body first: clients sending Expect: 100-continue wait
            if fault["kind"] == "hang":
                time.sleep(float(fault["seconds"]))
            elif fault["kind"] == "drop":
                sock = environ.get("werkzeug.socket")
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
                raise ConnectionResetError("dropped by a localcloud fault")
            else:
                return _error_response(fault)(environ, start_response)
        return self._forward(req)(environ, start_response)

    def _forward(self, req: Request) -> Response:
        """Pass the request on, streaming bodies both ways (media uploads can be large)."""
        headers = {k: v for k, v in req.headers.items() if k.lower() not in HOP_BY_HOP}
        body: Any
        if req.content_length is not None:
            body = req.stream  # http.client sends it in blocks, with the given Content-Length
        else:
            body = req.get_data()  # chunked or absent: small enough to hold
            headers["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(HOST, self.moto_port, timeout=300)
        path = req.environ.get("RAW_URI") or req.full_path.rstrip("?")
        try:
            conn.request(req.method, path, body=body, headers=headers)
            upstream = conn.getresponse()
        except BaseException:
            conn.close()
            raise

        def relay() -> Iterator[bytes]:
            try:
                while chunk := upstream.read(CHUNK):
                    yield chunk
            finally:
                conn.close()

        out = Response(relay(), upstream.status, direct_passthrough=True)
        out.headers.clear()
        for key, value in upstream.getheaders():
            if key.lower() not in HOP_BY_HOP:
                out.headers.add(key, value)
        return out

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        self.server.shutdown()
