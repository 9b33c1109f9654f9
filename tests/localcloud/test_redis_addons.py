"""Redis add-ons are each their own TLS redis-server: no shared keyspace, no limit on how many,
data kept across down/up; a failed provisioning is reported as Heroku reports it."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from pathlib import Path

import redis

from tests.conftest import LocalCloud, start_localcloud, stop_localcloud

OLD_LIMIT = 13  # Redis database indexes the shared-server scheme could hand out, machine-wide


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


def wait_addon(cloud: LocalCloud, addon_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        addon = call(cloud, "GET", f"/addons/{addon_id}")
        if addon["state"] != "provisioning":
            return addon
        time.sleep(0.3)
    raise AssertionError(f"add-on {addon_id} still provisioning after {timeout} s")


def redis_addon(cloud: LocalCloud, app: str) -> str:
    call(cloud, "POST", "/apps", {"name": app})
    addon = call(cloud, "POST", f"/apps/{app}/addons", {"plan": "heroku-redis:mini"})
    assert wait_addon(cloud, addon["id"])["state"] == "provisioned"
    return call(cloud, "GET", f"/apps/{app}/config-vars")["REDIS_URL"]


def client(url: str) -> redis.Redis:
    # Heroku Redis certificates are self-signed; Heroku's docs tell apps not to verify them.
    return redis.from_url(url, ssl_cert_reqs=None, socket_timeout=10)


def test_two_localclouds_hold_more_redis_addons_than_the_old_limit_apart(
    localcloud, tmp_path: Path
) -> None:
    other = start_localcloud(tmp_path / "other")
    try:
        urls = [redis_addon(localcloud, f"kv-mine-{n}") for n in range(OLD_LIMIT // 2 + 1)]
        urls += [redis_addon(other, f"kv-theirs-{n}") for n in range(OLD_LIMIT // 2 + 1)]
        assert len(urls) > OLD_LIMIT and len(set(urls)) == len(urls)
        assert all(url.startswith("rediss://:") for url in urls), urls
        for n, url in enumerate(urls):
            client(url).set("owner", n)
        for n, url in enumerate(urls):
            assert client(url).get("owner") == str(n).encode(), url  # nobody else's key
            assert client(url).dbsize() == 1
        wrong = urls[0].replace("rediss://:", "rediss://:wrong", 1)
        try:
            client(wrong).ping()
            raise AssertionError("a wrong password was accepted")
        except redis.AuthenticationError:
            pass
    finally:
        stop_localcloud(other)
        for n in range(OLD_LIMIT // 2 + 1):
            call(localcloud, "DELETE", f"/apps/kv-mine-{n}")


def test_redis_data_survives_down_and_up_and_the_server_stops_with_localcloud(
    tmp_path: Path,
) -> None:
    cloud = start_localcloud(tmp_path / "kv")
    try:
        url = redis_addon(cloud, "kv-restart")
        client(url).set("kept", "yes")
        cloud.cli("down")
        port = url.rsplit(":", 1)[1]
        assert not port_listening(int(port)), "redis-server outlived localcloud down"
        cloud.cli("up")
        assert client(url).get("kept") == b"yes"
    finally:
        stop_localcloud(cloud)


def port_listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_failed_provisioning_is_reported_as_heroku_reports_it(localcloud) -> None:
    call(localcloud, "POST", "/apps", {"name": "kv-fails"})
    try:
        fault = {"kind": "provision_fail", "app": "kv-fails", "message": "out of capacity"}
        call(localcloud, "POST", "/__localcloud/faults", fault)
        addon = call(localcloud, "POST", "/apps/kv-fails/addons", {"plan": "heroku-redis:mini"})
        failed = wait_addon(localcloud, addon["id"], timeout=15)
        assert failed["state"] == "deprovisioned"
        assert "out of capacity" in failed["provision_message"]
        assert "REDIS_URL" not in call(localcloud, "GET", "/apps/kv-fails/config-vars")
    finally:
        call(localcloud, "DELETE", "/apps/kv-fails")
