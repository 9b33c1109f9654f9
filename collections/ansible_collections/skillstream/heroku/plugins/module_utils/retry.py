# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy of the skillstream collections: full-jitter exponential backoff that
honours ``Retry-After``, inside a bounded number of attempts and a bounded total wait.

``HerokuClient`` (Platform and data API, blob uploads) and ``skillstream.ops``' Sentry client
retry through ``Backoff.run``; an attempt says it may succeed later by raising ``Retryable``.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import random
import time
from typing import Any, Callable, Optional


class Retryable(Exception):
    """An attempt failed in a way that may succeed later.

    ``error`` is what to raise when no attempt is left (None: a ``GaveUp`` naming ``reason``);
    ``applied_maybe`` says the request may have taken effect (a non-idempotent call must not
    simply be repeated).
    """

    def __init__(self, reason, retry_after=None, applied_maybe=False, error=None):
        super(Retryable, self).__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.applied_maybe = applied_maybe
        self.error = error


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date); None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class Backoff:
    """Counts attempts, retries and seconds waited across every call of one client."""

    def __init__(
        self,
        max_attempts: int = 8,
        max_wait: float = 120.0,
        base: float = 0.5,
        cap: float = 20.0,
        sleep: Callable[[float], Any] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.max_attempts = max_attempts
        self.max_wait = float(max_wait)
        self.base = base
        self.cap = cap
        self._sleep = sleep
        self._rand = rand
        self.retries = 0
        self.waited = 0.0

    def delay(self, attempt: int, retry_after: Optional[float]) -> float:
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        delay = self._rand() * ceiling  # full jitter spreads the retries of parallel hosts
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def run(
        self,
        attempt_fn: Callable[[int], Any],
        give_up: Callable[[Retryable, int], Exception],
        before_retry: Optional[Callable[[Retryable], Any]] = None,
    ) -> Any:
        """Call ``attempt_fn(attempt)`` until it returns; after a ``Retryable``, wait and try
        again, or raise ``give_up(exc, attempt)`` when attempts or the wait budget run out.

        ``before_retry(exc)`` may return a value instead of retrying (not None: it is the
        result), e.g. a POST found applied after a dropped connection.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return attempt_fn(attempt)
            except Retryable as exc:
                if before_retry is not None:
                    found = before_retry(exc)
                    if found is not None:
                        return found
                delay = self.delay(attempt, exc.retry_after)
                if attempt >= self.max_attempts or delay > self.max_wait - self.waited:
                    raise give_up(exc, attempt) from None
                self.retries += 1
                self.waited += delay
                self._sleep(delay)
