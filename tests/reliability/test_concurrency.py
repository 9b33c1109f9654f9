"""Two deploys at once on one app never release side by side; a crashed run's lock frees."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

from tests.playbooks.conftest import BIN, REPO, playbook_env
from tests.reliability.conftest import APP, DeployedApp


def builds(app: DeployedApp) -> list[dict]:
    return app.heroku("GET", f"/apps/{APP}/builds")


def test_two_deploys_at_once_take_turns(app: DeployedApp, changed_tree: Path, record) -> None:
    builds_before = len(builds(app))
    releases_before = app.current_release()["version"]
    command = [
        str(BIN / "ansible-playbook"),
        "deploy.yml",
        "-e", f"heroku_app_source_dir={changed_tree}",
        "-e", "heroku_app_version=race",
        "-e", "heroku_app_smoke_test=false",
    ]  # fmt: skip
    env = playbook_env(app.state_dir)
    runs = [
        subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=1500)[0] for run in runs]
    codes = [run.returncode for run in runs]
    new_builds = len(builds(app)) - builds_before
    releases = app.heroku("GET", f"/apps/{APP}/releases")
    new_releases = [r for r in releases if r["version"] > releases_before]
    waited = any("lock" in out.lower() and "wait" in out.lower() for out in outputs)
    passed = new_builds == 1 and all(code == 0 for code in codes)
    record(
        "concurrency",
        "two deploy.yml runs of one code change started at once",
        "one waits for the other's lock; one build, no racing releases",
        f"exit codes {codes}; {new_builds} build(s), {len(new_releases)} new release(s); "
        f"lock wait seen: {waited}",
        passed=passed,
    )
    assert all(code == 0 for code in codes), "\n=====\n".join(out[-3000:] for out in outputs)
    assert new_builds == 1, f"{new_builds} builds for one change: the runs raced"
    assert app.serving_commit() == "race"


def test_a_crashed_runs_lock_is_taken_over(app: DeployedApp, record) -> None:
    lock = app.state_dir / "skillstream" / "locks" / f"{APP}.lock"
    lock.mkdir(parents=True, exist_ok=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    (lock / "owner.json").write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "host": socket.gethostname(),
                "started": "1",
                "purpose": "deploy",
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "expires": time.time() + 3600,
            }
        )
    )
    run = app.deploy("-e", "heroku_app_lock_wait=30")
    passed = run.rc == 0 and "Took over the lock" in " ".join(run.output.split())
    record(
        "concurrency",
        "a lock left by a crashed run (dead pid)",
        "taken over at once, deploy proceeds",
        f"rc={run.rc} in {run.seconds:.0f} s",
        passed=passed,
    )
    assert passed, run.tail()
