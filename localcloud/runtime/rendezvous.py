"""Attached one-off dynos' rendezvous, as Heroku's `attach_url` (`rendezvous://host:port/secret`).

The client opens TLS to host:port (localcloud's certificate, `NODE_EXTRA_CA_CERTS` /
`LOCALCLOUD_TLS_CERT`), sends the secret and CRLF; the server answers one line
(`rendezvous`), then the socket is the process's terminal: what the client sends goes to its
stdin (Ctrl-D, `\\x04`, ends stdin, as Heroku's CLI sends when its stdin closes), its
stdout and stderr come back, and the socket closes when the process exits.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from localcloud.runtime.tls import server_context

log = logging.getLogger("localcloud.rendezvous")
CLAIM_TIMEOUT = 60.0  # seconds a client has to send its secret after connecting
EOT = b"\x04"
STDIN_GRACE = 2.0  # seconds to wait, once the process is gone, for the client's Ctrl-D

# Starts the attached process, stdin and stdout (stderr merged) piped.
Launcher = Callable[[], subprocess.Popen]


class Rendezvous:
    """One TLS listener on a free loopback port; each secret is claimable once."""

    def __init__(self, tls_dir: Path) -> None:
        self._tls = server_context(tls_dir)
        self._tls.set_alpn_protocols([])  # not HTTP: a raw stream
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._waiting: dict[str, tuple[Launcher, Callable[[int | None], None]]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        threading.Thread(target=self._accept, name="rendezvous", daemon=True).start()

    def expect(self, launch: Launcher, done: Callable[[int | None], None]) -> str:
        """A new secret whose connection runs `launch()`; `done(exit code or None)` follows."""
        secret = secrets.token_urlsafe(24)
        with self._lock:
            self._waiting[secret] = (launch, done)
        return f"rendezvous://127.0.0.1:{self.port}/{secret}"

    def forget(self, url: str) -> tuple[Launcher, Callable[[int | None], None]] | None:
        """Withdraw an unclaimed secret (a dyno nobody attached to in time)."""
        with self._lock:
            return self._waiting.pop(url.rsplit("/", 1)[-1], None)

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                raw, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(CLAIM_TIMEOUT)
            conn = self._tls.wrap_socket(raw, server_side=True)
            secret = _read_line(conn)
        except (OSError, ssl.SSLError, ValueError):
            raw.close()
            return
        with self._lock:
            claimed = self._waiting.pop(secret, None)
        if claimed is None:
            with contextlib.suppress(OSError):
                conn.sendall(b"no such dyno\r\n")
                conn.close()
            return
        launch, done = claimed
        code: int | None = None
        try:
            conn.settimeout(None)
            conn.sendall(b"rendezvous\r\n")
            proc = launch()
            pump = threading.Thread(target=_pump_in, args=(conn, proc), daemon=True)
            pump.start()
            assert proc.stdout is not None
            for chunk in iter(lambda: proc.stdout.read1(65536), b""):
                conn.sendall(chunk)
            code = proc.wait()
            # Heroku's CLI sends Ctrl-D when its stdin ends, even after a quick process is
            # gone; closing first would make that write fail (EPIPE) on the client.
            pump.join(timeout=STDIN_GRACE)
        except OSError:
            log.info("rendezvous client went away")
        finally:
            done(code)
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


def _read_line(conn: ssl.SSLSocket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk or len(data) > 512:
            raise ValueError("no secret line")
        data += chunk
    return data.decode().strip()


def _pump_in(conn: ssl.SSLSocket, proc: subprocess.Popen) -> None:
    """The client's bytes to the process's stdin, which closes on EOT or when the client does."""
    assert proc.stdin is not None
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data, eot, _ = chunk.partition(EOT)
            if data:
                proc.stdin.write(data)
                proc.stdin.flush()
            if eot:
                break
    except (OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()
