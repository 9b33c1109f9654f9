"""The deploy lock: one deploy per app at a time, and no lock outlives its owner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.playbooks.conftest import REPO, run_playbook

LOCK = REPO / "roles" / "heroku_app" / "files" / "deploy_lock.py"


def lock(action: str, locks: Path, owner: int, *extra: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, str(LOCK), action, "--dir", str(locks), "--name", "app",
         "--owner", str(owner), *extra],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return proc.returncode, json.loads(proc.stdout)


def test_a_second_owner_waits_then_gives_up_naming_the_first(tmp_path: Path) -> None:
    with subprocess.Popen(["sleep", "60"]) as first, subprocess.Popen(["sleep", "60"]) as second:
        try:
            assert lock("acquire", tmp_path, first.pid)[0] == 0
            rc, result = lock("acquire", tmp_path, second.pid, "--wait", "3")
            assert rc == 1
            assert result["owner"]["pid"] == first.pid
            assert lock("release", tmp_path, second.pid)[1]["released"] is False
            assert lock("release", tmp_path, first.pid)[1]["released"] is True
            assert lock("acquire", tmp_path, second.pid, "--wait", "0")[0] == 0
        finally:
            first.kill()
            second.kill()


def test_a_lock_whose_owner_died_is_taken_over(tmp_path: Path) -> None:
    crashed = subprocess.Popen(["true"])
    crashed.wait()
    assert lock("acquire", tmp_path, crashed.pid)[0] == 0
    with subprocess.Popen(["sleep", "60"]) as next_run:
        try:
            rc, result = lock("acquire", tmp_path, next_run.pid, "--wait", "0")
        finally:
            next_run.kill()
    assert rc == 0
    assert result["took_over"]["pid"] == crashed.pid


def test_an_expired_lock_is_taken_over(tmp_path: Path) -> None:
    with subprocess.Popen(["sleep", "60"]) as hung, subprocess.Popen(["sleep", "60"]) as other:
        try:
            assert lock("acquire", tmp_path, hung.pid, "--ttl", "0")[0] == 0
            rc, result = lock("acquire", tmp_path, other.pid, "--wait", "0")
            assert rc == 0
            assert result["took_over"]["pid"] == hung.pid
        finally:
            hung.kill()
            other.kill()


def test_deploy_refuses_while_another_run_holds_the_app(tmp_path: Path) -> None:
    state = tmp_path / "state"
    locks = state / "skillstream" / "locks"
    with subprocess.Popen(["sleep", "120"]) as other_deploy:
        try:
            proc = subprocess.run(
                [sys.executable, str(LOCK), "acquire", "--dir", str(locks),
                 "--name", "skillstream-local", "--owner", str(other_deploy.pid)],
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            assert json.loads(proc.stdout)["acquired"]
            # No localcloud: the run must stop at the lock, before any API call.
            run = run_playbook(
                "deploy.yml", "-e", "heroku_app_lock_wait=3", state_dir=state,
                env={"HEROKU_API_URL": "http://127.0.0.1:9", "HEROKU_API_KEY": "unused"},
            )  # fmt: skip
        finally:
            other_deploy.kill()
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "holds the lock" in text and f"pid {other_deploy.pid}" in text, run.tail()
    assert "Ensure the Heroku app exists" not in run.output
