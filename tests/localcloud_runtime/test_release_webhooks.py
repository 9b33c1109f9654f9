"""The release phase (runs in the slug, may fail or hang) and signed webhook deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import psutil
import pytest

from localcloud.runtime import webhooks
from localcloud.runtime.builder import BuildResult
from localcloud.runtime.release_phase import run_release_phase

from .conftest import Receiver


def test_release_phase_runs_in_the_slug(built_app: BuildResult) -> None:
    lines: list[str] = []
    command = built_app.process_types["release"] + "; which python; gunicorn --version"
    ok = run_release_phase(built_app.slug_dir, command, {"GREETING": "v7"}, lines.append)
    assert ok, lines
    assert lines[0] == "release ran with v7"
    assert lines[1] == str(built_app.slug_dir / ".heroku/python/bin/python")
    assert lines[2].startswith("gunicorn")


def test_failing_release_phase_returns_false(built_app: BuildResult) -> None:
    lines: list[str] = []
    ok = run_release_phase(built_app.slug_dir, "echo migrating; exit 4", {}, lines.append)
    assert ok is False
    assert lines == ["migrating", "Release command exited with status 4"]


def test_hanging_release_phase_is_killed(built_app: BuildResult) -> None:
    lines: list[str] = []
    started = time.monotonic()
    ok = run_release_phase(
        built_app.slug_dir, "sleep 61.25 & sleep 62.5; echo never", {}, lines.append, timeout=1
    )
    assert ok is False
    assert time.monotonic() - started < 15  # 1 s, then SIGTERM to the group
    assert "timed out" in lines[-1]
    sleepers = [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["cmdline"] in (["sleep", "60"], ["sleep", "61"])
    ]
    assert sleepers == []


def test_webhook_is_signed_with_hmac_sha256(receiver: Receiver) -> None:
    payload = {
        "id": "4ad6c7a1-5e5e-4c6e-9a0e-6a0b2f0b1f11",
        "action": "create",
        "resource": "release",
        "data": {"version": 7},
    }
    results = []
    webhooks.deliver(receiver.url, "s3cret", payload, on_result=lambda *r: results.append(r)).join(
        10
    )
    assert results == [(1, 200, None)]
    headers, body = receiver.requests[0]
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert headers["Heroku-Webhook-Hmac-SHA256"] == expected
    assert headers["Heroku-Webhook-Id"] == payload["id"]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == payload


def test_webhook_without_secret_is_unsigned(receiver: Receiver) -> None:
    webhooks.deliver(receiver.url, None, {"resource": "release"}).join(10)
    assert "Heroku-Webhook-Hmac-SHA256" not in receiver.requests[0][0]


def test_webhook_retries_then_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "FIRST_BACKOFF", 0.01)
    failing = Receiver(status=500)
    try:
        results = []
        thread = webhooks.deliver(
            failing.url, "x", {"resource": "release"}, on_result=lambda *r: results.append(r)
        )
        thread.join(10)
        assert len(failing.requests) == webhooks.ATTEMPTS
        assert results == [(webhooks.ATTEMPTS, 500, "HTTP 500")]
    finally:
        failing.close()
