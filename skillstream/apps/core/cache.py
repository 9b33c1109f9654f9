"""Cached pages that never outlive what they show: each is stored with the generation numbers
it was rendered under, and a change to the content bumps a generation (see signals)."""

import hashlib
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "page:generation"  # everything list pages show: videos, channels, users


def video_generation_key(video_id: int) -> str:
    """What only the video's own page shows: its likes and comments."""
    return f"video:{video_id}:generation"


def studio_generation_key(user_id: int) -> str:
    """What a creator's studio shows: their videos and the views, likes, comments, subscribers."""
    return f"studio:{user_id}:generation"


def bump(*keys: str) -> None:
    if not keys:
        return
    redis = redis_client()
    if redis is not None:
        # One round trip for any number of keys (a new video's subscribers). INCR of a missing
        # key stores 1 without expiry, as the fallback below does, in the cache's own format.
        pipe = redis.pipeline(transaction=False)
        for key in keys:
            pipe.incr(cache.make_and_validate_key(key))
        pipe.execute()
        return
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # no generation yet: nothing is cached under one
            cache.add(key, 1, None)


def bump_now_and_on_commit(*keys: str) -> None:
    """bump(), and once more when the current transaction commits (a signal receiver runs
    before the commit): a request that read the old rows between the two stored what it
    rendered under the first bump's generation, which the second retires."""
    bump(*keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: bump(*keys))


def get_current(key: str, generation_keys: Sequence[str]) -> tuple[Any, tuple[int, ...]]:
    """(the value under key if stored under the current generations, else None; those
    generations), in one round trip."""
    return current(cache.get_many([*generation_keys, key]), key, generation_keys)


def current(
    found: dict[str, Any], key: str, generation_keys: Sequence[str]
) -> tuple[Any, tuple[int, ...]]:
    """get_current's answer from values already read (found: as cache.get_many gives)."""
    generations = tuple(found.get(k, 0) for k in generation_keys)
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == generations:
        return stored[1], generations
    return None, generations


def redis_client() -> Any:
    """The cache's own Redis client (its connection pool), or None when the cache is not Redis,
    for what the cache API cannot do: scripts, hashes, sets."""
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    return get_client(write=True) if get_client else None


def decode(raw: bytes) -> Any:
    """A value as the cache stored it, read with redis_client()."""
    return cache._cache._serializer.loads(raw)


def set_current(values: dict[str, Any], generations: tuple[int, ...]) -> None:
    """Store values (key -> value) under the generations they were rendered under."""
    stored = {key: (generations, value) for key, value in values.items()}
    cache.set_many(stored, settings.ANONYMOUS_PAGE_CACHE_SECONDS)


def path_digest(request: HttpRequest) -> str:
    return hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]


def invalidate_pages(update_fields=None, **_kwargs) -> None:
    """Retire every cached page at once (a signal receiver: content they show changed)."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing a page shows
    bump(GENERATION_KEY)


def cache_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a page per path and query string (so per page number) for anonymous visitors.

    Signed-in users, and anyone with a flash message waiting, always get a fresh page. Any
    change to what list pages show bumps a generation number, and a page cached under an
    older generation is not served, so it never outlives the content it shows; the TTL
    bounds the rest (relative dates).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated or len(messages.get_messages(request)):
            return view(request, *args, **kwargs)
        key = f"page:{view.__module__}.{view.__name__}:{path_digest(request)}"
        # One round trip for a hit: the page is read together with the current generation.
        content, generations = get_current(key, [GENERATION_KEY])
        if content is not None:
            response = HttpResponse(content)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            set_current({key: response.content}, generations)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
