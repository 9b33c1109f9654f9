"""Postgres add-ons with continuous protection (standard and premium plans): each runs on a
PostgreSQL cluster of its own with WAL archiving and a base backup taken at creation, so a
rollback or a fork is a real recovery from that archive (`recovery_target_time`), not a copy.

A cluster lives in `<root>/<addon id>/`: `data/` (the cluster), `archive/` (its WAL, copied by
`archive_command`), `base/` (the base backup) and `postgres.log`. Settings localcloud owns are
in `data/localcloud.conf`, included from `postgresql.conf`, so a restored copy gets its own.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PG_ROOT = Path("/usr/lib/postgresql")
HOST = "127.0.0.1"
ADMIN = "postgres"
RECOVERY_TIMEOUT = 900  # seconds a rollback may replay WAL before it is called failed
# Small on purpose: tests and CI run several of these on a 2-core machine. 1 MB WAL segments
# keep the archive small; archive_timeout bounds how stale the archive can be (a busy database
# archives at most a segment a minute more; a rollback forces a switch anyway).
SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",
    "max_connections": "20",
    "shared_buffers": "16MB",
    "max_worker_processes": "4",
    "max_parallel_workers": "0",
    "autovacuum_max_workers": "1",
    "wal_level": "replica",
    "max_wal_senders": "3",
    "min_wal_size": "4MB",
    "max_wal_size": "32MB",
    "archive_mode": "on",
    "archive_timeout": "60",
    "timezone": "UTC",
    "log_timezone": "UTC",
}


class ClusterError(RuntimeError):
    pass


@functools.cache
def pg_bin() -> Path:
    """The server binaries: LOCALCLOUD_PG_BIN, else the version of the client tools on the PATH
    (so pg_dump can read what the cluster writes), else the newest installed. Debian and
    GitHub's Ubuntu runners keep them in /usr/lib/postgresql/<major>/bin."""
    if os.environ.get("LOCALCLOUD_PG_BIN"):
        return Path(os.environ["LOCALCLOUD_PG_BIN"])
    found = {p.parent.parent.name: p.parent for p in PG_ROOT.glob("*/bin/initdb")}
    client = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=False)
    major = re.search(r"(\d+)\.", client.stdout)
    if major and major.group(1) in found:
        return found[major.group(1)]
    if not found:
        raise ClusterError(
            "no PostgreSQL server binaries (initdb) under /usr/lib/postgresql: install the "
            "postgresql package or set LOCALCLOUD_PG_BIN; Standard and Premium add-ons need them"
        )
    return found[max(found, key=lambda v: int(v) if v.isdigit() else 0)]


# Every cluster this process started, recorded before its add-on is saved: shutdown stops them
# all, including one a provisioning was recovering when `down` came.
_started: dict[str, dict[str, Any]] = {}
_started_lock = threading.Lock()


def root_for(home: Path) -> Path:
    """Where this localcloud's clusters live. PostgreSQL refuses to run as root, so as root they
    run as the `postgres` user, under /var/tmp (a test's home is in a 0700 directory that user
    cannot enter)."""
    if os.geteuid() != 0:
        return home / "pg"
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp/localcloud-pg") / digest


