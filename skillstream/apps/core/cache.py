"""Short-lived caching of list pages for anonymous visitors."""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "page:generation"


def page_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY) or 1
    return generation


def invalidate_pages(update_fields=None, **_kwargs) -> None:
    """Retire every cached page at once (a signal receiver: content they show changed)."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing a page shows
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: nothing is cached under one
        cache.add(GENERATION_KEY, 1, None)


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
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"page:{view.__module__}.{view.__name__}:{digest}"
        # One round trip for a hit: the page is stored with the generation it was rendered
        # under and read together with the current generation.
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY) or page_generation()
        cached = found.get(key)
        if isinstance(cached, tuple) and cached[0] == generation:
            response = HttpResponse(cached[1])
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, (generation, response.content), settings.ANONYMOUS_PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
