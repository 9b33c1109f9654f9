"""The viewer side of a response: conditional requests (304) and byte ranges (206/416),
applied to a whole object as CloudFront applies them to what it holds."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def not_modified(
    headers: dict[str, str], if_none_match: str | None, if_modified_since: str | None
) -> bool:
    etag = headers.get("ETag", "")
    if if_none_match:
        wanted = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in wanted or etag.removeprefix("W/") in wanted
    if if_modified_since and headers.get("Last-Modified"):
        try:
            return parsedate_to_datetime(headers["Last-Modified"]) <= parsedate_to_datetime(
                if_modified_since
            )
        except (TypeError, ValueError):
            return False
    return False


def byte_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a single satisfiable range; None to send the whole object (no range,
    or several: a server may answer those with 200); False when unsatisfiable (416)."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        count = int(last)
        if count == 0:
            return False
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end
