"""Off-site logical backups: dump, drill, restore, delete.

Usable without Ansible (bench/ and scripts import it): every function takes plain values
and a boto3 S3 client, and raises on failure.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import subprocess
import tempfile
import time
from datetime import datetime
from typing import IO, Any, Dict, List, Optional

from .backup_store import (
    MANIFEST_FORMAT,
    backup_name,
    get_json,
    iso,
    keys_for,
    put_json,
    utcnow,
)
from .pgconn import (
    TABLES_SQL,
    PgError,
    SnapshotSession,
    describe,
    psql,
    quote_ident,
    table_row_counts,
    tool_env,
)
from .s3stream import MIB, MultipartWriter, iter_object


class BackupError(RuntimeError):
    """A backup, drill or restore failed."""


def _tool_version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _stderr_tail(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode(errors="replace").strip()[-2000:]


def run_backup(
    client: Any,
    database_url: str,
    bucket: str,
    prefix: str,
    app: str = "",
    release: str = "",
    label: str = "",
    part_size: int = 8 * MIB,
    max_inflight: int = 2,
    compress_level: Optional[int] = None,
    now: Optional[datetime] = None,
) -> Dict[str, Any]:
    """Stream `pg_dump -Fc` into S3 and write the manifest once the object is complete.

    Row counts are taken inside the snapshot pg_dump uses, so they describe the dump.
    On any failure the multipart upload is aborted and no manifest is written.
    """
    try:
        return _run_backup(
            client,
            database_url,
            bucket,
            prefix,
            app,
            release,
            label,
            part_size,
            max_inflight,
            compress_level,
            now,
        )
    except PgError as exc:
        raise BackupError(str(exc)) from None


def _run_backup(
    client: Any,
    database_url: str,
    bucket: str,
    prefix: str,
    app: str,
    release: str,
    label: str,
    part_size: int,
    max_inflight: int,
    compress_level: Optional[int],
    now: Optional[datetime],
) -> Dict[str, Any]:
    started = now or utcnow()
    name = backup_name(started, label)
    keys = keys_for(prefix, name)
    t0 = time.monotonic()
    with SnapshotSession(database_url) as session:
        snapshot = session.export_snapshot()
        counts = session.row_counts()
        server_version = session.server_version()
        cmd = ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--snapshot=" + snapshot]
        if compress_level is not None:
            cmd.append("--compress=%d" % compress_level)
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=err, env=tool_env(database_url)
            )
            writer = MultipartWriter(
                client,
                bucket,
                keys["dump"],
                part_size=part_size,
                max_inflight=max_inflight,
                extra_args={"ContentType": "application/octet-stream"},
            )

            def dump_succeeded() -> None:
                if proc.wait() != 0:
                    raise BackupError("pg_dump failed: %s" % _stderr_tail(err))

            try:
                assert proc.stdout is not None
                writer.upload(proc.stdout, before_complete=dump_succeeded)
            except BaseException as exc:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                if isinstance(exc, BackupError):
                    raise
                if isinstance(exc, Exception):
                    raise BackupError("off-site backup failed: %s" % exc) from exc
                raise
    head = client.head_object(Bucket=bucket, Key=keys["dump"])
    if int(head["ContentLength"]) != writer.size:
        raise BackupError(
            "uploaded object has %s bytes, expected %s" % (head["ContentLength"], writer.size)
        )
    finished = utcnow()
    manifest = {
        "format": MANIFEST_FORMAT,
        "status": "complete",
        "name": name,
        "label": label,
        "app": app,
        "release": release,
        "bucket": bucket,
        "key": keys["dump"],
        "object_version_id": head.get("VersionId"),
        "size": writer.size,
        "sha256": writer.sha256.hexdigest(),
        "parts": writer.parts_count,
        "part_size": part_size,
        "tables": counts,
        "table_count": len(counts),
        "row_total": sum(counts.values()),
        "database": describe(database_url),
        "server_version": server_version,
        "pg_dump_version": _tool_version("pg_dump"),
        "started_at": iso(started),
        "finished_at": iso(finished),
        "duration_seconds": round(time.monotonic() - t0, 3),
    }
    put_json(client, bucket, keys["manifest"], manifest)
    return manifest


def _stream_into(
    client: Any, bucket: str, key: str, cmd: List[str], env: Dict[str, str]
) -> Dict[str, Any]:
    """Pipe an S3 object into a command's stdin, hashing it; return sha256, size and exit."""
    digest = hashlib.sha256()
    size = 0
    broken = False
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        assert proc.stdin is not None
        try:
            for chunk in iter_object(client, bucket, key):
                digest.update(chunk)
                size += len(chunk)
                try:
                    proc.stdin.write(chunk)
                except BrokenPipeError:
                    broken = True
                    break
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                broken = True
            code = proc.wait()
        return {
            "sha256": digest.hexdigest(),
            "size": size,
            "returncode": code,
            "complete": not broken,
            "stderr": _stderr_tail(err),
        }


