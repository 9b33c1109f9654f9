"""Backup benchmark: the off-site backup (pg_dump -Fc streamed into S3) against pg_dump alone.

On a generated PostgreSQL database of at least 500 MB, in the same run:
`pg_dump -Fc -f /dev/null` alone, then the off-site backup of skillstream.ops
(scripts/offsite_backup.py, which calls `offsite.run_backup` with the part size and
concurrency the backups role uses) into a moto S3 server of its own. Throughput ratio =
time of pg_dump alone / time of the backup command. Peak memory (RSS high-water of the
backup process and of its pg_dump child) on a small and on the large database.

    .venv/bin/python -m bench.backup
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import psutil
import yaml

from bench.common import (
    BIN,
    PG_ENV,
    PYTHON,
    REPO,
    Report,
    banner,
    free_port,
    psql,
    scratch_database,
    stop,
    wait_for_port,
)
from bench.memory import MIB, longest_lived, run_sampled

OPS = REPO / "collections" / "ansible_collections" / "skillstream" / "ops"
SCRIPT = OPS / "scripts" / "offsite_backup.py"
BUCKET = "bench-offsite-backups"
LARGE_MIN_MB = 500
SMALL_MB = 50
ROW_PAYLOAD_PARTS = 30  # 30 distinct md5 hex strings ~ 1 KB a row, about 2:1 compressible
RATIO_MIN = 0.85
PEAK_MAX_MB = 100.0
FLAT_GROWTH_MAX = 1.10  # large peak at most 10 % above small peak: memory does not follow size
REPEAT_MAX = int(os.environ.get("BENCH_BACKUP_REPEAT", "3"))
# More pairs only while they fit: on a busy machine one pair can take minutes.
REPEAT_BUDGET_SECONDS = float(os.environ.get("BENCH_BACKUP_BUDGET", "150"))


def role_settings() -> dict[str, int]:
    """Part size and in-flight parts as the backups role passes them (its defaults)."""
    found = {"part_size_mib": 8, "max_inflight": 2}
    defaults = REPO / "roles" / "backups" / "defaults" / "main.yml"
    if defaults.exists():
        data = yaml.safe_load(defaults.read_text()) or {}
        for key, value in data.items():
            if "part_size" in key and isinstance(value, int):
                found["part_size_mib"] = value if value < 1024 else value // MIB
            if "inflight" in key and isinstance(value, int):
                found["max_inflight"] = value
    return found


def generate(dbname: str, target_mb: int) -> int:
    """Fill `dbname` with comment-like rows until it holds `target_mb`; return its size in bytes."""
    rows = target_mb * 1024 * 1024 // 1210  # measured: ~1210 bytes on disk per row (with index)
    payload = " || ' ' || ".join(
        f"md5((i * {ROW_PAYLOAD_PARTS} + {k})::text)" for k in range(ROW_PAYLOAD_PARTS)
    )
    psql(
        "CREATE TABLE bench_comments (id bigint PRIMARY KEY, video_id integer NOT NULL,"
        " author_id integer NOT NULL, created_at timestamptz NOT NULL, body text NOT NULL)",
        dbname,
    )
    # Two statements in parallel use both cores; the rows split by id range.
    half = rows // 2
    procs = [
        subprocess.Popen(
            [
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                dbname,
                "-c",
                "SET synchronous_commit = off; INSERT INTO bench_comments "
                f"SELECT i, i % 5000, i % 777, now() - i * interval '1 second', {payload} "
                f"FROM generate_series({lo}, {hi}) AS i",
            ],
            env=os.environ | PG_ENV,
            stderr=subprocess.PIPE,
            text=True,
        )
        for lo, hi in ((1, half), (half + 1, rows))
    ]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"generating rows failed: {err.strip()}")
    psql("VACUUM ANALYZE bench_comments", dbname)
    return int(psql(f"SELECT pg_database_size('{dbname}')"))


def time_pg_dump(dbname: str) -> float:
    started = time.monotonic()
    subprocess.run(
        # --no-sync: pg_dump 15 fsyncs its output file, and /dev/null refuses fsync.
        ["pg_dump", "-Fc", "--no-sync", "-f", "/dev/null", "-d", dbname],
        env=os.environ | PG_ENV,
        check=True,
    )
    return time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def run_backup(dbname: str, endpoint: str, prefix: str, moto_pid: int = 0) -> dict[str, Any]:
    """The off-site backup as a subprocess, its memory tree sampled; the object removed after."""
    settings = role_settings()
    cmd = [
        PYTHON,
        str(SCRIPT),
        "--database-url",
        f"postgres://postgres@127.0.0.1:5432/{dbname}",
        "--bucket",
        BUCKET,
        "--prefix",
        prefix,
        "--endpoint-url",
        endpoint,
        "--part-size-mib",
        str(settings["part_size_mib"]),
        "--max-inflight",
        str(settings["max_inflight"]),
    ]
    env = os.environ | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    }
    moto_before = cpu_seconds(moto_pid) if moto_pid else 0.0
    out, wall, sampler = run_sampled(cmd, env, timeout=600)
    # S3 here is moto on the same two cores; on AWS this CPU is not the machine's.
    moto_cpu = cpu_seconds(moto_pid) - moto_before if moto_pid else None
    manifest = json.loads(out)
    peaks = dict(sampler.peak_by_name)
    peaks["backup process"] = max(peaks.get("backup process", 0), manifest["peak_rss_mib"] * MIB)
    own_peak, dump_peak = peaks["backup process"], peaks.get("pg_dump", 0)
    _delete(endpoint, prefix)
    dump_start, dump_end = longest_lived(sampler, "pg_dump") or (0.0, wall)
    return {
        # Phases as seen from outside: start-up, snapshot and exact counts before pg_dump;
        # the last parts, CompleteMultipartUpload and the manifest after it.
        "before_pg_dump_seconds": round(dump_start, 2),
        "pg_dump_running_seconds": round(dump_end - dump_start, 2),
        "after_pg_dump_seconds": round(wall - dump_end, 2),
        "moto_cpu_seconds": round(moto_cpu, 2) if moto_cpu is not None else None,
        "wall_seconds": round(wall, 2),
        "backup_seconds": manifest.get("duration_seconds"),
        "size": manifest["size"],
        "parts": manifest.get("parts"),
        "backup_peak_mib": round(own_peak / MIB, 1),
        "pg_dump_peak_mib": round(dump_peak / MIB, 1),
        # Every process of the tree (the snapshot's psql session too), each at its own
        # high-water mark: an upper bound of what the backup ever held at once.
        "peak_mib": round(sum(peaks.values()) / MIB, 1),
        "peak_by_process_mib": {k: round(v / MIB, 1) for k, v in peaks.items()},
        "largest_simultaneous_mib": round(sampler.peak_total / MIB, 1),
        "samples": sampler.samples,
        **settings,
    }


def _s3(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fixed credentials
    )


def _delete(endpoint: str, prefix: str) -> None:
    """Free moto's memory: a 500 MB object kept around would only slow the next run."""
    s3 = _s3(endpoint)
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    for obj in listed:
        s3.delete_object(Bucket=BUCKET, Key=obj["Key"])


