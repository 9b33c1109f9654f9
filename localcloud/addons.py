"""The real services behind add-ons: a database + login role on the local PostgreSQL (essential
plans), a cluster of its own (pgclusters: plans with rollback), a redis-server of its own
(redisservers)."""

from __future__ import annotations

import secrets
import subprocess
from typing import Any

from localcloud import pgclusters, redisservers

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_ADMIN = "postgres"


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


def destroy_backing(addon: dict[str, Any]) -> None:
    """Drop what an add-on created (idempotent; ignores add-ons with nothing behind them)."""
    backing = addon.get("_backing") or {}
    if backing.get("type") == "postgres":
        drop_postgres(backing)
    elif backing.get("type") == "postgres-cluster":
        pgclusters.destroy(backing)
    elif backing.get("type") == "redis-server":
        redisservers.destroy(backing)
