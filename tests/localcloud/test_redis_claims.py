"""Two localclouds on one machine never hand out the same Redis database index."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from tests.conftest import LocalCloud, start_localcloud, stop_localcloud


def call(cloud: LocalCloud, method: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        cloud.api_url + path,
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {cloud.api_key}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def redis_url(cloud: LocalCloud, app: str) -> str:
    call(cloud, "POST", "/apps", {"name": app})
    call(cloud, "POST", f"/apps/{app}/addons", {"plan": "heroku-redis:mini"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        config = call(cloud, "GET", f"/apps/{app}/config-vars")
        if "REDIS_URL" in config:
            return config["REDIS_URL"]
        time.sleep(0.5)
    raise AssertionError("the Redis add-on was not provisioned")


def test_redis_indexes_are_unique_across_instances(localcloud, tmp_path: Path) -> None:
    other = start_localcloud(tmp_path / "other")
    try:
        mine = redis_url(localcloud, "claims-mine")
        theirs = redis_url(other, "claims-theirs")
        assert mine != theirs, "two localclouds share a Redis database: workers would mix jobs"
    finally:
        stop_localcloud(other)
        call(localcloud, "DELETE", "/apps/claims-mine")
