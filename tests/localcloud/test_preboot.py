"""With preboot and two web dynos, a release under continuous traffic drops no request."""

from __future__ import annotations

import threading
import time

import lc_sample as sample
import requests
from conftest import wait_for


def test_preboot_release_drops_no_request(api, app) -> None:
    name, url = app["name"], app["web_url"]
    assert api.patch(f"/apps/{name}/features/preboot", json={"enabled": True}).json()["enabled"]
    first = sample.build(api, name, sample.source_tarball("one", release=None), "p1")
    assert first["status"] == "succeeded"
    api.patch(f"/apps/{name}/formation", json={"updates": [{"type": "web", "quantity": 2}]})
    wait_for(lambda: sum(d["state"] == "up" for d in api.get(f"/apps/{name}/dynos").json()) == 2)
    sample.wait_page(url, "one")

    results: list[tuple[int, str]] = []
    stop = threading.Event()

    def hammer() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    resp = session.get(url, timeout=30)
                    results.append((resp.status_code, resp.text[:3]))
                except requests.RequestException as exc:
                    results.append((0, type(exc).__name__))

    workers = [threading.Thread(target=hammer) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        second = sample.build(api, name, sample.source_tarball("two", release=None), "p2")
        assert second["status"] == "succeeded"
        wait_for(lambda: any(text == "two" for _, text in results[-20:]), timeout=120)
        time.sleep(3)  # old dynos are stopping now: keep hitting the router
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    failures = [r for r in results if r[0] != 200]
    served = {text for code, text in results if code == 200}
    print(f"\npreboot: {len(results)} requests during the release, {len(failures)} failed")
    assert len(results) > 50
    assert served == {"one", "two"}
    assert failures == []
    dynos = api.get(f"/apps/{name}/dynos").json()
    assert sorted(d["name"] for d in dynos if d["type"] == "web") == ["web.1", "web.2"]
    assert {d["release"]["id"] for d in dynos} == {second["release"]["id"]}
