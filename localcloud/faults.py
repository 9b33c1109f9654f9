"""Faults on demand: what the next matching requests, builds, releases or add-ons will do.

A fault is a dict as POSTed to `/__localcloud/faults`:

- request faults (`target` `api`, the default, or `aws` for the moto port):
  `{"kind": "status", "status": 503, "method": "GET", "path": "^/apps/[^/]+$", "count": 2,
  "retry_after": 1}`, `{"kind": "hang", "seconds": 3, ...}`, `{"kind": "drop", ...}`
  (`"after": true`: the request is applied first, then the connection drops before the
  answer, the case that makes a client's retry of a POST create a duplicate);
- `{"kind": "build_fail", "app": "name"}`: the next build fails;
- `{"kind": "release_fail", "app": "name"}`: the next release phase fails;
- `{"kind": "provision_delay", "seconds": 5}`: add-on provisioning takes that long;
- `{"kind": "provision_fail", "message": "..."}`: the next add-on provisioning fails with it;
- `{"kind": "kill_dyno", "app": "name", "dyno": "web.1"}`: acts at once (a crash).

`count` is how many times it fires (default 1, `null` for until cleared); `app`, `method` and
`path` (regular expressions for the latter two) narrow what it matches.
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import Any

REQUEST_KINDS = {"status", "hang", "drop"}
EVENT_KINDS = {"build_fail", "release_fail", "provision_delay", "provision_fail"}
KINDS = REQUEST_KINDS | EVENT_KINDS | {"kill_dyno"}


class FaultError(ValueError):
    pass


def validate(spec: dict[str, Any]) -> dict[str, Any]:
    """Normalise a fault spec, or raise FaultError with what is wrong."""
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {sorted(KINDS)}")
    fault = dict(spec)
    fault["id"] = str(uuid.uuid4())
    fault.setdefault("count", 1)
    fault.setdefault("target", "api")
    fault.setdefault("method", ".*")
    fault.setdefault("path", ".*")
    fault["fired"] = 0
    if fault["target"] not in ("api", "aws"):
        raise FaultError("target must be api or aws")
    if fault["count"] is not None and (not isinstance(fault["count"], int) or fault["count"] < 1):
        raise FaultError("count must be a positive integer or null")
    for key in ("method", "path"):
        try:
            re.compile(fault[key])
        except (re.error, TypeError) as exc:
            raise FaultError(f"{key} is not a regular expression: {exc}") from exc
    if kind == "status":
        status = fault.get("status")
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultError("status must be an HTTP error status (400-599)")
    if kind in ("hang", "provision_delay"):
        seconds = fault.get("seconds")
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise FaultError("seconds must be a non-negative number")
    if "after" in fault and (
        kind != "drop" or fault["target"] != "api" or not isinstance(fault["after"], bool)
    ):
        raise FaultError("after is for api drops: true applies the request, then drops the answer")
    if kind == "kill_dyno" and not (fault.get("app") and fault.get("dyno")):
        raise FaultError("kill_dyno needs app and dyno")
    return fault


class Faults:
    """The armed faults; each match uses one of its `count`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[dict[str, Any]] = []

    def add(self, fault: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._faults.append(fault)
        return fault

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._faults]

    def clear(self, fault_id: str | None = None) -> int:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if fault_id and f["id"] != fault_id]
            return before - len(self._faults)

    def _take(self, predicate: Any) -> dict[str, Any] | None:
        with self._lock:
            for fault in self._faults:
                if predicate(fault):
                    fault["fired"] += 1
                    if fault["count"] is not None:
                        fault["count"] -= 1
                        if fault["count"] <= 0:
                            self._faults.remove(fault)
                    return dict(fault)
        return None

    def take_request(self, target: str, method: str, path: str) -> dict[str, Any] | None:
        """The request fault to apply to this request, if one matches."""
        return self._take(
            lambda f: (
                f["kind"] in REQUEST_KINDS
                and f["target"] == target
                and re.fullmatch(f["method"], method, re.IGNORECASE)
                and re.search(f["path"], path)
            )
        )

    def take_event(self, kind: str, app: str | None = None) -> dict[str, Any] | None:
        """The build/release/provisioning fault for this app, if one is armed."""
        return self._take(
            lambda f: f["kind"] == kind and (not f.get("app") or not app or f["app"] == app)
        )
