"""Heroku API conventions: Accept, auth, rate limits, Range pagination, ETags."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from typing import Any

from localcloud.api.errors import ApiError

ACCEPT_RE = re.compile(r"application/vnd\.heroku\+json;\s*version=3(\.[\w-]+)?\b")
RANGE_RE = re.compile(
    r"^\s*(?P<field>\w+)\s+(?P<excl>\]?)(?P<start>[^.;]*)\.\.(?P<end>[^;]*)(?:;(?P<opts>.*))?$"
)
DEFAULT_MAX = 200
LIMIT_MAX = 1000


def check_accept(header: str | None) -> None:
    if not header or not ACCEPT_RE.search(header):
        raise ApiError(
            406,
            "not_acceptable",
            "Please specify a version along with Heroku's API MIME type. "
            "For example, `Accept: application/vnd.heroku+json; version=3`.",
        )


def check_auth(header: str | None, api_key: str) -> str:
    """The token of a valid `Authorization: Bearer` (or Basic with the key as password)."""
    token = ""
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            token = value.strip()
        elif scheme.lower() == "basic":
            import base64

            try:
                token = base64.b64decode(value.strip()).decode().partition(":")[2]
            except ValueError:
                token = ""
    if token != api_key:
        raise ApiError(401, "unauthorized", "Invalid credentials provided.")
    return token


class RateLimiter:
    """A token bucket like Heroku's: 4500 tokens refilling at 75 a minute."""

    def __init__(self, capacity: int = 4500, per_minute: float = 75.0) -> None:
        self.capacity = capacity
        self.per_second = per_minute / 60.0
        self._tokens = float(capacity)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        stamp = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (stamp - self._stamp) * self.per_second)
        self._stamp = stamp

    def remaining(self) -> int:
        with self._lock:
            self._refill()
            return int(self._tokens)

    def take(self) -> int:
        with self._lock:
            self._refill()
            if self._tokens < 1:
                raise ApiError(
                    429, "rate_limit", "Your account reached the API rate limit. Please wait."
                )
            self._tokens -= 1
            return int(self._tokens)

    def set_remaining(self, value: int) -> None:
        with self._lock:
            self._tokens = float(max(0, min(self.capacity, value)))
            self._stamp = time.monotonic()


def etag(body: bytes) -> str:
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


def _bound(value: str, sample: Any) -> Any:
    if isinstance(sample, int) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value.strip()


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, "" if value is None else str(value))


def paginate(
    items: list[dict[str, Any]], header: str | None, ranges: tuple[str, ...]
) -> tuple[list[dict[str, Any]], str | None]:
    """Apply a `Range` header; return the page and the `Next-Range` if more remain.

    Without a header a short list keeps its natural (creation) order, which for releases is
    also version order; lists without declared ranges accept `id` and `name`."""
    ranges = ranges or ("id", "name")
    if not header and len(items) <= DEFAULT_MAX:
        return items, None
    if not header:
        field, excl, start, end, order, limit = (
            (ranges[0] if ranges else "id"),
            "",
            "",
            "",
            "asc",
            DEFAULT_MAX,
        )
    else:
        match = RANGE_RE.match(header)
        if not match:
            raise ApiError(416, "requested_range_not_satisfiable", f"Invalid Range: {header}")
        field, excl = match["field"], match["excl"]
        start, end = match["start"], match["end"]
        # Options are comma separated; Heroku's CLI also ends the header with a `;`
        # (`id ..; max=200;`), which Heroku accepts.
        opts = dict(
            part.strip().split("=", 1)
            for part in re.split(r"[,;]", match["opts"] or "")
            if "=" in part
        )
        order = opts.get("order", "asc").strip()
        try:
            limit = int(opts.get("max", DEFAULT_MAX))
        except ValueError as exc:
            raise ApiError(416, "requested_range_not_satisfiable", "Invalid max") from exc
        if ranges and field not in ranges:
            raise ApiError(
                416,
                "requested_range_not_satisfiable",
                f"Invalid Range: {field} is not one of {', '.join(ranges)}",
            )
        if order not in ("asc", "desc") or not 1 <= limit <= LIMIT_MAX:
            raise ApiError(416, "requested_range_not_satisfiable", f"Invalid Range: {header}")
    desc = order == "desc"
    ordered = sorted(items, key=lambda i: _sort_key(i.get(field)), reverse=desc)
    selected = []
    for item in ordered:
        value = item.get(field)
        if start:
            bound = _bound(start, value)
            cmp = (value > bound) - (value < bound) if value is not None else -1
            if desc:
                cmp = -cmp
            if cmp < 0 or (excl and cmp == 0):
                continue
        if end:
            bound = _bound(end, value)
            cmp = (value > bound) - (value < bound) if value is not None else -1
            if desc:
                cmp = -cmp
            if cmp > 0:
                continue
        selected.append(item)
    page = selected[:limit]
    if len(selected) > limit:
        last = page[-1].get(field)
        return page, f"{field} ]{last}..{end}; max={limit}, order={order}"  # within the range
    return page, None
