"""Dyno memory: Heroku's quotas (R14/R15) and `log-runtime-metrics` samples."""

from __future__ import annotations

import contextlib
import os

try:
    import psutil
except ImportError:  # localcloud runs without it; then memory is not watched
    psutil = None  # type: ignore[assignment]

MB = 1024 * 1024
# Memory quota per dyno size, in MB (Heroku's published figures).
QUOTA_MB = {
    "eco": 512,
    "basic": 512,
    "standard-1x": 512,
    "standard-2x": 1024,
    "performance-m": 2560,
    "performance-l": 14336,
    "performance-l-ram": 30720,
    "performance-xl": 63488,
    "performance-2xl": 129024,
}
VASTLY = 2.0  # R15: above this multiple of the quota the dyno is killed


def quota_mb(size: str) -> int:
    return QUOTA_MB.get(size.lower(), 512)


def group_memory(pid: int) -> tuple[float, float] | None:
    """(rss, swap) in MB of a process and its descendants; None when it cannot be read."""
    if psutil is None:
        return None
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    rss = swap = 0
    for proc in procs:
        # PSS counts pages shared by forked workers once, closer to the dyno's cgroup figure.
        try:
            info = proc.memory_full_info()
            rss += getattr(info, "pss", info.rss)
            swap += getattr(info, "swap", 0)
        except psutil.AccessDenied:
            with contextlib.suppress(psutil.Error):
                rss += proc.memory_info().rss
        except psutil.Error:
            continue
    return rss / MB, swap / MB


def memory_sample(source: str, dyno_id: str, rss: float, swap: float, quota: int) -> str:
    """A `log-runtime-metrics` memory line, as Heroku writes it."""
    return (
        f"source={source} dyno=heroku.{dyno_id} sample#memory_total={rss + swap:.2f}MB "
        f"sample#memory_rss={rss:.2f}MB sample#memory_cache=0.00MB "
        f"sample#memory_swap={swap:.2f}MB sample#memory_quota={quota:.2f}MB"
    )


def load_sample(source: str, dyno_id: str) -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"source={source} dyno=heroku.{dyno_id} sample#load_avg_1m={one:.2f} "
        f"sample#load_avg_5m={five:.2f} sample#load_avg_15m={fifteen:.2f}"
    )