def main() -> int:
    banner("backup: off-site backup (pg_dump -Fc -> S3 multipart) vs pg_dump alone")
    report = Report("backup")
    port = free_port()
    moto = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, 30, moto)
        endpoint = f"http://127.0.0.1:{port}"
        _s3(endpoint).create_bucket(Bucket=BUCKET)
        measure(report, endpoint, moto.pid)
    except Exception as exc:
        report.error(f"{type(exc).__name__}: {exc}")
    finally:
        stop(moto)
    print(f"  results: {report.write().relative_to(REPO)}")
    return 1 if report.errors else 0


def measure(report: Report, endpoint: str, moto_pid: int = 0) -> None:
    tag = os.getpid()
    with scratch_database(f"bench_backup_small_{tag}") as small_db:
        size = generate(small_db, SMALL_MB)
        small = run_backup(small_db, endpoint, "small/", moto_pid)
        report.details["small"] = small | {"database_bytes": size}
        report.add("small database size", size / 1e6, "MB")
        report.add(
            "small database: peak RSS, backup + pg_dump", small["peak_mib"], "MiB", "<", PEAK_MAX_MB
        )

    with scratch_database(f"bench_backup_large_{tag}") as large_db:
        started = time.monotonic()
        size = generate(large_db, LARGE_MIN_MB + 20)
        report.details["generate_seconds"] = round(time.monotonic() - started, 1)
        report.add(
            "large database size",
            size / 1e6,
            "MB",
            ">=",
            LARGE_MIN_MB,
            note="generated, dropped afterwards",
        )
        started = time.monotonic()
        psql("SELECT count(*) FROM bench_comments", large_db)  # warms the cache for both sides
        report.details["count_scan_seconds"] = round(time.monotonic() - started, 2)
        dumps: list[float] = []
        backups: list[dict[str, Any]] = []
        started = time.monotonic()
        while len(dumps) < REPEAT_MAX:  # alternate, so drift in the machine hits both sides
            dumps.append(time_pg_dump(large_db))
            backups.append(run_backup(large_db, endpoint, f"large-{len(dumps)}/", moto_pid))
            spent = time.monotonic() - started
            if len(dumps) >= 2 and spent / len(dumps) * (len(dumps) + 1) > REPEAT_BUDGET_SECONDS:
                break
        dump_s = min(dumps)
        best = min(backups, key=lambda b: b["wall_seconds"])
        report.details["large"] = {
            "database_bytes": size,
            "pg_dump_alone_seconds": [round(d, 2) for d in dumps],
            "backups": backups,
        }
        report.add(
            "pg_dump -Fc -f /dev/null alone",
            dump_s,
            "s",
            note=f"{size / 1e6 / dump_s:.0f} MB/s of database, best of {len(dumps)}",
        )
        report.add(
            "off-site backup to S3 (whole command)",
            best["wall_seconds"],
            "s",
            note=f"{best['size'] / 1e6:.0f} MB dump in {best['parts']} parts",
        )
        report.add(
            "throughput ratio backup / pg_dump alone",
            dump_s / best["wall_seconds"],
            "x",
            ">=",
            RATIO_MIN,
        )
        peak = max(b["peak_mib"] for b in backups)
        report.add("large database: peak RSS, backup + pg_dump", peak, "MiB", "<", PEAK_MAX_MB)
        report.add(
            "backup: before pg_dump starts (start-up, snapshot, exact counts)",
            best["before_pg_dump_seconds"],
            "s",
        )
        report.add(
            "backup: after pg_dump ends (last parts, complete upload, manifest)",
            best["after_pg_dump_seconds"],
            "s",
            note="moto joins the parts in Python",
        )
        report.add(
            "backup: CPU of the moto S3 server on the same cores",
            best["moto_cpu_seconds"],
            "s",
            note="not on this machine with real S3",
        )
        report.add(
            "exact row count scan (runs before the dump starts)",
            report.details["count_scan_seconds"],
            "s",
            note="warm cache",
        )
        report.add(
            "peak RSS large / small (flat)",
            peak / max(small["peak_mib"], 1.0),
            "x",
            "<=",
            FLAT_GROWTH_MAX,
        )


if __name__ == "__main__":
    sys.exit(main())
