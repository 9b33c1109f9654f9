"""Cache-based rate limiting for login and sign-up (a fixed window per key)."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address; behind Heroku's router the last X-Forwarded-For entry is the real one
    (the router appends what it saw, so earlier entries can be forged by the client)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.RATELIMIT_TRUST_FORWARDED_FOR and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).lower().encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def is_limited(scope: str, *parts: str, limit: int | None = None) -> bool:
    """True once `limit` hits (default RATELIMIT_ATTEMPTS) were counted in the window."""
    return (cache.get(_key(scope, *parts)) or 0) >= (limit or settings.RATELIMIT_ATTEMPTS)


def hit(scope: str, *parts: str, window: int | None = None) -> None:
    """Count one hit; the window (default RATELIMIT_WINDOW_SECONDS) starts at the first."""
    key = _key(scope, *parts)
    window = window or settings.RATELIMIT_WINDOW_SECONDS
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window)


def reset(scope: str, *parts: str) -> None:
    cache.delete(_key(scope, *parts))
