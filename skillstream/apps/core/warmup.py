"""Warm a web worker before it takes requests (gunicorn's post_worker_init hook, in
gunicorn.conf.py at the app root).

A worker's first request otherwise pays for importing every view (the URL conf) and opening
the database, cache and S3 connections: about 0.5 s, felt by the first visitor after every
release, restart and daily cycle, and by the deploy's health check. Each worker does it for
itself after the fork, so no connection is shared between processes. A failure is logged,
never raised: a worker that cannot warm up still serves, and /healthz says what is wrong.
"""

import logging
import time

from django.urls import get_resolver

from apps.core.health import run_checks

logger = logging.getLogger(__name__)


def warm_up() -> bool:
    """Load the views and open the connections the health checks use; True when all worked."""
    started = time.monotonic()
    try:
        get_resolver().url_patterns  # noqa: B018 (the attribute imports every view module)
        urls = True
    except Exception as exc:  # a broken view module still lets the worker start, as before
        logger.warning("event=warmup_failed step=urls error=%s", type(exc).__name__)
        urls = False
    healthy, _, timings = run_checks()
    logger.info(
        "event=worker_warm ms=%.0f healthy=%s checks_ms=%s",
        (time.monotonic() - started) * 1000,
        healthy and urls,
        ",".join(f"{name}:{ms}" for name, ms in timings.items()),
    )
    return healthy and urls
