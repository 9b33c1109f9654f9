"""The deploy lock: one deploy per app at a time, and no lock outlives its owner.

The decisions are skillstream.heroku's module_utils/deploy_lock.py, tested as functions;
the module is tested through ansible-playbook, under the configured Mitogen strategy and
under plain linear, because its owner must be the ansible-playbook run in both.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ansible_collections.skillstream.heroku.plugins.module_utils import deploy_lock

from tests.playbooks.conftest import BIN, REPO, playbook_env, run_playbook


def owner(pid: int, purpose: str = "deploy") -> dict:
    return deploy_lock.owner_record(pid, purpose)


@contextmanager
def running(count: int) -> Iterator[list[int]]:
    """`count` live processes whose pids own locks."""
    procs = [subprocess.Popen(["sleep", "120"]) for _ in range(count)]
    try:
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def dead_pid() -> int:
    crashed = subprocess.Popen(["true"])
    crashed.wait()
    return crashed.pid


def test_a_second_owner_waits_then_gives_up_naming_the_first(tmp_path: Path) -> None:
    lock = str(tmp_path / "app.lock")
    with running(2) as (first, second):
        assert deploy_lock.acquire(lock, owner(first), ttl=3600, wait=0)["acquired"]
        result = deploy_lock.acquire(lock, owner(second), ttl=3600, wait=3)
        assert result["acquired"] is False
        assert result["owner"]["pid"] == first
        assert result["waited"] >= 3
        # a run that does not hold the lock cannot release it
        assert deploy_lock.release(lock, owner(second))["released"] is False
        assert Path(lock, "owner.json").exists()
        assert deploy_lock.release(lock, owner(first))["released"] is True
        assert deploy_lock.acquire(lock, owner(second), ttl=3600, wait=0)["acquired"]


def test_the_owner_takes_its_own_lock_again(tmp_path: Path) -> None:
    lock = str(tmp_path / "app.lock")
    with running(1) as (run,):
        first = deploy_lock.acquire(lock, owner(run), ttl=3600, wait=0)
        again = deploy_lock.acquire(lock, owner(run, "rollback"), ttl=3600, wait=0)
    assert first["reentrant"] is False
    assert again["acquired"] and again["reentrant"] and again["waited"] < 1
    assert again["owner"] == first["owner"]


def test_a_lock_whose_owner_died_is_taken_over(tmp_path: Path) -> None:
    lock = str(tmp_path / "app.lock")
    crashed = dead_pid()
    assert deploy_lock.acquire(lock, owner(crashed), ttl=3600, wait=0)["acquired"]
    with running(1) as (next_run,):
        result = deploy_lock.acquire(lock, owner(next_run), ttl=3600, wait=0)
    assert result["acquired"]
    assert result["took_over"]["pid"] == crashed
    assert result["owner"]["pid"] == next_run


def test_an_expired_lock_is_taken_over(tmp_path: Path) -> None:
    lock = str(tmp_path / "app.lock")
    with running(2) as (hung, other):
        assert deploy_lock.acquire(lock, owner(hung), ttl=0, wait=0)["acquired"]
        result = deploy_lock.acquire(lock, owner(other), ttl=3600, wait=0)
    assert result["acquired"]
    assert result["took_over"]["pid"] == hung


def test_a_reused_pid_is_not_the_owner(tmp_path: Path) -> None:
    """Same pid, other start time: the recorded owner is gone."""
    with running(1) as (pid,):
        record = owner(pid)
        assert deploy_lock.alive(record)
        assert not deploy_lock.alive(dict(record, started="1"))


LOCK_PLAY = """
- name: Hold the lock
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
  tasks:
    - name: Take the lock
      skillstream.heroku.deploy_lock:
        name: app
        path: "{locks}"
        state: present
        wait: 0
      register: taken
    - name: Take it again
      skillstream.heroku.deploy_lock:
        name: app
        path: "{locks}"
        state: present
        wait: 0
      register: again
    - name: Say who owns it
      ansible.builtin.debug:
        msg: "owner={{{{ taken.owner.pid }}}} reentrant={{{{ again.reentrant }}}}"
    - name: Release the lock
      skillstream.heroku.deploy_lock:
        name: app
        path: "{locks}"
        state: absent
      register: released
    - name: Say whether it was released
      ansible.builtin.debug:
        msg: "released={{{{ released.released }}}}"
"""


@pytest.mark.parametrize("strategy", ["configured", "linear"])
def test_the_module_owner_is_the_playbook_run(tmp_path: Path, strategy: str) -> None:
    """ansible.cfg runs modules in Mitogen's persistent interpreter; the owner must still be
    the ansible-playbook process (its pid, not an interpreter's), and also under linear."""
    locks = tmp_path / "locks"
    playbook = tmp_path / "lock.yml"
    playbook.write_text(LOCK_PLAY.format(locks=locks))
    # An abandoned lock of a crashed run: taken over, with a warning naming it.
    crashed = dead_pid()
    deploy_lock.acquire(str(locks / "app.lock"), owner(crashed), ttl=3600, wait=0)
    extra = {"ANSIBLE_STRATEGY": "linear"} if strategy == "linear" else {}
    proc = subprocess.Popen(
        [str(BIN / "ansible-playbook"), str(playbook)],
        cwd=REPO, env=playbook_env(tmp_path, extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output[-3000:]
    assert f"owner={proc.pid} reentrant=True" in output, output[-3000:]
    assert "released=True" in output
    text = " ".join(output.split())
    assert re.search(rf"Took over the lock of app left by pid {crashed} \(deploy since ", text)
    assert not (locks / "app.lock").exists()


def test_deploy_refuses_while_another_run_holds_the_app(tmp_path: Path) -> None:
    state = tmp_path / "state"
    locks = state / "skillstream" / "locks"
    with running(1) as (other_deploy,):
        lock = str(locks / "skillstream-local.lock")
        assert deploy_lock.acquire(lock, owner(other_deploy), ttl=3600, wait=0)["acquired"]
        # No localcloud: the run must stop at the lock, before any API call.
        run = run_playbook(
            "deploy.yml", "-e", "heroku_app_lock_wait=3", state_dir=state,
            env={"HEROKU_API_URL": "http://127.0.0.1:9", "HEROKU_API_KEY": "unused"},
        )  # fmt: skip
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "holds the lock" in text and f"pid {other_deploy} on" in text, run.tail()
    assert re.search(r"waited [3-9](\.\d)? s", text), run.tail()
    assert "Ensure the Heroku app exists" not in run.output
