"""A small Sentry Web API client: releases and deploys (https://docs.sentry.io/api/)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

from ansible_collections.skillstream.heroku.plugins.module_utils.retry import (
    Backoff,
    Retryable,
    parse_retry_after,
)

RETRY_STATUSES = (429, 502, 503, 504)


class SentryError(RuntimeError):
    """Sentry refused or failed; the message never carries the token."""


class SentryClient:
    """Bearer-token client for /api/0/organizations/{org}/releases/..."""

    def __init__(self, api_url: str, token: str, org: str, timeout: float = 30) -> None:
        if not api_url.startswith(("https://", "http://")):
            raise SentryError("sentry api_url must be http(s)")
        self.base = api_url.rstrip("/") + "/api/0/organizations/%s" % quote(org, safe="")
        self.token = token
        self.timeout = timeout
        self.backoff = Backoff(max_attempts=4, max_wait=30.0, base=1.0, cap=8.0)

    def _call(
        self, method: str, path: str, body: Optional[Dict[str, Any]] = None
    ) -> Tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None

        def attempt_once(_attempt: int) -> Tuple[int, Any]:
            req = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
                self.base + path,
                data=data,
                method=method,
                headers={
                    "Authorization": "Bearer " + self.token,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": "skillstream-ops",
                },
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    raw = resp.read()
                    return resp.status, json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                raw = exc.read()
                error = SentryError(
                    "%s %s: HTTP %s %s"
                    % (method, path, exc.code, raw[:500].decode(errors="replace"))
                )
                if exc.code in RETRY_STATUSES:
                    retry_after = parse_retry_after(exc.headers.get("Retry-After"))
                    raise Retryable("HTTP %s" % exc.code, retry_after, error=error) from None
                if exc.code == 404:
                    return 404, None
                raise error from None
            except (urllib.error.URLError, OSError) as exc:
                raise Retryable("%s %s: %s" % (method, path, exc)) from None

        def give_up(exc: Retryable, _attempt: int) -> Exception:
            return exc.error or SentryError(exc.reason)

        return self.backoff.run(attempt_once, give_up)

    def release(self, version: str) -> Optional[Dict[str, Any]]:
        """The release, or None."""
        status, body = self._call("GET", "/releases/%s/" % quote(version, safe=""))
        return body if status == 200 else None

    def create_release(
        self, version: str, projects: List[str], ref: str = "", url: str = ""
    ) -> Dict[str, Any]:
        """Create the release (Sentry answers 208 when it already exists)."""
        body: Dict[str, Any] = {"version": version, "projects": projects}
        if ref:
            body["ref"] = ref
        if url:
            body["url"] = url
        return self._call("POST", "/releases/", body)[1] or {}

    def deploys(self, version: str) -> List[Dict[str, Any]]:
        """The deploys of a release."""
        status, body = self._call("GET", "/releases/%s/deploys/" % quote(version, safe=""))
        return body if status == 200 and isinstance(body, list) else []

    def create_deploy(
        self, version: str, environment: str, name: str = "", url: str = ""
    ) -> Dict[str, Any]:
        """Record a deploy of the release to an environment."""
        body: Dict[str, Any] = {"environment": environment}
        if name:
            body["name"] = name
        if url:
            body["url"] = url
        return self._call("POST", "/releases/%s/deploys/" % quote(version, safe=""), body)[1] or {}