def _owner() -> dict[str, Any]:
    """subprocess arguments that run a command as the clusters' owner."""
    if os.geteuid() != 0:
        return {}
    return {"user": ADMIN, "group": ADMIN, "extra_groups": []}


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(ADMIN)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, **_owner(),
    )  # fmt: skip
    if proc.returncode != 0:
        raise ClusterError(f"{Path(cmd[0]).name} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def free_port() -> int:
    """A free loopback port for an add-on server (also redisservers')."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _conf(backing: dict[str, Any], recovery: dict[str, str] | None = None) -> None:
    """Write localcloud's settings for this cluster (port, archive, and recovery when given)."""
    values = dict(SETTINGS, port=str(backing["port"]))
    values["archive_command"] = (
        f"test ! -f {backing['dir']}/archive/%f && cp %p {backing['dir']}/archive/%f"
    )
    values.update(recovery or {})
    text = "".join(f"{k} = '{v}'\n" for k, v in values.items())
    (Path(backing["dir"]) / "data" / "localcloud.conf").write_text(text)


def psql(backing: dict[str, Any], sql: str, database: str | None = None) -> str:
    """Run SQL as the cluster's superuser."""
    proc = subprocess.run(
        [str(pg_bin() / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
         "-h", HOST, "-p", str(backing["port"]), "-U", ADMIN,
         "-d", database or backing["database"], "-c", sql],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PGPASSWORD": backing["admin_password"]},
    )  # fmt: skip
    if proc.returncode != 0:
        raise ClusterError(proc.stderr.strip())
    return proc.stdout.strip()


def running(backing: dict[str, Any]) -> bool:
    data = Path(backing["dir"]) / "data"
    if not (data / "postmaster.pid").exists():
        return False
    proc = subprocess.run(
        [str(pg_bin() / "pg_ctl"), "status", "-D", str(data)],
        capture_output=True, text=True, cwd=backing["dir"], **_owner(),
    )  # fmt: skip
    return proc.returncode == 0


def start(backing: dict[str, Any]) -> None:
    """Start the cluster (no-op when it runs). pg_ctl gives it a session of its own: the daemon
    stops it at shutdown, and `down` stops what a killed daemon left (cli._stop_clusters_left)."""
    with _started_lock:
        _started[backing["dir"]] = backing
    if running(backing):
        return
    base = Path(backing["dir"])
    _run([str(pg_bin() / "pg_ctl"), "start", "-w", "-t", "120", "-D", str(base / "data"),
          "-l", str(base / "postgres.log")], cwd=base)  # fmt: skip


def stop(backing: dict[str, Any], mode: str = "fast") -> None:
    with _started_lock:
        _started.pop(backing["dir"], None)
    if running(backing):
        base = Path(backing["dir"])
        _run([str(pg_bin() / "pg_ctl"), "stop", "-w", "-t", "60", "-m", mode,
              "-D", str(base / "data")], cwd=base)  # fmt: skip


def stop_all() -> None:
    """Stop every cluster this process started (daemon shutdown)."""
    with _started_lock:
        backings = list(_started.values())
    for backing in backings:
        try:
            stop(backing)
        except ClusterError:
            stop(backing, mode="immediate")


def destroy(backing: dict[str, Any]) -> None:
    """Stop the cluster and delete its files (idempotent)."""
    base = Path(backing["dir"])
    if base.exists():
        with contextlib.suppress(ClusterError):
            stop(backing, mode="immediate")
        shutil.rmtree(base, ignore_errors=True)
    if base.parent.exists() and not any(base.parent.iterdir()):
        base.parent.rmdir()  # this localcloud's root, once its last cluster is gone


def base_backup(backing: dict[str, Any]) -> None:
    """A fresh base backup; recovery can reach any time from its end on."""
    base = Path(backing["dir"])
    target = base / "base.new"
    shutil.rmtree(target, ignore_errors=True)
    _run([str(pg_bin() / "pg_basebackup"), "-h", HOST, "-p", str(backing["port"]), "-U", ADMIN,
          "-D", str(target), "-X", "stream", "-c", "fast", "--no-sync"],
         cwd=base, env={"PGPASSWORD": backing["admin_password"]})  # fmt: skip
    shutil.rmtree(base / "base", ignore_errors=True)
    target.rename(base / "base")
    backing["rollback_since"] = _stamp()


def _layout(root: Path, name: str) -> dict[str, Any]:
    """A new cluster directory (a half-made one of an interrupted provisioning is replaced)."""
    root.parent.mkdir(parents=True, exist_ok=True)
    root.mkdir(mode=0o700, exist_ok=True)
    _chown(root)
    base = root / name
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(mode=0o700)
    (base / "archive").mkdir(mode=0o700)
    for path in (base, base / "archive"):
        _chown(path)
    return {"type": "postgres-cluster", "dir": str(base), "port": free_port(),
            "admin_password": secrets.token_hex(16)}  # fmt: skip


def _url(backing: dict[str, Any]) -> str:
    return (f"postgres://{backing['role']}:{backing['password']}@{HOST}:{backing['port']}/"
            f"{backing['database']}")  # fmt: skip


def create(root: Path, name: str) -> dict[str, Any]:
    """A new cluster with one database owned by one login role, archiving, base backup taken."""
    backing = _layout(root, name)
    base = Path(backing["dir"])
    with tempfile.NamedTemporaryFile("w", dir=base, delete=False) as pwfile:
        pwfile.write(backing["admin_password"] + "\n")
    _chown(Path(pwfile.name))
    try:
        _run([str(pg_bin() / "initdb"), "-D", str(base / "data"), "-U", ADMIN,
              f"--pwfile={pwfile.name}", "--auth-host=scram-sha-256", "--auth-local=peer",
              "--wal-segsize=1", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
             cwd=base)  # fmt: skip
    finally:
        os.unlink(pwfile.name)
    with (base / "data" / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude 'localcloud.conf'\n")
    _conf(backing)
    start(backing)
    suffix = secrets.token_hex(6)
    backing.update(role=f"lc_u{suffix}", database=f"lc_d{suffix}", password=secrets.token_hex(16))
    psql(backing, f"CREATE ROLE {backing['role']} LOGIN PASSWORD '{backing['password']}'",
         "postgres")  # fmt: skip
    psql(backing, f"CREATE DATABASE {backing['database']} OWNER {backing['role']}", "postgres")
    psql(backing, f"REVOKE ALL ON DATABASE {backing['database']} FROM PUBLIC", "postgres")
    base_backup(backing)
    backing["url"] = _url(backing)
    return backing


def _archive_now(source: dict[str, Any]) -> None:
    """Make everything the source committed so far reachable from its archive: a commit after
    any target time (recovery stops at the first commit past the target, and fails when none
    exists), then a WAL switch, then wait until that segment is archived."""
    psql(source, "SELECT pg_current_xact_id()")
    segment = psql(source, "SELECT pg_walfile_name(pg_switch_wal())")
    archived = Path(source["dir"]) / "archive" / segment
    deadline = time.monotonic() + 120
    while not archived.exists():
        if time.monotonic() > deadline:
            raise ClusterError(f"WAL segment {segment} was not archived within 120 s")
        time.sleep(0.1)


def _log_tail(backing: dict[str, Any], lines: int = 5) -> str:
    path = Path(backing["dir"]) / "postgres.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return " | ".join(text.strip().splitlines()[-lines:])


def recover(
    root: Path, name: str, source: dict[str, Any], target: datetime | None
) -> dict[str, Any]:
    """A new cluster from the source's base backup and archive: replayed up to `target` (a
    rollback) or to the end of the archive (a fork), then promoted, with a new password and
    its own archive. No base backup yet: it would delay the recovery by a copy of the whole
    database, so provisioning takes it after the database serves."""
    _archive_now(source)
    backing = _layout(root, name)
    backing.update(role=source["role"], database=source["database"])
    base = Path(backing["dir"])
    _run(["cp", "-a", str(Path(source["dir"]) / "base"), str(base / "data")], cwd=base)
    recovery = {
        "restore_command": f"cp {source['dir']}/archive/%f %p",
        "recovery_target_timeline": "latest",
        "recovery_target_action": "promote",
    }
    if target is not None:
        recovery["recovery_target_time"] = target.astimezone(UTC).isoformat()
    backing["admin_password"] = source["admin_password"]  # the copy has the source's superuser
    _conf(backing, recovery)
    (base / "data" / "recovery.signal").touch()
    _chown(base / "data" / "recovery.signal")
    start(backing)
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while True:
        try:
            if psql(backing, "SELECT pg_is_in_recovery()", "postgres") == "f":
                break
        except ClusterError:
            if not running(backing):
                raise ClusterError(f"recovery failed: {_log_tail(backing)}") from None
        if time.monotonic() > deadline:
            raise ClusterError(f"recovery did not finish within {RECOVERY_TIMEOUT} s")
        time.sleep(0.3)
    _conf(backing)  # recovery is over: later starts are plain starts
    backing["password"] = secrets.token_hex(16)  # a rollback gets new credentials, as on Heroku
    psql(backing, f"ALTER ROLE {backing['role']} PASSWORD '{backing['password']}'", "postgres")
    backing["url"] = _url(backing)
    return backing  # its own base_backup follows once it serves (provisioning)
