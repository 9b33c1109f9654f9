"""Copy an SQLite database of the app into its PostgreSQL database, table by table.

Why a direct copy and not `manage.py dumpdata | loaddata`: dumpdata builds the whole
database as one JSON document in memory and needs the app and all its dependencies on
the control host; loaddata fires model signals and clashes with the content types and
permissions that `migrate` already created on the target. Here the schema comes from the
app's own migrations (the release phase ran them on Heroku), the rows are streamed with
COPY in one transaction (all or nothing), primary keys are kept so every foreign key
still points where it did, sequences are moved past the copied keys, and the row count of
every table is compared at the end.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
from typing import IO, Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .pgconn import PgError, describe, psql, quote_ident, quote_literal, tool_env

# Tables Django's migrate fills by itself on the target: replaced by the source's rows so
# that content type and permission ids match the foreign keys that refer to them.
DJANGO_SEEDED = ("django_content_type", "auth_permission", "django_site")
ALWAYS_SKIPPED = ("django_migrations", "sqlite_sequence")


class CopyError(RuntimeError):
    """The copy cannot or did not complete; the target is left as it was."""


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def copy_value(value: Any, pg_type: str) -> str:
    """One field in COPY text format for a column of `pg_type`."""
    if value is None:
        return "\\N"
    if pg_type == "boolean":
        return "t" if value in (1, True, "1", "t", "true", "True") else "f"
    if pg_type == "bytea":
        raw = value if isinstance(value, (bytes, bytearray, memoryview)) else str(value).encode()
        return "\\\\x" + bytes(raw).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _escape(bytes(value).decode("utf-8", errors="replace"))
    return _escape(str(value))


def sqlite_tables(conn: sqlite3.Connection) -> Dict[str, List[str]]:
    """User tables of the SQLite database and their columns."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        n: [c[1] for c in conn.execute("PRAGMA table_info(%s)" % quote_ident(n))] for n in names
    }


