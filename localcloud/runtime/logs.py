"""Per-app log stream (what `heroku logs` shows) with logplex-style HTTPS drains.

Lines are kept in `<home>/logs/<app>.log`, so another process (`localcloud logs APP`) can
tail them. Drains get batched POSTs of octet-counted RFC 5424 frames
(`application/logplex-1`) from one background thread: emit() never waits on the network.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import logging
import queue
import re
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
BATCH_MAX = 100  # logplex frames per POST
BATCH_WAIT = 0.25  # seconds a line may wait for company before it is sent
QUEUE_MAX = 20_000  # lines waiting for drains; beyond that they are dropped, like logplex
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_PRIORITY = {"app": 190, "heroku": 158}  # local7.info / local3.info, as logplex sends them


def drain_token(app_name: str, url: str) -> str:
    """A stable `d.<uuid>` token for one drain of one app (Heroku's Logplex-Drain-Token)."""
    return "d." + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{app_name} {url}"))


def syslog_frame(source: str, dyno: str, line: str, when: datetime) -> bytes:
    """One octet-counted RFC 5424 frame, as logplex frames a line for an HTTPS drain."""
    pri = _PRIORITY.get(source, 190)
    msg = f"<{pri}>1 {when.isoformat()} host {source} {dyno} - {line}".encode()
    return str(len(msg)).encode() + b" " + msg


@dataclass
class _Entry:
    app_name: str
    source: str
    dyno: str
    line: str
    when: datetime


class LogHub:
    """The log router of every app: files, live subscribers and drains."""

    def __init__(self, home: Path) -> None:
        self.dir = Path(home) / "logs"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._files: dict[str, IO[str]] = {}
        self._sizes: dict[str, int] = defaultdict(int)  # characters, close enough to bytes
        self._drains: dict[str, dict[str, str]] = {}  # app -> url -> token
        self._subscribers: dict[str, list[queue.Queue[str]]] = defaultdict(list)
        self._queue: queue.Queue[_Entry | None] = queue.Queue(maxsize=QUEUE_MAX)
        self._sender: threading.Thread | None = None
        self._closed = False
        self.dropped = 0
        self.delivered = 0

    # -- writing -----------------------------------------------------------------------
    def emit(self, app_name: str, source: str, dyno: str, line: str) -> None:
        """Record one line; `source` is 'app' or 'heroku', `dyno` 'web.1', 'router', 'api'..."""
        when = datetime.now(UTC)
        text = f"{when.isoformat()} {source}[{dyno}]: {line}"
        with self._lock:
            if self._closed:
                return
            fh = self._file(app_name)
            fh.write(text + "\n")
            fh.flush()
            self._sizes[app_name] += len(text) + 1
            for sub in self._subscribers.get(app_name, ()):
                with contextlib.suppress(queue.Full):
                    sub.put_nowait(text)
            draining = app_name in self._drains
        if draining:
            try:
                self._queue.put_nowait(_Entry(app_name, source, dyno, line, when))
            except queue.Full:
                self.dropped += 1

    def _file(self, app_name: str) -> IO[str]:
        fh = self._files.get(app_name)
        path = self._path(app_name)
        if fh is not None and self._sizes[app_name] > MAX_FILE_BYTES:
            fh.close()
            path.replace(path.with_suffix(".log.1"))
            fh = None
        if fh is None:
            fh = path.open("a", encoding="utf-8")
            self._files[app_name] = fh
            self._sizes[app_name] = fh.tell()
        return fh

    def _path(self, app_name: str) -> Path:
        # App names are validated upstream; this only keeps a stray one inside logs/.
        return self.dir / f"{_SAFE_NAME.sub('_', app_name).lstrip('.') or '_'}.log"

    # -- reading -----------------------------------------------------------------------
    def tail(self, app_name: str, lines: int = 100) -> list[str]:
        """The last `lines` lines of an app's log, oldest first."""
        if lines <= 0:
            return []
        path = self._path(app_name)
        out = _last_lines(path, lines)
        if len(out) < lines:
            out = _last_lines(path.with_suffix(".log.1"), lines - len(out)) + out
        return out

    def subscribe(self, app_name: str) -> queue.Queue[str]:
        """A queue that receives every new line of the app (for `logs --tail`)."""
        sub: queue.Queue[str] = queue.Queue(maxsize=10_000)
        with self._lock:
            self._subscribers[app_name].append(sub)
        return sub

    def unsubscribe(self, app_name: str, sub: queue.Queue[str]) -> None:
        with self._lock:
            subs = self._subscribers.get(app_name, [])
            if sub in subs:
                subs.remove(sub)

    def forget(self, app_name: str) -> None:
        """Drop an app's log and drains (the app was destroyed)."""
        with self._lock:
            fh = self._files.pop(app_name, None)
            if fh:
                fh.close()
            self._drains.pop(app_name, None)
            for path in (self._path(app_name), self._path(app_name).with_suffix(".log.1")):
                path.unlink(missing_ok=True)

    # -- drains ------------------------------------------------------------------------
    def set_drains(
        self, app_name: str, urls: list[str], tokens: dict[str, str] | None = None
    ) -> None:
        """Replace the app's drains. `tokens` maps url -> Logplex-Drain-Token (else derived)."""
        tokens = tokens or {}
        with self._lock:
            if urls:
                self._drains[app_name] = {
                    u: tokens.get(u) or drain_token(app_name, u) for u in urls
                }
            else:
                self._drains.pop(app_name, None)
            if urls and self._sender is None and not self._closed:
                self._sender = threading.Thread(
                    target=self._send_loop, name="logplex-drains", daemon=True
                )
                self._sender.start()

    def _send_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + BATCH_WAIT
            stop = False
            while len(batch) < BATCH_MAX * 10:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = self._queue.get(timeout=left)
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._deliver(batch)
            if stop:
                return

    def _deliver(self, batch: list[_Entry]) -> None:
        per_app: dict[str, list[_Entry]] = defaultdict(list)
        for entry in batch:
            per_app[entry.app_name].append(entry)
        for app_name, entries in per_app.items():
            with self._lock:
                drains = dict(self._drains.get(app_name, {}))
            for start in range(0, len(entries), BATCH_MAX):
                chunk = entries[start : start + BATCH_MAX]
                body = b"\n".join(syslog_frame(e.source, e.dyno, e.line, e.when) for e in chunk)
                for url, token in drains.items():
                    if _post(url, body, len(chunk), token):
                        self.delivered += len(chunk)
                    else:
                        self.dropped += len(chunk)

    def close(self) -> None:
        """Flush what the drains still have to send (a few seconds at most) and close files."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sender = self._sender
        if sender is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=1)
            sender.join(timeout=5)
        with self._lock:
            for fh in self._files.values():
                fh.close()
            self._files.clear()


def _post(url: str, body: bytes, count: int, token: str) -> bool:
    """POST one batch; one retry on a connection error, then the batch is dropped (as logplex)."""
    parts = urllib.parse.urlsplit(url)
    conn_cls = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/logplex-1",
        "Logplex-Msg-Count": str(count),
        "Logplex-Frame-Id": uuid.uuid4().hex,
        "Logplex-Drain-Token": token,
        "User-Agent": "Logplex/v123 (localcloud)",
    }
    if parts.username:
        user = urllib.parse.unquote(parts.username)
        cred = f"{user}:{urllib.parse.unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
    for _attempt in range(2):
        conn = conn_cls(parts.hostname or "127.0.0.1", parts.port, timeout=5)
        try:
            conn.request("POST", path, body=body, headers=headers)
            status = conn.getresponse().status
            return 200 <= status < 300
        except OSError as exc:
            log.debug("log drain %s: %s", parts.hostname, exc)
        finally:
            conn.close()
        time.sleep(0.2)
    return False


def _last_lines(path: Path, count: int) -> list[str]:
    """The last `count` lines of a file, read backwards in blocks (logs can be large)."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return []
    with fh:
        fh.seek(0, 2)
        pos = fh.tell()
        data = b""
        while pos > 0 and data.count(b"\n") <= count:
            step = min(65536, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[-count:]
