"""Run skillstream.heroku modules through a real `ansible-playbook` and read their results.

One playbook per call keeps the suite fast (one Ansible start-up for many tasks); each
task's registered result is written to a JSON file the test reads back, and the
playbook's own stdout is returned too, so tests can check what a person would see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class PlayRun:
    results: list[dict[str, Any]]
    stdout: str
    stderr: str
    returncode: int

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(REPO / "collections"),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="true",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_HOST_KEY_CHECKING="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        ANSIBLE_HOME=str(Path(env.get("TMPDIR", "/tmp")) / "skillstream-heroku-tests-ansible"),
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    env.pop("ANSIBLE_CONFIG", None)  # the work dir has no ansible.cfg: defaults only
    env.update(extra or {})
    return env


def run_play(
    tasks: list[dict[str, Any]],
    workdir: Path,
    *,
    diff: bool = True,
    verbosity: int = 0,
    env: dict[str, str] | None = None,
    timeout: int = 600,
    parallel: int = 1,
) -> PlayRun:
    """Run `tasks` (module calls) in one play; every task may fail without stopping the play.

    With `parallel` > 1 the tasks are independent: they are dealt round-robin to that
    many local hosts that run side by side (strategy free), and the results come back
    in the order of `tasks`.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    hosts = [f"runner{n}" for n in range(max(1, parallel))]
    for host in hosts:
        (workdir / f"results-{host}.json").unlink(missing_ok=True)
    play_tasks = []
    for index, task in enumerate(tasks):
        task = dict(task)
        task.setdefault("name", f"Task {index}")
        task["register"] = f"result_{index}"
        task["ignore_errors"] = True
        if parallel > 1:
            task["when"] = f"inventory_hostname == '{hosts[index % len(hosts)]}'"
        play_tasks.append(task)
    collected = "[" + ", ".join(f"result_{i}" for i in range(len(tasks))) + "]"
    play_tasks.append(
        {
            "name": "Save the results",
            "ansible.builtin.copy": {
                "content": "{{ " + collected + " | to_json }}",
                "dest": str(workdir) + "/results-{{ inventory_hostname }}.json",
                "mode": "0600",
            },
            "check_mode": False,
            "diff": False,
            "no_log": True,
        }
    )
    play = [
        {
            "name": "Exercise skillstream.heroku",
            "hosts": "all",
            "connection": "local",
            "gather_facts": False,
            "strategy": "free" if parallel > 1 else "linear",
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "tasks": play_tasks,
        }
    ]
    playbook = workdir / "play.yml"
    playbook.write_text(json.dumps(play, indent=2))
    inventory = ",".join(hosts) + ","
    argv = [str(BIN / "ansible-playbook"), "-i", inventory, "-f", str(len(hosts)), str(playbook)]
    if diff:
        argv.append("--diff")
    if verbosity:
        argv.append("-" + "v" * verbosity)
    proc = subprocess.run(
        argv, cwd=workdir, env=ansible_env(env), capture_output=True, text=True, timeout=timeout
    )
    per_host = {}
    for host in hosts:
        path = workdir / f"results-{host}.json"
        if not path.exists():
            raise AssertionError(f"playbook did not finish:\n{proc.stdout}\n{proc.stderr}")
        per_host[host] = json.loads(path.read_text())
    results = [per_host[hosts[i % len(hosts)]][i] for i in range(len(tasks))]
    return PlayRun(results, proc.stdout, proc.stderr, proc.returncode)


def mod(module: str, check: bool = False, **args: Any) -> dict[str, Any]:
    """One task calling skillstream.heroku.<module>."""
    task: dict[str, Any] = {f"skillstream.heroku.{module}": args}
    if check:
        task["check_mode"] = True
    return task


ACCEPT = "application/vnd.heroku+json; version=3"


def api_call(path: str, method: str = "GET", body: Any = None) -> dict[str, Any]:
    """A task that calls the localcloud API directly (to check state between module runs)."""
    args: dict[str, Any] = {
        "url": "{{ lookup('ansible.builtin.env', 'HEROKU_API_URL') }}" + path,
        "method": method,
        "headers": {
            "Accept": ACCEPT,
            "Authorization": "Bearer {{ lookup('ansible.builtin.env', 'HEROKU_API_KEY') }}",
        },
        "status_code": [200, 201, 202, 204, 206, 404],
    }
    if body is not None:
        args["body"] = body
        args["body_format"] = "json"
    return {"ansible.builtin.uri": args}
