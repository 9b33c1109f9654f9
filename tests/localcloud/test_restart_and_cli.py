"""The command line, and `down` then `up` keeping state and bringing dynos back."""

from __future__ import annotations

import json
import os

import lc_sample as sample
import requests
from conftest import wait_for


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cli_env_status_logs_and_idempotent_up(localcloud, api, app) -> None:
    exports = localcloud.cli("env").stdout
    assert f"export HEROKU_API_KEY={localcloud.api_key}" in exports
    assert f"export AWS_ENDPOINT_URL={localcloud.aws_endpoint}" in exports
    env = json.loads(localcloud.cli("env", "--json").stdout)
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["HEROKU_DATA_API_URL"] == localcloud.api_url
    again = localcloud.cli("up")
    assert "already running" in again.stdout
    status = localcloud.cli("status").stdout
    assert app["name"] in status and app["web_url"] in status
    api.patch(f"/apps/{app['name']}/config-vars", json={"X": "1"})
    logs = localcloud.cli("logs", app["name"]).stdout
    assert "Set X config vars" in logs
    session = api.post(f"/apps/{app['name']}/log-sessions", json={"lines": 5, "tail": True})
    with requests.get(session.json()["logplex_url"], stream=True, timeout=30) as stream:
        api.patch(f"/apps/{app['name']}/config-vars", json={"Y": "2"})
        lines = stream.iter_lines(decode_unicode=True)
        assert any("Set Y config vars" in next(lines) for _ in range(10))


def test_down_then_up_keeps_state_and_brings_dynos_back(localcloud, api, app) -> None:
    name = app["name"]
    api.patch(f"/apps/{name}/config-vars", json={"GREETING": "persisted"})
    build = sample.build(api, name, sample.source_tarball("kept", release=None), "k1")
    assert build["status"] == "succeeded"
    sample.wait_page(app["web_url"], "kept persisted")
    releases = api.get(f"/apps/{name}/releases").json()
    dynos = wait_for(lambda: [d for d in api.get(f"/apps/{name}/dynos").json()
                              if d["state"] == "up"])  # fmt: skip
    pids = [p for p in (localcloud_pids(api, name)) if p]

    assert localcloud.cli("down").returncode == 0
    assert "not running" in localcloud.cli("status", check=False).stdout
    for pid in pids:
        wait_for(lambda pid=pid: not _alive(pid), timeout=20)
    try:
        requests.get(app["web_url"], timeout=2)
        raise AssertionError("the router still answers after down")
    except requests.ConnectionError:
        pass

    assert localcloud.cli("up").returncode == 0
    assert api.get(f"/apps/{name}/releases").json() == releases
    assert api.get(f"/apps/{name}/config-vars").json()["GREETING"] == "persisted"
    sample.wait_page(app["web_url"], "kept persisted")
    back = api.get(f"/apps/{name}/dynos").json()
    assert [d["name"] for d in back] == [d["name"] for d in dynos]
    assert {d["release"]["version"] for d in back} == {releases[-1]["version"]}


def localcloud_pids(api, name: str) -> list[int]:
    status = api.control("GET", "/status").json()
    app = next(a for a in status["apps"] if a["name"] == name)
    return [d["pid"] for d in app["dynos"]]
