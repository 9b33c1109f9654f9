"""Run a playbook with the JSON callback and read back where its time went, task by task."""

from __future__ import annotations

import json
import resource
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import BIN, REPO


@dataclass
class TaskTime:
    play: str
    name: str
    seconds: float
    status: str  # changed, ok, skipped, failed


@dataclass
class PlaybookRun:
    playbook: str
    returncode: int
    wall_seconds: float
    started_at: float  # time.monotonic() when the command started
    cpu_seconds: float = 0.0  # user + system of ansible-playbook and every module it ran
    tasks: list[TaskTime] = field(default_factory=list)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    failure: str = ""

    @property
    def changed(self) -> int:
        return sum(host.get("changed", 0) for host in self.stats.values())


def _seconds(duration: dict[str, str]) -> float:
    if "start" not in duration or "end" not in duration:
        return 0.0
    start = datetime.fromisoformat(duration["start"].rstrip("Z"))
    end = datetime.fromisoformat(duration["end"].rstrip("Z"))
    return max(0.0, (end - start).total_seconds())


def _status(hosts: dict[str, dict[str, Any]]) -> str:
    results = list(hosts.values())
    if any(r.get("failed") or r.get("unreachable") for r in results):
        return "failed"
    if any(r.get("changed") for r in results):
        return "changed"
    if results and all(r.get("skipped") for r in results):
        return "skipped"
    return "ok"


def _failure(result: dict[str, Any]) -> str:
    """The first failed task's name and message, short (messages are no_log-safe already)."""
    for play in result.get("plays", []):
        for task in play.get("tasks", []):
            for host, res in task.get("hosts", {}).items():
                if (res.get("failed") and not res.get("ignore_errors")) or res.get("unreachable"):
                    msg = res.get("msg") or res.get("stderr") or res.get("module_stderr") or ""
                    return f"{task['task']['name']} on {host}: {str(msg)[:600]}"
    return ""


def parse(stdout: str) -> dict[str, Any]:
    """The ansible.posix.json document printed on stdout (anything before it is ignored)."""
    start = stdout.find("{")
    return json.loads(stdout[start:]) if start >= 0 else {}


def run_playbook(
    playbook: str,
    env: dict[str, str],
    extra_vars: dict[str, Any] | None = None,
    log_path: Path | None = None,
    timeout: float = 900,
    root: Path = REPO,
) -> PlaybookRun:
    """`ansible-playbook <playbook>` from a repository root, timed from the outside.

    `root` is the tree whose playbooks, roles and ansible.cfg run (the cwd); the venv's
    ansible is the same for every tree (a git worktree has no .venv of its own).
    """
    cmd = [str(BIN / "ansible-playbook"), playbook]
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", f"{key}={value}" if isinstance(value, str) else json.dumps({key: value})]
    # ansible.cfg is found in the cwd only if ANSIBLE_CONFIG does not name another one.
    run_env = {k: v for k, v in env.items() if k != "ANSIBLE_CONFIG"} | {
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_JSON_INDENT": "0",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        cmd, cwd=root, env=run_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if log_path is not None:
        log_path.write_text(out.stdout + "\n--- stderr ---\n" + out.stderr)
    run = PlaybookRun(playbook, out.returncode, wall, started)
    # CPU time barely depends on how busy the machine is, wall time does: with one host,
    # tasks run one after another, so the CPU time is a floor for the wall time.
    run.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        doc = parse(out.stdout)
    except ValueError:
        doc = {}
    for play in doc.get("plays", []):
        play_name = play.get("play", {}).get("name", "")
        for task in play.get("tasks", []):
            info = task.get("task", {})
            run.tasks.append(
                TaskTime(
                    play_name,
                    info.get("name", "?"),
                    _seconds(info.get("duration", {})),
                    _status(task.get("hosts", {})),
                )
            )
    run.stats = doc.get("stats", {})
    if out.returncode != 0:
        run.failure = _failure(doc) or (out.stderr.strip()[-600:] or out.stdout.strip()[-600:])
    return run
