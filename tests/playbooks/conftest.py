"""Helpers for the playbook tests: run ansible-playbook from the repository root as a user
would, with the control host's state (locks, generated secrets) in a temporary directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)


@dataclass
class Run:
    """One ansible-playbook run: its output, exit status, wall time and recap."""

    args: list[str]
    rc: int
    output: str
    seconds: float

    @property
    def changed(self) -> int:
        found = RECAP.findall(self.output)
        assert found, f"no PLAY RECAP in:\n{self.output[-3000:]}"
        return sum(int(row[2]) for row in found)

    def tail(self, chars: int = 4000) -> str:
        return self.output[-chars:]


def playbook_env(state_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        XDG_STATE_HOME=str(state_dir),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCAL_TEMP=str(state_dir / "ansible-tmp"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def run_playbook(
    *args: str, state_dir: Path, env: dict[str, str] | None = None, timeout: int = 1500
) -> Run:
    """`ansible-playbook ARGS` from the repository root (so ansible.cfg and group_vars load)."""
    command = [str(BIN / "ansible-playbook"), *args]
    started = time.monotonic()
    proc = subprocess.run(
        command,
        cwd=REPO,
        env=playbook_env(state_dir, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(list(args), proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)


def api_requests(api_url: str) -> int:
    """Heroku API requests localcloud has answered so far (its stats counter)."""
    with urllib.request.urlopen(f"{api_url}/__localcloud/stats", timeout=10) as response:
        return int(json.load(response)["total"])


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=15) as response:
        return json.load(response)


@pytest.fixture()
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path
