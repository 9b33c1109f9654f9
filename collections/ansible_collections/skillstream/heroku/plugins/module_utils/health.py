# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app's own checks after a release: /healthz answers ok and /version names the release.

One home for what deploy, rollback and recovery wait for (skillstream.heroku.health_check).
Asked often at first (0.1 s) and less often later, up to ``max_interval``: a dyno boots in
about a second, and a deploy should notice at once, not at the next 2 s tick.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import time
from typing import Any, Optional

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    ModuleFailure,
    WaitTimeout,
    wait_for,
)

try:
    import requests
except ImportError:  # pragma: no cover - the module reports it (missing_required_lib)
    requests = None

FIRST_INTERVAL = 0.1


def fetch_json(url: str, timeout: float) -> dict[str, Any]:
    """GET ``url``: its status and its JSON body (``json`` None when the body is not JSON)."""
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:  # refused, reset, timed out, TLS
        return {"url": url, "status": None, "json": None, "error": str(exc)}
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    return {"url": url, "status": response.status_code, "json": parsed, "body": response.text[:300]}


def healthy(answer: dict[str, Any]) -> bool:
    return answer["status"] == 200 and (answer["json"] or {}).get("status") == "ok"


def check_once(base: str, expect_release: Optional[str], timeout: float) -> dict[str, Any]:
    """/healthz, then (once it is ok) /version; ``done`` says whether both passed."""
    state: dict[str, Any] = {"healthz": fetch_json(base + "healthz", timeout), "version": None}
    if healthy(state["healthz"]):
        state["version"] = fetch_json(base + "version", timeout)
    version = (state["version"] or {}).get("json") or {}
    state["done"] = state["version"] is not None and (
        not expect_release or version.get("release") == expect_release
    )
    return state


def describe(state: dict[str, Any], expect_release: Optional[str]) -> str:
    """What the last check saw, as one sentence."""
    answer = state["version"] or state["healthz"]
    if answer["status"] is None:
        return "%s could not be reached: %s" % (answer["url"], answer["error"])
    if answer is state["healthz"]:
        return "%s answered HTTP %s: %s" % (answer["url"], answer["status"], answer["body"])
    found = (answer["json"] or {}).get("release")
    return "%s names release %s, not %s (commit %s)" % (
        answer["url"],
        found or "none (HTTP %s: %s)" % (answer["status"], answer["body"]),
        expect_release,
        (answer["json"] or {}).get("commit", "?"),
    )


def wait_healthy(
    url: str, expect_release: Optional[str], timeout: float, wait: float, max_interval: float
) -> dict[str, Any]:
    """Poll until /healthz is ok and /version names ``expect_release``; ModuleFailure after
    ``wait`` seconds, naming what the last answer said."""
    base = url.rstrip("/") + "/"
    started = time.monotonic()
    attempts = []

    def fetch() -> dict[str, Any]:
        attempts.append(1)
        return check_once(base, expect_release, timeout)

    try:
        state = wait_for(
            fetch,
            lambda s: s["done"],
            wait,
            "the app",
            interval=FIRST_INTERVAL,
            max_interval=max(FIRST_INTERVAL, max_interval),
        )
    except WaitTimeout as exc:
        state = exc.result["last_state"]
        raise ModuleFailure(
            "The app is not healthy after %d checks in %.1f s: %s"
            % (len(attempts), time.monotonic() - started, describe(state, expect_release)),
            healthz=state["healthz"],
            version=state["version"],
            attempts=len(attempts),
        ) from None
    return {
        "healthz": state["healthz"]["json"],
        "version": state["version"]["json"],
        "attempts": len(attempts),
        "seconds": round(time.monotonic() - started, 2),
    }
