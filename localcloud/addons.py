"""The real services behind add-ons: a database + login role on the local PostgreSQL, a Redis
database index on the local Redis."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

from localcloud import pgclusters

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN = "postgres"
REDIS_URL = "redis://127.0.0.1:6379"
# 14 and 15 are left to the app's own test suite (skillstream/config/settings/test.py).
REDIS_INDEXES = range(1, 14)


class BackingError(RuntimeError):
    pass


def psql(sql: str, database: str = "postgres") -> str:
    """Run SQL as the local superuser (trust auth on loopback)."""
    proc = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
         "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_ADMIN, "-d", database, "-c", sql],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if proc.returncode != 0:
        raise BackingError(proc.stderr.strip())
    return proc.stdout


def create_postgres() -> dict[str, Any]:
    """A fresh database owned by a fresh login role; returns what to store and the URL."""
    suffix = secrets.token_hex(6)
    role, database, password = f"lc_u{suffix}", f"lc_d{suffix}", secrets.token_hex(16)
    psql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    psql(f"CREATE DATABASE {database} OWNER {role}")
    psql(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
    url = f"postgres://{role}:{password}@{PG_HOST}:{PG_PORT}/{database}"
    return {"type": "postgres", "role": role, "database": database, "url": url}


def drop_postgres(backing: dict[str, Any]) -> None:
    database, role = backing["database"], backing["role"]
    psql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"DROP ROLE IF EXISTS {role}")


# Redis has 16 numbered databases for every localcloud on the machine (the dev instance, each
# test session's, the e2e one). An index is claimed in database 0 so that two instances never
# hand out the same one: their apps' workers would take each other's jobs.
CLAIM_KEY = "localcloud:redis-index:{}"


def _redis_cli(*args: str) -> str:
    proc = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", "6379", *args],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise BackingError(f"redis-cli {args[0]} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def _claim_is_stale(owner: str) -> bool:
    """A claim whose localcloud is gone (home deleted, or no daemon running from it)."""
    home = Path(owner)
    pid_file = home / "localcloud.pid"
    if not home.is_dir() or not pid_file.exists():
        return True
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except PermissionError:
        return False
    return False


def create_redis(used: set[int], owner: str) -> dict[str, Any]:
    """Claim a Redis database index no running localcloud uses; owner is this one's home."""
    for index in REDIS_INDEXES:
        if index in used:
            continue
        key = CLAIM_KEY.format(index)
        if _redis_cli("-n", "0", "SET", key, owner, "NX") != "OK":
            holder = _redis_cli("-n", "0", "GET", key)
            if holder == owner or not _claim_is_stale(holder):
                continue
            _redis_cli("-n", "0", "SET", key, owner)  # take over a dead instance's index
        _redis_cli("-n", str(index), "FLUSHDB")
        return {"type": "redis", "index": index, "url": f"{REDIS_URL}/{index}", "owner": owner}
    raise BackingError("all 13 Redis database indexes are in use by running localclouds")


def reclaim_redis(index: int, owner: str) -> bool:
    """At start-up, claim again the index an add-on of this instance already uses."""
    key = CLAIM_KEY.format(index)
    holder = _redis_cli("-n", "0", "GET", key)
    if holder and holder != owner and not _claim_is_stale(holder):
        return False
    _redis_cli("-n", "0", "SET", key, owner)
    return True


def drop_redis(backing: dict[str, Any]) -> None:
    index = str(backing["index"])
    _redis_cli("-n", index, "FLUSHDB")
    key = CLAIM_KEY.format(index)
    if backing.get("owner") and _redis_cli("-n", "0", "GET", key) == backing["owner"]:
        _redis_cli("-n", "0", "DEL", key)


def destroy_backing(addon: dict[str, Any]) -> None:
    """Drop what an add-on created (idempotent; ignores add-ons with nothing behind them)."""
    backing = addon.get("_backing") or {}
    if backing.get("type") == "postgres":
        drop_postgres(backing)
    elif backing.get("type") == "postgres-cluster":
        pgclusters.destroy(backing)
    elif backing.get("type") == "redis":
        drop_redis(backing)