def load_manifest(client: Any, bucket: str, prefix: str, name: str) -> Dict[str, Any]:
    """The manifest of backup `name`, or an error when it has none that is complete."""
    manifest = get_json(client, bucket, keys_for(prefix, name)["manifest"])
    if not manifest or manifest.get("status") != "complete":
        raise BackupError("backup %s has no complete manifest" % name)
    return manifest


def compare_counts(expected: Dict[str, int], actual: Dict[str, int]) -> List[Dict[str, Any]]:
    """Every table whose row count differs (or that is missing on either side)."""
    mismatches = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want != got:
            mismatches.append({"table": table, "expected": want, "actual": got})
    return mismatches


def _scratch_name(name: str) -> str:
    clean = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30]
    return "drill_%s_%s" % (clean, secrets.token_hex(3))


def run_drill(
    client: Any,
    bucket: str,
    prefix: str,
    name: str,
    admin_url: str,
    record: bool = True,
) -> Dict[str, Any]:
    """Restore backup `name` into a scratch database, compare row counts, drop the database.

    The result is written beside the backup (`<name>.drill.json`) when `record` is set;
    a failed drill makes the backup count as not good from then on.
    """
    manifest = load_manifest(client, bucket, prefix, name)
    scratch = _scratch_name(name)
    started = utcnow()
    t0 = time.monotonic()
    result: Dict[str, Any] = {
        "name": name,
        "scratch_database": scratch,
        "started_at": iso(started),
        "status": "failed",
        "mismatches": [],
        "error": "",
    }
    created = False
    try:
        psql(admin_url, "CREATE DATABASE %s;" % quote_ident(scratch))
        created = True
        cmd = ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--dbname", scratch]
        streamed = _stream_into(
            client, bucket, manifest["key"], cmd, tool_env(admin_url, dbname=scratch)
        )
        result["sha256_ok"] = streamed["sha256"] == manifest["sha256"] and streamed["complete"]
        if streamed["returncode"] != 0 or not streamed["complete"]:
            raise BackupError("pg_restore failed: %s" % streamed["stderr"])
        if not result["sha256_ok"]:
            raise BackupError(
                "checksum mismatch: object %s, manifest %s"
                % (streamed["sha256"], manifest["sha256"])
            )
        counts = table_row_counts(admin_url, dbname=scratch)
        result["mismatches"] = compare_counts(manifest["tables"], counts)
        result["tables_checked"] = len(counts)
        result["rows_checked"] = sum(counts.values())
        if result["mismatches"]:
            raise BackupError(
                "row counts differ from the manifest in %d table(s)" % len(result["mismatches"])
            )
        result["status"] = "passed"
    except (BackupError, PgError) as exc:
        result["error"] = str(exc)
    finally:
        if created:
            try:
                psql(admin_url, "DROP DATABASE IF EXISTS %s WITH (FORCE);" % quote_ident(scratch))
                result["scratch_dropped"] = True
            except PgError as exc:
                result["scratch_dropped"] = False
                result["error"] = (result["error"] + "; " if result["error"] else "") + str(exc)
        result["finished_at"] = iso(utcnow())
        result["duration_seconds"] = round(time.monotonic() - t0, 3)
        if record:
            put_json(client, bucket, keys_for(prefix, name)["drill"], result)
    return result


