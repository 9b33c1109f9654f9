"""Health checks behind /healthz: database, cache and media storage."""

import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def check_storage() -> None:
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket:
        # HEAD on the bucket: read-only, and fails for a missing bucket or bad credentials
        # (a HEAD on a missing key would just say "no such object").
        default_storage.connection.meta.client.head_bucket(Bucket=bucket)
    else:
        location = Path(default_storage.location)
        location.mkdir(parents=True, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise PermissionError(f"{location} is not writable")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
}


def run_checks() -> tuple[bool, dict[str, str], dict[str, float]]:
    """Run every check; returns (healthy, {check: "ok"|"fail"}, {check: milliseconds})."""
    results: dict[str, str] = {}
    timings: dict[str, float] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever its type
            healthy = False
            logger.error("event=healthz_check_failed check=%s error=%s", name, type(exc).__name__)
            results[name] = "fail"
        else:
            results[name] = "ok"
        timings[name] = round((time.monotonic() - started) * 1000, 1)
    return healthy, results, timings
