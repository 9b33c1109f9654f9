"""One-off dynos through the API (`heroku run:detached`): the command runs once in the current
release's slug with its config vars, its output and exit status reach the log, it is never
restarted, it survives a new release, a stop ends it, and its process is in the pid file that a
localcloud which died hard reaps at its next start."""

from __future__ import annotations

import json

import lc_sample as sample
import psutil
from conftest import wait_for


def pids_on_file(localcloud) -> set[int]:
    return {int(p) for p in json.loads((localcloud.home / "dynos" / "pids.json").read_text())}


def one_off_pids(command: str) -> set[int]:
    """Leaders of the process groups running `command` (bash -c, or what it exec'd)."""
    found = set()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if cmdline.endswith(command):
            found.add(proc.info["pid"])
    return found


def test_a_one_off_dyno_runs_once_on_the_current_release(api, app, localcloud) -> None:
    name = app["name"]
    api.patch(f"/apps/{name}/config-vars", json={"GREETING": "v1"})
    first = sample.build(api, name, sample.source_tarball("one"), "1111")
    sample.wait_release(api, name, first["release"]["id"])
    sample.wait_page(app["web_url"], "one")

    short = api.post(f"/apps/{name}/dynos", json={
        "command": "echo one-off says $GREETING $EXTRA; exit 3", "env": {"EXTRA": "x"},
        "attach": False})  # fmt: skip
    assert short.status_code == 201, short.text
    run = short.json()["name"]
    logs = lambda: api.control("GET", f"/logs/{name}?lines=300").text  # noqa: E731
    wait_for(lambda: f"app[{run}]: one-off says v1 x" in logs(), timeout=60)
    wait_for(lambda: f"heroku[{run}]: Process exited with status 3" in logs(), timeout=60)
    wait_for(lambda: run not in [d["name"] for d in api.get(f"/apps/{name}/dynos").json()])
    assert logs().count(f"heroku[{run}]: Starting process") == 1  # never restarted

    long = api.post(f"/apps/{name}/dynos", json={"command": "sleep 300", "attach": False}).json()
    wait_for(lambda: any(d["name"] == long["name"] and d["state"] == "up"
                         for d in api.get(f"/apps/{name}/dynos").json()))  # fmt: skip
    # in the pid file a localcloud that died hard reaps at its next start
    wait_for(lambda: one_off_pids("sleep 300") & pids_on_file(localcloud))
    second = sample.build(api, name, sample.source_tarball("two"), "2222")
    sample.wait_release(api, name, second["release"]["id"])
    sample.wait_page(app["web_url"], "two")
    assert long["name"] in [d["name"] for d in api.get(f"/apps/{name}/dynos").json()]
    stop = api.post(f"/apps/{name}/dynos/{long['name']}/actions/stop")
    assert stop.status_code in (200, 202), stop.text
    wait_for(lambda: long["name"] not in [d["name"] for d in api.get(f"/apps/{name}/dynos").json()])
