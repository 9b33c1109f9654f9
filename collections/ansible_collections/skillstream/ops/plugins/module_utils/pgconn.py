"""PostgreSQL connection helpers built on the client tools (psql, pg_dump, pg_restore).

Credentials travel in PG* environment variables, never on a command line where `ps`
would show them. Nothing here needs a Python driver: the control host only needs the
PostgreSQL client tools that pg_dump already requires.
"""

from __future__ import annotations

import os
import subprocess
from typing import Dict, List, Optional
from urllib.parse import parse_qs, unquote, urlsplit

_QUERY_TO_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}


class PgError(RuntimeError):
    """A PostgreSQL client tool failed; the message never carries a password."""


def url_to_env(url: str, dbname: Optional[str] = None) -> Dict[str, str]:
    """Turn a postgres:// URL into libpq environment variables (optionally another db)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise PgError("database URL must start with postgres:// or postgresql://")
    env = {
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGDATABASE": dbname or unquote(parts.path.lstrip("/")) or "postgres",
    }
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    for key, values in parse_qs(parts.query).items():
        if key in _QUERY_TO_ENV and values:
            env[_QUERY_TO_ENV[key]] = values[-1]
    return env


def describe(url: str) -> str:
    """A printable name for a database URL: host, port and database, no credentials."""
    env = url_to_env(url)
    return "%s:%s/%s" % (env["PGHOST"], env["PGPORT"], env["PGDATABASE"])


def tool_env(url: str, dbname: Optional[str] = None) -> Dict[str, str]:
    """The process environment for a client tool talking to `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(url_to_env(url, dbname))
    env.setdefault("PGAPPNAME", "skillstream-ops")
    env["PGOPTIONS"] = "-c statement_timeout=0"
    return env


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def psql(
    url: str, sql: str, dbname: Optional[str] = None, timeout: float = 3600
) -> List[List[str]]:
    """Run SQL with psql and return the rows (tab-separated fields, no header)."""
    proc = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-f", "-"],
        input=sql,
        capture_output=True,
        text=True,
        env=tool_env(url, dbname),
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise PgError("psql failed on %s: %s" % (describe(url), proc.stderr.strip()[-2000:]))
    return [line.split("\t") for line in proc.stdout.splitlines() if line != ""]


TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2;
"""


def count_sql(tables: List[List[str]]) -> str:
    """One statement that counts the rows of every table given as [schema, name]."""
    if not tables:
        return "SELECT 'none', 0 WHERE false;"
    parts = [
        "SELECT %s, count(*) FROM %s.%s"
        % (quote_literal("%s.%s" % (s, t)), quote_ident(s), quote_ident(t))
        for s, t in tables
    ]
    return "\nUNION ALL\n".join(parts) + ";"


def table_row_counts(url: str, dbname: Optional[str] = None) -> Dict[str, int]:
    """Exact row counts of every user table (schema-qualified names)."""
    tables = psql(url, TABLES_SQL, dbname)
    rows = psql(url, count_sql(tables), dbname)
    return {name: int(count) for name, count in rows}


class SnapshotSession:
    """A psql session holding an exported snapshot open.

    pg_dump --snapshot=<id> then dumps exactly what this session sees, so the row counts
    taken here describe the dump itself, even while the app keeps writing.
    """

    _MARK = "__skillstream_ops_end__"

    def __init__(self, url: str) -> None:
        self.url = url
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=tool_env(url),
        )

    def query(self, sql: str) -> List[List[str]]:
        """Run SQL in the open session and return its rows."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo " + self._MARK + "\n")
        self.proc.stdin.flush()
        rows = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise PgError("psql session on %s ended: %s" % (describe(self.url), err[-2000:]))
            line = line.rstrip("\n")
            if line == self._MARK:
                return rows
            if line:
                rows.append(line.split("\t"))

    def export_snapshot(self) -> str:
        """Open a repeatable-read transaction and export its snapshot id."""
        self.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return self.query("SELECT pg_export_snapshot()")[0][0]

    def row_counts(self) -> Dict[str, int]:
        """Exact row counts of every user table, as this session's snapshot sees them."""
        tables = self.query(TABLES_SQL)
        return {name: int(count) for name, count in self.query(count_sql(tables))}

    def server_version(self) -> str:
        """The server's version string."""
        return self.query("SHOW server_version")[0][0]

    def close(self) -> None:
        """End the transaction and the session."""
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write("ROLLBACK;\n\\q\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "SnapshotSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
