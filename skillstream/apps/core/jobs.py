"""Background jobs: django-rq when Redis is configured, inline otherwise (development)."""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(func: Callable[..., Any], *args: Any) -> None:
    """Run func(*args) in the worker once the current transaction commits."""

    def dispatch() -> None:
        if settings.JOBS_INLINE:
            func(*args)
            return
        import django_rq

        job = django_rq.get_queue("default").enqueue(func, *args)
        logger.info("event=job_enqueued job=%s func=%s", job.id, func.__name__)

    transaction.on_commit(dispatch)
