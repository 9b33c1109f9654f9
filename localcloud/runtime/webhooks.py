"""App webhook deliveries, signed the way Heroku signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable

log = logging.getLogger(__name__)

ATTEMPTS = 4
FIRST_BACKOFF = 0.5  # seconds; doubles after each failed attempt
TIMEOUT = 10.0

# on_result(attempts, status or None, error or None), called once when delivery ends.
ResultCallback = Callable[[int, int | None, str | None], None]


def signature(secret: str, body: bytes) -> str:
    """The `Heroku-Webhook-Hmac-SHA256` value: base64 of HMAC-SHA256(secret, body)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def deliver(
    url: str, secret: str | None, payload: dict, on_result: ResultCallback | None = None
) -> threading.Thread:
    """POST `payload` as JSON from a background thread, retrying a few times on failure."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "heroku-webhooks/1.0 (localcloud)",
        "Heroku-Webhook-Id": str(payload.get("id") or uuid.uuid4()),
    }
    if secret:
        headers["Heroku-Webhook-Hmac-SHA256"] = signature(secret, body)
    thread = threading.Thread(
        target=_send, args=(url, body, headers, on_result), name="webhook-delivery", daemon=True
    )
    thread.start()
    return thread


def _send(url: str, body: bytes, headers: dict[str, str], on_result: ResultCallback | None) -> None:
    status: int | None = None
    error: str | None = None
    attempt = 0
    for attempt in range(1, ATTEMPTS + 1):
        try:
            status = _post(url, body, headers)
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            status, error = None, str(exc) or type(exc).__name__
        if status is not None and 200 <= status < 300:
            break
        log.info("webhook to %s failed (attempt %d): %s", url, attempt, error)
        if attempt < ATTEMPTS:
            time.sleep(FIRST_BACKOFF * 2 ** (attempt - 1))
    if on_result is not None:
        try:
            on_result(attempt, status, error)
        except Exception:  # a broken callback must not kill the thread silently
            log.exception("webhook result callback failed")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST with http.client, which keeps the header names as Heroku spells them."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    conn_cls = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_cls(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
