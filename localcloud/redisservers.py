"""Redis add-ons as Heroku gives them: each its own `redis-server` with its own port, password
and TLS (a `rediss://` URL with a self-signed certificate, as Heroku Key-Value Store gives), so
two add-ons, or two localclouds on one machine, never share a keyspace and there is no limit
on how many exist.

A server lives in `<home>/redis/<addon id>/`: `redis.conf`, its RDB snapshot (written on
shutdown, so the data survives `down`/`up` as a Heroku Redis keeps it across maintenance) and
`redis.log`. It runs in the daemon's process group, so a forced `down` (killpg) takes it along.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from localcloud import pgclusters
from localcloud.runtime import tls

HOST = "127.0.0.1"
START_TIMEOUT = 20.0  # seconds for a new server to answer PING
STOP_TIMEOUT = 20.0


class RedisServerError(RuntimeError):
    pass


# Every server this process started: shutdown stops them all.
_started: dict[str, subprocess.Popen] = {}
_started_lock = threading.Lock()


def root_for(home: Path) -> Path:
    return home / "redis"


def _conf(backing: dict[str, Any]) -> str:
    base = Path(backing["dir"])
    return "".join(
        f"{key} {value}\n"
        for key, value in {
            "bind": HOST,
            "port": 0,  # TLS only, as Heroku Redis 6+ is
            "tls-port": backing["port"],
            "tls-cert-file": backing["cert"],
            "tls-key-file": backing["key"],
            "tls-auth-clients": "no",
            "requirepass": backing["password"],
            "dir": str(base),
            "dbfilename": "dump.rdb",
            "save": '"3600 1"',  # a snapshot on shutdown too (SIGTERM), so data survives down/up
            "appendonly": "no",
            "maxmemory": "64mb",
            "maxmemory-policy": "noeviction",  # Heroku's default for a job queue's store
            "logfile": str(base / "redis.log"),
            "daemonize": "no",
        }.items()
    )


def url(backing: dict[str, Any]) -> str:
    return f"rediss://:{backing['password']}@{HOST}:{backing['port']}"


def _ping(backing: dict[str, Any]) -> bool:
    proc = subprocess.run(
        ["redis-cli", "--tls", "--insecure", "-h", HOST, "-p", str(backing["port"]),
         "--no-auth-warning", "-a", backing["password"], "PING"],
        capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    return proc.stdout.strip() == "PONG"


def _log_tail(backing: dict[str, Any], lines: int = 3) -> str:
    path = Path(backing["dir"]) / "redis.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return " | ".join(text.strip().splitlines()[-lines:])


def running(backing: dict[str, Any]) -> bool:
    with _started_lock:
        proc = _started.get(backing["dir"])
    return proc is not None and proc.poll() is None


def start(backing: dict[str, Any]) -> None:
    """Start the server (no-op when this process runs it) and wait until it answers."""
    if running(backing):
        return
    base = Path(backing["dir"])
    (base / "redis.conf").write_text(_conf(backing))
    proc = subprocess.Popen(
        ["redis-server", str(base / "redis.conf")],
        cwd=base, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with _started_lock:
        _started[backing["dir"]] = proc
    deadline = time.monotonic() + START_TIMEOUT
    while not _ping(backing):
        if proc.poll() is not None:
            raise RedisServerError(
                f"redis-server on port {backing['port']} exited: {_log_tail(backing)}"
            )
        if time.monotonic() > deadline:
            stop(backing)
            raise RedisServerError(f"redis-server on port {backing['port']} did not answer")
        time.sleep(0.05)


def stop(backing: dict[str, Any]) -> None:
    """SIGTERM: Redis writes its snapshot and exits."""
    with _started_lock:
        proc = _started.pop(backing["dir"], None)
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_all() -> None:
    """Stop every server this process started (daemon shutdown)."""
    with _started_lock:
        dirs = list(_started)
    for directory in dirs:
        stop({"dir": directory})


def create(home: Path, name: str) -> dict[str, Any]:
    """A new server for add-on `name`, started; returns what to store, with its URL."""
    root = root_for(home)
    cert, key = tls.ensure_cert(root / "tls")
    base = root / name
    shutil.rmtree(base, ignore_errors=True)  # a half-made one of an interrupted provisioning
    base.mkdir(parents=True, mode=0o700)
    backing = {
        "type": "redis-server",
        "dir": str(base),
        "port": pgclusters.free_port(),
        "password": secrets.token_hex(24),
        "cert": str(cert),
        "key": str(key),
    }
    start(backing)
    backing["url"] = url(backing)
    return backing


def destroy(backing: dict[str, Any]) -> None:
    """Stop the server and delete its files (idempotent)."""
    stop(backing)
    base = Path(backing["dir"])
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(base)
