"""What the edge knows about the distributions on moto: read through the CloudFront API,
refreshed every few seconds (a change reaches the edge about as fast as CloudFront deploys)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localcloud.edge.cache import DEFAULT_TTLS, ERROR_CACHING_MIN_TTL, MANAGED_POLICIES

log = logging.getLogger("localcloud.edge")
REFRESH_SECONDS = 2.0
_S3_ORIGIN = re.compile(r"^(?P<bucket>[a-z0-9.-]+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$")


@dataclass(frozen=True)
class ErrorResponse:
    page_path: str  # empty: CloudFront's own error body
    response_code: int | None  # None: the origin's status
    min_ttl: int


@dataclass
class Distribution:
    id: str
    arn: str
    domain_name: str
    enabled: bool
    bucket: str | None
    origin_path: str
    default_root_object: str
    ttls: tuple[int, int, int]
    errors: dict[int, ErrorResponse] = field(default_factory=dict)

    def error_ttl(self, status: int) -> int:
        custom = self.errors.get(status)
        return custom.min_ttl if custom else ERROR_CACHING_MIN_TTL


def _items(block: dict[str, Any] | None) -> list[Any]:
    return (block or {}).get("Items") or []


class Distributions:
    def __init__(self, cloudfront: Any, on_invalidation: Callable[[str, list[str]], None]) -> None:
        self.cloudfront = cloudfront
        self.on_invalidation = on_invalidation
        self._by_label: dict[str, Distribution] = {}
        self._seen_invalidations: set[str] = set()
        self._loaded = 0.0
        self._lock = threading.Lock()

    def find(self, label: str) -> Distribution | None:
        """The distribution whose `<label>.cloudfront.net` domain the viewer asked for."""
        with self._lock:
            if time.monotonic() - self._loaded > REFRESH_SECONDS:
                try:
                    self._by_label = self._load()
                except Exception:  # moto briefly busy: keep serving what we knew
                    log.exception("edge: reading the distributions failed")
                self._loaded = time.monotonic()
            return self._by_label.get(label.lower())

    def _load(self) -> dict[str, Distribution]:
        found: dict[str, Distribution] = {}
        first = self._loaded == 0.0
        listing = self.cloudfront.list_distributions().get("DistributionList", {})
        for summary in _items(listing):
            dist = self._describe(summary["Id"])
            found[dist.domain_name.split(".", 1)[0].lower()] = dist
            self._apply_invalidations(dist.id, replay=not first)
        return found

    def _describe(self, dist_id: str) -> Distribution:
        got = self.cloudfront.get_distribution(Id=dist_id)["Distribution"]
        config = got["DistributionConfig"]
        origin = (_items(config.get("Origins")) or [{}])[0]
        match = _S3_ORIGIN.match(origin.get("DomainName", ""))
        behaviour = config.get("DefaultCacheBehavior", {})
        errors = {
            int(e["ErrorCode"]): ErrorResponse(
                page_path=e.get("ResponsePagePath") or "",
                response_code=int(e["ResponseCode"]) if e.get("ResponseCode") else None,
                min_ttl=int(e.get("ErrorCachingMinTTL", ERROR_CACHING_MIN_TTL)),
            )
            for e in _items(config.get("CustomErrorResponses"))
        }
        return Distribution(
            id=got["Id"],
            arn=got["ARN"],
            domain_name=got["DomainName"],
            enabled=bool(config.get("Enabled", True)),
            bucket=match.group("bucket") if match else None,
            origin_path=(origin.get("OriginPath") or "").strip("/"),
            default_root_object=(config.get("DefaultRootObject") or "").lstrip("/"),
            ttls=self._ttls(behaviour),
            errors=errors,
        )

    def _ttls(self, behaviour: dict[str, Any]) -> tuple[int, int, int]:
        policy_id = behaviour.get("CachePolicyId")
        if not policy_id:
            legacy = [behaviour.get(k) for k in ("MinTTL", "DefaultTTL", "MaxTTL")]
            return tuple(int(v) for v in legacy) if None not in legacy else DEFAULT_TTLS  # type: ignore[return-value]
        if policy_id in MANAGED_POLICIES:
            return MANAGED_POLICIES[policy_id]
        try:
            policy = self.cloudfront.get_cache_policy(Id=policy_id)["CachePolicy"]
            cfg = policy["CachePolicyConfig"]
            return (
                int(cfg.get("MinTTL", 0)),
                int(cfg.get("DefaultTTL", 86400)),
                int(cfg.get("MaxTTL", 31536000)),
            )
        except Exception:
            log.warning("edge: cache policy %s unreadable; default TTLs", policy_id)
            return DEFAULT_TTLS

    def _apply_invalidations(self, dist_id: str, replay: bool) -> None:
        """Invalidations made since the last look empty the cache of what they name."""
        try:
            listing = self.cloudfront.list_invalidations(DistributionId=dist_id)
        except Exception:
            return
        for item in _items(listing.get("InvalidationList")):
            key = f"{dist_id}/{item['Id']}"
            if key in self._seen_invalidations:
                continue
            self._seen_invalidations.add(key)
            if replay:
                batch = self.cloudfront.get_invalidation(DistributionId=dist_id, Id=item["Id"])
                paths = _items(batch["Invalidation"]["InvalidationBatch"].get("Paths"))
                self.on_invalidation(dist_id, paths)
