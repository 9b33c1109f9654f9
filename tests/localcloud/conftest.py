"""Helpers for localcloud's own tests: an authenticated API session and a few waits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

ACCEPT = "application/vnd.heroku+json; version=3"


class Api(requests.Session):
    """A requests session with the Heroku headers and the base URL of the localcloud."""

    def __init__(self, base: str, key: str) -> None:
        super().__init__()
        self.base = base
        self.headers.update({"Accept": ACCEPT, "Authorization": f"Bearer {key}"})

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        if url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", 60)
        return super().request(method, url, *args, **kwargs)

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
