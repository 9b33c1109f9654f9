"""Background jobs: django-rq when Redis is configured, inline otherwise (development)."""

import logging
from collections.abc import Callable
from typing import Any

import django_rq
from django.conf import settings
from django.db import transaction
from rq import Retry

logger = logging.getLogger(__name__)


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run func(*args) in the worker once the current transaction commits."""

    def dispatch() -> None:
        if settings.JOBS_INLINE:
            func(*args)
            return
        # Transient failures (S3 or database blips) retry with back-off; the worker's
        # scheduler (--with-scheduler in the Procfile) re-queues them when due.
        job = django_rq.get_queue("default").enqueue(
            func, *args, retry=Retry(max=3, interval=[10, 60, 300])
        )
        logger.info("event=job_enqueued job=%s func=%s", job.id, func.__name__)

    transaction.on_commit(dispatch)
