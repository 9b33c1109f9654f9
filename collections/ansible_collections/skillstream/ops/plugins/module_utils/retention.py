"""Grandfather-father-son retention: which good backups to keep.

Pure functions (no I/O), so the policy is tested on its own and reused by scripts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Dict, Iterable, List, Sequence, Set, Tuple

Backup = Tuple[str, datetime]  # (name, time the backup was taken, UTC)


def _bucket_keys() -> Dict[str, Callable[[datetime], Tuple[int, ...]]]:
    return {
        "daily": lambda t: (t.year, t.month, t.day),
        "weekly": lambda t: tuple(t.isocalendar()[:2]),
        "monthly": lambda t: (t.year, t.month),
    }


def keep_set(good: Iterable[Backup], daily: int, weekly: int, monthly: int) -> Dict[str, List[str]]:
    """Names to keep, with the reasons each is kept.

    For each period kind, the newest backup of each of the newest N periods that have a
    backup is kept. The newest good backup is always kept, whatever the numbers say.
    """
    ordered: Sequence[Backup] = sorted(good, key=lambda b: (b[1], b[0]), reverse=True)
    reasons: Dict[str, List[str]] = {}
    if not ordered:
        return reasons
    reasons.setdefault(ordered[0][0], []).append("newest")
    limits = {"daily": daily, "weekly": weekly, "monthly": monthly}
    for kind, key_of in _bucket_keys().items():
        seen: Set[Tuple[int, ...]] = set()
        for name, when in ordered:
            if len(seen) >= limits[kind]:
                break
            period = key_of(when)
            if period in seen:
                continue
            seen.add(period)
            reasons.setdefault(name, []).append(kind)
    return reasons


def prune_list(good: Iterable[Backup], daily: int, weekly: int, monthly: int) -> List[str]:
    """Names of good backups the policy no longer keeps, oldest first."""
    good = list(good)
    keep = keep_set(good, daily, weekly, monthly)
    return [name for name, _ in sorted(good, key=lambda b: (b[1], b[0])) if name not in keep]
