"""Cache, sessions and job-queue settings derived from one REDIS_URL."""

from typing import Any


def redis_settings(url: str, *, jobs_async: bool = True) -> dict[str, Any]:
    """Settings dict for a Redis URL; rediss:// (Heroku Redis) uses a self-signed certificate."""
    tls = url.startswith("rediss://")
    cache_options: dict[str, Any] = {"ssl_cert_reqs": None} if tls else {}
    queue: dict[str, Any] = {"URL": url, "DEFAULT_TIMEOUT": 600, "ASYNC": jobs_async}
    if tls:
        queue["SSL_CERT_REQS"] = None
    return {
        "CACHES": {
            "default": {
                "BACKEND": "apps.core.redis_cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "skillstream",
                "OPTIONS": cache_options,
            }
        },
        "RQ_QUEUES": {"default": queue},
        "JOBS_INLINE": False,
    }