def verify_object(client: Any, manifest: Dict[str, Any]) -> bool:
    """Stream the dump once and check its SHA-256 against the manifest."""
    digest = hashlib.sha256()
    for chunk in iter_object(client, manifest["bucket"], manifest["key"]):
        digest.update(chunk)
    return digest.hexdigest() == manifest["sha256"]


def _restore_stream(
    client: Any, key: str, bucket: str, database_url: str, prefix_sql: str
) -> Dict[str, Any]:
    """S3 object -> pg_restore (to SQL) -> psql, the whole in one transaction.

    psql runs `prefix_sql` and then the restore script between one BEGIN and COMMIT, so
    any error leaves the database untouched.
    """
    env = tool_env(database_url)
    with tempfile.TemporaryFile() as err_restore, tempfile.TemporaryFile() as err_psql:
        restore = subprocess.Popen(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "-f", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_restore, env=env,
        )  # fmt: skip
        cmd = [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "-o",
            "/dev/null",
        ]
        if prefix_sql:
            cmd += ["-c", prefix_sql]
        cmd += ["-f", "-"]
        sql = subprocess.Popen(
            cmd, stdin=restore.stdout, stdout=subprocess.DEVNULL, stderr=err_psql, env=env
        )
        assert restore.stdin is not None and restore.stdout is not None
        restore.stdout.close()  # psql holds the read end now
        complete = True
        try:
            for chunk in iter_object(client, bucket, key):
                try:
                    restore.stdin.write(chunk)
                except BrokenPipeError:
                    complete = False
                    break
        finally:
            try:
                restore.stdin.close()
            except BrokenPipeError:
                complete = False
            restore_code = restore.wait()
            sql_code = sql.wait()
        stderr = (_stderr_tail(err_psql) + " " + _stderr_tail(err_restore)).strip()
        return {"ok": complete and restore_code == 0 and sql_code == 0, "stderr": stderr}


def run_restore(
    client: Any,
    bucket: str,
    prefix: str,
    name: str,
    database_url: str,
    verify_checksum: bool = True,
) -> Dict[str, Any]:
    """Restore backup `name` into the database at `database_url`, replacing its objects.

    One transaction: a failing restore leaves the database as it was. Row counts are then
    compared with the manifest.
    """
    manifest = load_manifest(client, bucket, prefix, name)
    if verify_checksum and not verify_object(client, manifest):
        raise BackupError("backup %s does not match its manifest checksum" % name)
    # Tables made after the backup (a later migration) would survive a plain --clean and
    # break the next migrate: they are dropped in the same transaction as the restore.
    present = ["%s.%s" % (sch, tbl) for sch, tbl in psql(database_url, TABLES_SQL)]
    extra = [t for t in present if t not in manifest["tables"]]
    prefix_sql = ""
    if extra:
        prefix_sql = "DROP TABLE IF EXISTS %s CASCADE;" % ", ".join(
            "%s.%s" % tuple(quote_ident(part) for part in t.split(".", 1)) for t in extra
        )
    t0 = time.monotonic()
    streamed = _restore_stream(client, manifest["key"], bucket, database_url, prefix_sql)
    if not streamed["ok"]:
        raise BackupError(
            "restore into %s failed and was rolled back: %s"
            % (describe(database_url), streamed["stderr"])
        )
    counts = table_row_counts(database_url)
    mismatches = compare_counts(
        manifest["tables"], {t: c for t, c in counts.items() if t in manifest["tables"]}
    )
    if mismatches:
        raise BackupError("restored row counts differ from the manifest: %s" % mismatches)
    return {
        "name": name,
        "database": describe(database_url),
        "tables": len(manifest["tables"]),
        "rows": manifest["row_total"],
        "dropped_tables": extra,
        "duration_seconds": round(time.monotonic() - t0, 3),
    }


def delete_backup(client: Any, bucket: str, keys: Dict[str, str]) -> None:
    """Delete a backup's objects, manifest last so a half-deleted backup is never good."""
    for kind in ("dump", "drill", "manifest"):
        if kind in keys:
            client.delete_object(Bucket=bucket, Key=keys[kind])