PG_COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, NULL)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;
"""

PG_FKS_SQL = """
SELECT c.relname, r.relname FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f' AND n.nspname = 'public' AND c.relname <> r.relname;
"""


def pg_tables(url: str) -> Dict[str, Dict[str, str]]:
    """Tables of the public schema: {table: {column: type}}."""
    tables: Dict[str, Dict[str, str]] = {}
    for table, column, typ in psql(url, PG_COLUMNS_SQL):
        tables.setdefault(table, {})[column] = typ
    return tables


def dependency_order(tables: Sequence[str], fks: Iterable[Tuple[str, str]]) -> List[str]:
    """Tables ordered so that referenced tables come first (cycles keep their order)."""
    wanted = set(tables)
    deps = {t: set() for t in tables}
    for child, parent in fks:
        if child in wanted and parent in wanted:
            deps[child].add(parent)
    ordered: List[str] = []
    remaining = sorted(tables)
    while remaining:
        ready = [t for t in remaining if deps[t] <= set(ordered)] or remaining[:1]
        for t in ready:
            ordered.append(t)
            remaining.remove(t)
    return ordered


def plan_copy(
    sqlite_path: str, url: str, exclude: Sequence[str] = (), replace: bool = False
) -> Dict[str, Any]:
    """Check that the copy can run and say what it will do, touching nothing."""
    conn = sqlite3.connect("file:%s?mode=ro" % sqlite_path, uri=True)
    try:
        source = sqlite_tables(conn)
        target = pg_tables(url)
        skipped = set(ALWAYS_SKIPPED) | set(exclude)
        problems = []
        if "django_migrations" in source:
            applied = {tuple(r) for r in conn.execute("SELECT app, name FROM django_migrations")}
            on_target = (
                {tuple(r) for r in psql(url, "SELECT app, name FROM django_migrations;")}
                if ("django_migrations" in target)
                else set()
            )
            missing = sorted(applied - on_target)
            if missing:
                problems.append(
                    "the target lacks %d migration(s) the SQLite database has (first: %s.%s); "
                    "deploy the app so its release phase migrates, then copy"
                    % (len(missing), missing[0][0], missing[0][1])
                )
        tables = [t for t in source if t not in skipped]
        for t in tables:
            if t not in target:
                problems.append("table %s is not in the PostgreSQL database" % t)
                continue
            extra = [c for c in source[t] if c not in target[t]]
            if extra:
                problems.append("columns %s of %s are not in PostgreSQL" % (", ".join(extra), t))
        tables = [t for t in tables if t in target]
        counts = {
            t: conn.execute("SELECT count(*) FROM %s" % quote_ident(t)).fetchone()[0]
            for t in tables
        }
    finally:
        conn.close()
    occupied = []
    if tables:
        sql = "\nUNION ALL\n".join(
            "SELECT %s, count(*) FROM %s" % (quote_literal(t), quote_ident(t)) for t in tables
        )
        occupied = [t for t, n in psql(url, sql + ";") if int(n) > 0]
    blocking = [t for t in occupied if t not in DJANGO_SEEDED]
    if blocking and not replace:
        problems.append(
            "the target already holds rows in %s; set replace to overwrite them"
            % ", ".join(blocking)
        )
    fks = [tuple(r) for r in psql(url, PG_FKS_SQL)]
    return {
        "tables": dependency_order(tables, fks),
        "source_counts": counts,
        "columns": {t: [(c, target[t][c]) for c in source[t] if c in target[t]] for t in tables},
        "truncate": occupied,
        "problems": problems,
    }


def _write_script(out: IO[bytes], sqlite_path: str, plan: Dict[str, Any]) -> None:
    conn = sqlite3.connect("file:%s?mode=ro" % sqlite_path, uri=True)
    conn.text_factory = lambda b: b.decode("utf-8", errors="replace")
    try:
        out.write(
            b"SET TimeZone = 'UTC';\nSET client_encoding = 'UTF8';\nBEGIN;\n"
            b"SET CONSTRAINTS ALL DEFERRED;\n"
        )
        if plan["tables"]:
            out.write(
                ("TRUNCATE %s;\n" % ", ".join(quote_ident(t) for t in plan["tables"])).encode()
            )
        for table in plan["tables"]:
            cols = plan["columns"][table]
            names = ", ".join(quote_ident(c) for c, _ in cols)
            out.write(("COPY %s (%s) FROM STDIN;\n" % (quote_ident(table), names)).encode())
            cursor = conn.execute(
                "SELECT %s FROM %s"
                % (", ".join(quote_ident(c) for c, _ in cols), quote_ident(table))
            )
            while True:
                rows = cursor.fetchmany(1000)
                if not rows:
                    break
                for row in rows:
                    line = "\t".join(copy_value(v, cols[i][1]) for i, v in enumerate(row))
                    out.write(line.encode() + b"\n")
            out.write(b"\\.\n")
            for column, pg_type in cols:
                if pg_type not in ("smallint", "integer", "bigint"):
                    continue
                out.write(
                    (
                        "SELECT setval(s, GREATEST((SELECT COALESCE(MAX(%s), 0) FROM %s), 1), "
                        "(SELECT COUNT(*) > 0 FROM %s)) FROM pg_get_serial_sequence(%s, %s) AS s "
                        "WHERE s IS NOT NULL;\n"
                        % (
                            quote_ident(column),
                            quote_ident(table),
                            quote_ident(table),
                            quote_literal(quote_ident(table)),
                            quote_literal(column),
                        )
                    ).encode()
                )
        out.write(b"COMMIT;\n")
    finally:
        conn.close()


def run_copy(sqlite_path: str, url: str, plan: Dict[str, Any]) -> Dict[str, Any]:
    """Copy in one transaction, then compare every table's row count."""
    if plan["problems"]:
        raise CopyError("; ".join(plan["problems"]))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f", "-"],
            stdin=subprocess.PIPE,
            stderr=err,
            stdout=subprocess.DEVNULL,
            env=tool_env(url),
        )
        assert proc.stdin is not None
        try:
            _write_script(proc.stdin, sqlite_path, plan)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        if proc.wait() != 0:
            err.seek(0)
            raise CopyError(
                "copy into %s failed and was rolled back: %s"
                % (describe(url), err.read().decode(errors="replace")[-2000:])
            )
    return verify(url, plan)


def verify(url: str, plan: Dict[str, Any]) -> Dict[str, Any]:
    """Row counts on both sides, and the tables where they differ."""
    target: Dict[str, int] = {}
    if plan["tables"]:
        sql = "\nUNION ALL\n".join(
            "SELECT %s, count(*) FROM %s" % (quote_literal(t), quote_ident(t))
            for t in plan["tables"]
        )
        target = {t: int(n) for t, n in psql(url, sql + ";")}
    mismatches = [
        {"table": t, "sqlite": plan["source_counts"][t], "postgresql": target.get(t)}
        for t in plan["tables"]
        if plan["source_counts"][t] != target.get(t)
    ]
    return {
        "tables": {
            t: {"sqlite": plan["source_counts"][t], "postgresql": target.get(t)}
            for t in plan["tables"]
        },
        "rows": sum(plan["source_counts"].values()),
        "mismatches": mismatches,
    }


def migrate(
    sqlite_path: str, url: str, exclude: Optional[Sequence[str]] = None, replace: bool = False
) -> Dict[str, Any]:
    """Plan, copy and verify; raise CopyError on any problem or mismatch."""
    try:
        plan = plan_copy(sqlite_path, url, exclude or (), replace)
        result = run_copy(sqlite_path, url, plan)
    except PgError as exc:
        raise CopyError(str(exc)) from None
    if result["mismatches"]:
        raise CopyError("row counts differ after the copy: %s" % result["mismatches"])
    return result
