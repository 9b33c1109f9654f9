"""View counting: one view per visitor and video, counted in Redis by the request and folded
into PostgreSQL in batches by the worker.

A visitor is a random id in a cookie (no session is created for it). Counting a view is a Lua
script, run in the watch page's own Redis round trip when its page is cached: it adds the
video to the visitor's seen set and, when it is new there, adds 1 to the pending hash and
says whether a fold must be scheduled (at most one every VIEW_FOLD_SECONDS). A fold claims
the pending hash atomically (renamed to the folding hash and stamped with a batch id), adds
its counts and records the batch id in one transaction, then deletes the folding hash. A fold
that dies before its commit leaves the folding hash for the next fold to apply; one that dies
after it leaves a batch id the database already has, which the next fold only deletes: no
view is lost or counted twice.
"""

import logging
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any

import django_rq
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.core.cache import bump, redis_client, studio_generation_key
from apps.videos.models import Video, ViewFold

logger = logging.getLogger(__name__)

VISITOR_COOKIE = "visitor"
VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{22}")
BATCH_FIELD = "batch"  # in the folding hash, beside the video ids (all digits)
FOLDS_KEPT = timedelta(days=7)  # applied batch ids remembered this long
CHUNK = 1000
MAX_BATCHES = 10  # per fold: views keep arriving while it runs

# KEYS: the visitor's seen set, the pending hash, the fold-scheduled flag. ARGV: the video,
# how long a visitor is remembered, how often a fold runs.
RECORD = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 2 end
return 1
"""
CLAIM = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return redis.call('HGETALL', KEYS[2])
"""
RELEASE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_scripts: dict[str, object] = {}


def _script(redis, source: str):
    if source not in _scripts:
        _scripts[source] = redis.register_script(source)  # EVALSHA, loaded on first use
    return _scripts[source]


def _key(name: str) -> str:
    return cache.make_key(f"views:{name}")


class ViewCount:
    """This request's view of a video: counted unless its visitor was counted for it before.

    `on_hit` is the count as the watch page's own round trip runs it (apps.core.page_read),
    when the cached page is there: a page is cached for ready videos only, and a view of
    anything else is not counted. Otherwise `count` does it in a round trip of its own, once
    the view knows the video is ready.
    """

    def __init__(self, request: HttpRequest, video_id: int) -> None:
        visitor = request.COOKIES.get(VISITOR_COOKIE, "")
        self.new_visitor = not VISITOR_ID.fullmatch(visitor)
        self.visitor = secrets.token_urlsafe(16) if self.new_visitor else visitor
        self.video_id = video_id
        self.counted: bool | None = None  # None: not counted yet

    def on_hit(self) -> tuple[str, list[str], list[Any]]:
        """(the Lua that counts, its keys, its args) for apps.core.page_read.read."""
        keys, args = _record_arguments(self.visitor, self.video_id)
        return RECORD, keys, args

    def took(self, outcome: int) -> None:
        """What on_hit returned (-1: it did not run)."""
        if outcome >= 0:
            self.counted = _recorded(outcome)

    def count(self) -> None:
        if self.counted is None:
            self.counted = record_view(self.visitor, self.video_id)

    def remember_visitor(self, response: HttpResponse) -> None:
        if self.new_visitor:
            response.set_cookie(
                VISITOR_COOKIE,
                self.visitor,
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )


def record_view(visitor: str, video_id: int) -> bool:
    """True when this is the visitor's first view of the video (within SESSION_COOKIE_AGE)."""
    redis = redis_client()
    if redis is None:  # development without Redis: count in the database at once
        if not cache.add(_key(f"seen:{visitor}:{video_id}"), 1, settings.SESSION_COOKIE_AGE):
            return False
        Video.objects.filter(pk=video_id).update(view_count=F("view_count") + 1)
        return True
    keys, args = _record_arguments(visitor, video_id)
    return _recorded(_script(redis, RECORD)(keys=keys, args=args))


def _record_arguments(visitor: str, video_id: int) -> tuple[list[str], list[Any]]:
    keys = [_key(f"seen:{visitor}"), _key("pending"), _key("fold-scheduled")]
    return keys, [video_id, settings.SESSION_COOKIE_AGE, settings.VIEW_FOLD_SECONDS]


def _recorded(outcome: int) -> bool:
    """The script's outcome: 0 seen before, 1 counted, 2 counted and a fold to schedule."""
    if outcome == 2:
        # Due once the flag has expired (rq keeps due times in whole seconds, hence + 1): a view
        # that found the flag set is then pending before this fold claims the batch.
        delay = timedelta(seconds=settings.VIEW_FOLD_SECONDS + 1)
        django_rq.get_queue("default").enqueue_in(delay, fold_views)
    return outcome > 0


def pending_views() -> dict[int, int]:
    """Views counted but not folded yet, per video (pending and a claimed batch)."""
    redis = redis_client()
    totals: dict[int, int] = {}
    for name in ("pending", "folding"):
        for field, count in (redis.hgetall(_key(name)) if redis else {}).items():
            if field.isdigit():
                totals[int(field)] = totals.get(int(field), 0) + int(count)
    return totals


def fold_views() -> int:
    """Add the views counted in Redis to the videos in PostgreSQL; the number of views folded.

    Run by the worker (scheduled by the views themselves); safe to run at any time, twice at
    once, or after a fold that died half-way (its batch goes first).
    """
    redis = redis_client()
    folded = 0
    for _ in range(MAX_BATCHES if redis is not None else 0):
        batch_id, counts = claim_batch(redis)
        if batch_id is None:
            break
        owners = apply_batch(batch_id, counts)
        release_batch(redis, batch_id)
        bump(*(studio_generation_key(owner) for owner in owners))
        views = sum(counts.values())
        folded += views
        logger.info("event=views_folded batch=%s videos=%d views=%d", batch_id, len(counts), views)
    return folded


def claim_batch(redis) -> tuple[str | None, dict[int, int]]:
    """The batch to fold: one a fold left unfinished, else the pending views, renamed."""
    keys = [_key("pending"), _key("folding")]
    raw = _script(redis, CLAIM)(keys=keys, args=[BATCH_FIELD, uuid.uuid4().hex])
    fields = {raw[i].decode(): raw[i + 1].decode() for i in range(0, len(raw), 2)}
    batch_id = fields.pop(BATCH_FIELD, None)
    return batch_id, {int(video): int(count) for video, count in fields.items()}


def apply_batch(batch_id: str, counts: dict[int, int]) -> set[int]:
    """Add the counts and record the batch in one transaction; the owners of the videos
    counted (none when the batch was applied before)."""
    with transaction.atomic():
        _, created = ViewFold.objects.get_or_create(batch=batch_id)
        if not created:
            return set()
        videos = sorted(counts)
        for start in range(0, len(videos), CHUNK):
            chunk = videos[start : start + CHUNK]
            added = Case(
                *(When(pk=pk, then=Value(counts[pk])) for pk in chunk),
                default=0,
                output_field=BigIntegerField(),
            )
            Video.objects.filter(pk__in=chunk).update(view_count=F("view_count") + added)
        ViewFold.objects.filter(folded_at__lt=timezone.now() - FOLDS_KEPT).delete()
        return set(Video.objects.filter(pk__in=videos).values_list("owner_id", flat=True))


def release_batch(redis, batch_id: str) -> None:
    _script(redis, RELEASE)(keys=[_key("folding")], args=[BATCH_FIELD, batch_id])
