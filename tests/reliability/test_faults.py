"""Faults injected by localcloud while deploy.yml, rollback.yml and backup.yml run.

Transient faults: the run converges. Lasting faults: the run fails with a clear message.
Either way the last good release keeps serving and nothing is lost.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.conftest import APP, DeployedApp

# name: (fault spec, how many times it must fire)
TRANSIENT_API_FAULTS: dict[str, dict] = {
    "429 with Retry-After": {
        "kind": "status",
        "status": 429,
        "retry_after": 1,
        "method": "GET",
        "path": f"^/apps/{APP}$",
        "count": 3,
    },
    "503 burst": {
        "kind": "status",
        "status": 503,
        "method": "GET",
        "path": f"^/apps/{APP}/",
        "count": 4,
    },
    "dropped connections": {"kind": "drop", "method": "GET", "path": f"^/apps/{APP}", "count": 3},
    "10-second latency": {
        "kind": "hang",
        "seconds": 10,
        "method": "GET",
        "path": f"^/apps/{APP}$",
        "count": 1,
    },
}


@pytest.mark.parametrize("name", sorted(TRANSIENT_API_FAULTS))
def test_deploy_converges_through_transient_api_faults(name: str, app: DeployedApp, record) -> None:
    serving = app.serving_version()
    app.fault(**TRANSIENT_API_FAULTS[name])
    run = app.deploy()
    left = app.armed_faults()
    version = app.serving_version()
    passed = run.rc == 0 and not left and version["release"] == serving["release"]
    record(
        "faults: deploy.yml",
        name,
        "retried; deploy converges",
        f"rc={run.rc} in {run.seconds:.0f} s, fault fired "
        f"{TRANSIENT_API_FAULTS[name]['count']} times, {version['release']} serving",
        times=TRANSIENT_API_FAULTS[name]["count"],
        passed=passed,
    )
    assert run.rc == 0, run.tail()
    assert not left, f"the fault never fired, the test proved nothing: {left}"
    assert version["release"] == serving["release"]


def test_rollback_converges_through_a_503_burst(app: DeployedApp, changed_tree: Path, record):
    run = app.deploy(
        "-e", f"heroku_app_source_dir={changed_tree}", "-e", "heroku_app_version=rel-a"
    )
    assert run.rc == 0, run.tail()
    assert app.serving_commit() == "rel-a"
    app.fault(kind="status", status=503, method="POST", path=f"^/apps/{APP}/releases$", count=2)
    rollback = app.playbook("rollback.yml")
    left = app.armed_faults()
    commit = app.serving_commit()
    passed = rollback.rc == 0 and not left and commit != "rel-a"
    record(
        "faults: rollback.yml",
        "503 burst on POST /releases",
        "retried; rollback converges",
        f"rc={rollback.rc} in {rollback.seconds:.0f} s; serving commit {commit}",
        times=2,
        passed=passed,
    )
    assert passed, rollback.tail()


@pytest.mark.parametrize(
    ("name", "fault", "expected_text"),
    [
        ("failing build", {"kind": "build_fail"}, "build"),
        ("failing release phase", {"kind": "release_fail"}, "release"),
    ],
)
def test_a_failing_code_change_leaves_the_last_good_release_serving(
    name: str, fault: dict, expected_text: str, app: DeployedApp, changed_tree: Path, record
) -> None:
    app.wait_healthy()
    serving = app.serving_version()
    app.fault(app=APP, **fault)
    run = app.deploy(
        "-e", f"heroku_app_source_dir={changed_tree}", "-e", "heroku_app_version=broken"
    )
    version = app.serving_version()
    healthy = app.get("/healthz")[0] == 200
    failure = next((line for line in run.output.splitlines() if "FAILED!" in line), "")
    passed = (
        run.rc != 0
        and expected_text in run.output.lower()
        and version["release"] == serving["release"]
        and healthy
    )
    record(
        "faults: deploy.yml",
        name,
        "fails clearly; last good release serves",
        f"rc={run.rc}; {version['release']} still serving, healthz {'200' if healthy else 'down'}"
        f"; {failure.strip()[:120]}",
        passed=passed,
    )
    assert run.rc != 0, run.tail()
    assert version["release"] == serving["release"], "the broken release replaced the good one"
    assert healthy


def test_a_crashed_dyno_is_restarted_and_deploy_converges(app: DeployedApp, record) -> None:
    app.fault(kind="kill_dyno", app=APP, dyno="web.1")
    run = app.deploy()
    app.wait_healthy(60)
    dynos = app.heroku("GET", f"/apps/{APP}/dynos")
    web_up = [d for d in dynos if d["type"] == "web" and d["state"] == "up"]
    passed = run.rc == 0 and bool(web_up)
    record(
        "faults: deploy.yml",
        "crashing web dyno",
        "dyno restarted; deploy converges",
        f"rc={run.rc}; web dynos up: {len(web_up)}",
        passed=passed,
    )
    assert passed, run.tail()


def addon_list(*extra: dict) -> list[str]:
    declared = [
        {"plan": "heroku-postgresql:essential-0", "attachment_name": "DATABASE"},
        {"plan": "heroku-redis:mini", "attachment_name": "REDIS"},
    ]
    return ["-e", json.dumps({"heroku_addons_list": [*declared, *extra]})]


def test_slow_add_on_provisioning_is_waited_for(app: DeployedApp, record) -> None:
    slow = {"plan": "heroku-redis:mini", "attachment_name": "SLOW_REDIS", "name": f"{APP}-slow"}
    app.fault(kind="provision_delay", seconds=8)
    run = app.deploy(*addon_list(slow))
    found = [a for a in app.heroku("GET", f"/apps/{APP}/addons") if a["name"] == slow["name"]]
    state = found[0]["state"] if found else "missing"
    # The attach release must be the one serving: a rollback to the release before it would
    # drop the add-on's config var.
    attached = "SLOW_REDIS_URL" in app.heroku("GET", f"/apps/{APP}/config-vars")
    serving = app.serving_version()["release"]
    current = f"v{app.current_release()['version']}"
    # Put the environment back as the inventory declares it (a detach release, same path).
    app.fault(kind="provision_delay", seconds=8)
    detach = app.deploy(*addon_list({**slow, "state": "absent"}))
    app.clear_faults()
    detached = "SLOW_REDIS_URL" not in app.heroku("GET", f"/apps/{APP}/config-vars")
    passed = (
        run.rc == 0 and state == "provisioned" and attached and serving == current
        and detach.rc == 0 and detached
    )  # fmt: skip
    record(
        "faults: deploy.yml",
        "slow add-on provisioning (8 s), then the add-on removed",
        "waited until provisioned; deploy converges on the attach release; removal converges",
        f"add: rc={run.rc} in {run.seconds:.0f} s, add-on {state}, {serving} serving "
        f"(current {current}), var set={attached}; remove: rc={detach.rc}, var gone={detached}",
        passed=passed,
    )
    assert run.rc == 0, run.tail()
    assert state == "provisioned" and attached and serving == current
    assert detach.rc == 0, detach.tail()
    assert detached


def test_s3_errors(app: DeployedApp, record) -> None:
    bucket = "skillstream-local-media"
    serving = app.serving_version()
    app.fault(target="aws", kind="status", status=500, path=f"^/{bucket}", count=2)
    transient = app.deploy()
    app.clear_faults()
    app.fault(target="aws", kind="status", status=500, path=f"^/{bucket}", count=None)
    lasting = app.deploy()
    app.clear_faults()
    version = app.serving_version()
    passed = transient.rc == 0 and lasting.rc != 0 and version["release"] == serving["release"]
    record(
        "faults: deploy.yml",
        "moto answering 500 on the media bucket (2 calls, then every call)",
        "transient: retried and converges; lasting: fails clearly, app keeps serving",
        f"transient rc={transient.rc}, lasting rc={lasting.rc}; {version['release']} serving",
        passed=passed,
    )
    assert transient.rc == 0, transient.tail()
    assert lasting.rc != 0, lasting.tail()
    assert "500" in lasting.output or "InternalError" in lasting.output, lasting.tail()
    assert version["release"] == serving["release"]
