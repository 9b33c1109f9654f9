"""Deploy through the API alone: source, build, release, page through the router, rollback."""

from __future__ import annotations

import lc_sample as sample
import requests


def test_build_release_serve_and_rollback(api, app) -> None:
    name = app["name"]
    api.patch(f"/apps/{name}/config-vars", json={"GREETING": "hello"})
    first = sample.build(api, name, sample.source_tarball("one"), "aaaa1111")
    assert first["status"] == "succeeded", requests.get(first["output_stream_url"], timeout=30).text
    log = requests.get(first["output_stream_url"], timeout=30).text
    assert "Installing requirements" in log or "pip" in log.lower()
    rel1 = sample.wait_release(api, name, first["release"]["id"])
    assert rel1["status"] == "succeeded"
    stream = requests.get(rel1["output_stream_url"], timeout=30).text
    assert "migrated" in stream
    assert sample.wait_page(app["web_url"], "one hello web.1")

    api.patch(f"/apps/{name}/config-vars", json={"GREETING": "bonjour"})
    second = sample.build(api, name, sample.source_tarball("two"), "bbbb2222")
    assert second["status"] == "succeeded"
    assert sample.wait_release(api, name, second["release"]["id"])["status"] == "succeeded"
    assert sample.wait_page(app["web_url"], "two bonjour")

    rollback = api.post(f"/apps/{name}/releases", json={"release": rel1["id"]})
    assert rollback.status_code == 201, rollback.text
    assert rollback.json()["description"] == f"Rollback to v{rel1['version']}"
    sample.wait_release(api, name, rollback.json()["id"])
    assert sample.wait_page(app["web_url"], "one hello")
    assert api.get(f"/apps/{name}/config-vars").json()["GREETING"] == "hello"
    current = [r for r in api.get(f"/apps/{name}/releases").json() if r["current"]]
    assert [r["id"] for r in current] == [rollback.json()["id"]]


def test_build_log_streams_while_building(api, app) -> None:
    # New requirements bytes miss the build cache, so pip runs for a while.
    fresh = f"gunicorn==23.0.0\n# {app['id']}\n"
    blob = sample.upload(api, sample.source_tarball("s", release=None, requirements=fresh))
    build = api.post(f"/apps/{app['name']}/builds", json={"source_blob": blob}).json()
    with requests.get(build["output_stream_url"], stream=True, timeout=120) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        first = next(lines)
        status_at_first_line = api.get(f"/apps/{app['name']}/builds/{build['id']}").json()["status"]
        rest = list(lines)
    assert "Building on the Heroku-24 stack" in first
    assert status_at_first_line == "pending"
    assert any("Released v" in line for line in rest)
    assert api.get(f"/apps/{app['name']}/builds/{build['id']}").json()["status"] == "succeeded"
