"""Helpers for localcloud's own tests: an authenticated API session and a few waits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.conftest import HerokuSession

ACCEPT = HerokuSession.ACCEPT


class Api(HerokuSession):
    """The Heroku session of tests/conftest.py plus localcloud's control endpoints."""

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.request(method, "/__localcloud" + path, **kwargs)


def wait_for(check: Callable[[], Any], timeout: float = 60, interval: float = 0.2) -> Any:
    """Poll until `check()` is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s (last value: {value!r})")


@pytest.fixture(scope="session")
def api(localcloud) -> Api:
    return Api(localcloud.api_url, localcloud.api_key)


@pytest.fixture
def app(api: Api) -> dict[str, Any]:
    """A fresh app, deleted afterwards."""
    resp = api.post("/apps", json={"name": f"t-{uuid.uuid4().hex[:10]}"})
    assert resp.status_code == 201, resp.text
    yield resp.json()
    api.delete(f"/apps/{resp.json()['id']}")
