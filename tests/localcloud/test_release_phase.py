"""A failing release phase leaves the previous release serving; a crashed dyno comes back."""

from __future__ import annotations

import lc_sample as sample
from conftest import wait_for

FAILING = "python -c 'import sys; print(\"migration broke\"); sys.exit(3)'"


def test_failed_release_phase_keeps_previous_release_and_crashed_dyno_restarts(api, app) -> None:
    name, url = app["name"], app["web_url"]
    good = sample.build(api, name, sample.source_tarball("one"), "1111")
    assert good["status"] == "succeeded"
    good_release = sample.wait_release(api, name, good["release"]["id"])
    assert good_release["status"] == "succeeded"
    sample.wait_page(url, "one")

    # A release command that exits non-zero: the release fails, v(one) keeps serving.
    bad = sample.build(api, name, sample.source_tarball("two", release=FAILING), "2222")
    assert bad["status"] == "succeeded"  # the build itself is fine
    bad_release = sample.wait_release(api, name, bad["release"]["id"])
    assert bad_release["status"] == "failed"
    assert bad_release["current"] is False
    assert (
        "migration broke" in sample.requests.get(bad_release["output_stream_url"], timeout=30).text
    )
    # The fault: the next release phase fails even though its command is fine.
    fault = api.control("POST", "/faults", json={"kind": "release_fail", "app": name})
    assert fault.status_code == 201
    faulted = sample.build(api, name, sample.source_tarball("three"), "3333")
    assert sample.wait_release(api, name, faulted["release"]["id"])["status"] == "failed"
    current = [r for r in api.get(f"/apps/{name}/releases").json() if r["current"]]
    assert [r["id"] for r in current] == [good_release["id"]]
    for _ in range(5):
        assert sample.page(url).text.startswith("one ")

    # Crash web.1 (SIGKILL): the manager restarts it and the page comes back.
    before = {d["name"]: d for d in api.get(f"/apps/{name}/dynos").json()}
    killed = api.control(
        "POST", "/faults", json={"kind": "kill_dyno", "app": name, "dyno": "web.1"}
    )
    assert killed.status_code == 201, killed.text
    logs = wait_for(
        lambda: "crashed" in (t := api.control("GET", f"/logs/{name}?lines=200").text) and t,
        timeout=30,
    )
    assert "web.1" in logs
    wait_for(lambda: any(d["state"] == "up" and d["name"] == "web.1"
                         for d in api.get(f"/apps/{name}/dynos").json()), timeout=60)  # fmt: skip
    assert before["web.1"]["state"] == "up"
    assert sample.wait_page(url, "one ")
