"""The edge's object cache: whole objects in memory, each kept for the TTL its cache policy
gives it, least recently used out first when the byte budget is spent."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

# CloudFront's managed policies (moto knows none of them): id -> (min, default, max) TTLs.
MANAGED_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": (1, 86400, 31536000),  # CachingOptimized
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": (0, 0, 0),  # CachingDisabled
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": (
        1,
        86400,
        31536000,
    ),  # CachingOptimizedForUncompressedObjects
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": (0, 86400, 31536000),  # Elemental-MediaPackage
}
DEFAULT_TTLS = (0, 86400, 31536000)  # a distribution with no cache policy (legacy settings)
ERROR_CACHING_MIN_TTL = 10  # CloudFront's default for error responses
_MAX_AGE = re.compile(r"(?:s-maxage|max-age)\s*=\s*(\d+)", re.I)


def ttl_for(cache_control: str | None, ttls: tuple[int, int, int]) -> int:
    """Seconds to keep an object: the origin's max-age (s-maxage first) clamped to the policy's
    minimum and maximum, or the policy's default when the origin says nothing."""
    low, default, high = ttls
    if cache_control:
        lowered = cache_control.lower()
        if "no-store" in lowered or "no-cache" in lowered or "private" in lowered:
            return low
        ages = _MAX_AGE.findall(cache_control)
        if ages:
            return max(low, min(high, int(ages[0])))
    return default


@dataclass
class Entry:
    status: int
    body: bytes
    headers: dict[str, str]
    expires: float
    stored: float = field(default_factory=time.monotonic)


class EdgeCache:
    def __init__(self, budget_bytes: int = 256 << 20) -> None:
        self.budget = budget_bytes
        self._entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, dist_id: str, path: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get((dist_id, path))
            if entry is None:
                return None
            if entry.expires <= time.monotonic():
                self._drop((dist_id, path))
                return None
            self._entries.move_to_end((dist_id, path))
            return entry

    def put(self, dist_id: str, path: str, entry: Entry, ttl: float) -> None:
        if ttl <= 0 or len(entry.body) > self.budget // 4:
            return
        entry.expires = time.monotonic() + ttl
        with self._lock:
            self._drop((dist_id, path))
            self._entries[(dist_id, path)] = entry
            self._used += len(entry.body)
            while self._used > self.budget and self._entries:
                self._drop(next(iter(self._entries)))

    def invalidate(self, dist_id: str, patterns: list[str]) -> None:
        """Drop what an invalidation names (`/path` exactly, or `/prefix*`)."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == dist_id]:
                for pattern in patterns:
                    hit = (
                        key[1].startswith(pattern[:-1])
                        if pattern.endswith("*")
                        else key[1] == pattern
                    )
                    if hit:
                        self._drop(key)
                        break

    def _drop(self, key: tuple[str, str]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._used -= len(entry.body)
