"""Playbooks run on Mitogen's linear strategy, and the collection list is made once per run."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIM = REPO / "plugins" / "strategy" / "mitogen_linear.py"


def load_shim():
    spec = importlib.util.spec_from_file_location("skillstream_mitogen_linear", SHIM)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_collection_dirs_are_listed_once_per_run(monkeypatch) -> None:
    import ansible.collections.list as collection_list

    calls = []

    def listing(search_paths=None, coll_filter=None, artifacts_manager=None, dedupe=True):
        calls.append((search_paths, coll_filter, artifacts_manager, dedupe))
        return iter([b"/c/amazon/aws"])

    monkeypatch.setattr(collection_list, "list_collection_dirs", listing)
    shim = load_shim()  # captures Ansible's listing, as at the start of a run
    scans = []

    def scan():
        scans.append(1)
        return [b"/c/amazon/aws", b"/c/skillstream/heroku"]

    monkeypatch.setattr(shim, "_scan_collection_dirs", scan)
    shim._remember_collection_dirs()
    shim._remember_collection_dirs()  # a second play: still one listing
    remembered = collection_list.list_collection_dirs
    for _ in range(3):  # what Mitogen's planner calls before every collection module
        assert list(remembered()) == [b"/c/amazon/aws", b"/c/skillstream/heroku"]
    assert len(scans) == 1 and calls == []
    # Calls with their own arguments still reach Ansible's own listing.
    list(remembered(coll_filter="amazon.aws"))
    assert calls == [(None, "amazon.aws", None, True)]


def test_a_playbook_runs_a_collection_module_on_the_mitogen_strategy(tmp_path: Path) -> None:
    playbook = tmp_path / "one.yml"
    playbook.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        "  vars: {ansible_python_interpreter: '{{ ansible_playbook_python }}'}\n"
        "  tasks:\n"
        "    - community.general.read_csv: {path: /etc/os-release, delimiter: '='}\n"
        "    - ansible.builtin.debug: {msg: '{{ ansible_play_hosts }}'}\n"
        "    - ansible.builtin.stat: {path: /}\n      register: root\n"
        "    - ansible.builtin.assert: {that: root.stat.isdir}\n"
    )
    env = os.environ | {
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
    }
    out = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(playbook)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["stats"]["localhost"]["failures"] == 0
    config = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-config"), "dump", "--only-changed"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "DEFAULT_STRATEGY(" in config and "mitogen_linear" in config


def test_the_scanned_collection_dirs_are_ansibles_own_listing() -> None:
    """The shim reads the directories instead of importing each collection: same list.

    In a fresh interpreter from the repository root, as ansible-playbook runs: a test session
    that imported ansible_collections through sys.path already lists them differently."""
    script = (
        "import importlib.util, json\n"
        "from ansible.plugins.loader import init_plugin_loader\n"
        "init_plugin_loader()\n"
        "import ansible.collections.list as listing\n"
        f"spec = importlib.util.spec_from_file_location('shim', {str(SHIM)!r})\n"
        "shim = importlib.util.module_from_spec(spec); spec.loader.exec_module(shim)\n"
        "print(json.dumps([sorted(p.decode() for p in shim._scan_collection_dirs()),\n"
        "                  sorted(p.decode() for p in listing.list_collection_dirs())]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    scanned, listed = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(scanned) > 50  # the ansible package's bundled collections are there
    assert scanned == listed


def test_a_play_of_controller_only_tasks_starts_no_interpreter() -> None:
    """The background interpreter start is for plays that will run a module; the bench's
    one-task floor (one debug task) would only pay for it. Real Ansible play iterators."""
    script = (
        "import importlib.util, json\n"
        "from ansible.plugins.loader import init_plugin_loader\n"
        "init_plugin_loader()\n"
        "from ansible.executor.play_iterator import PlayIterator\n"
        "from ansible.inventory.manager import InventoryManager\n"
        "from ansible.parsing.dataloader import DataLoader\n"
        "from ansible.playbook.play import Play\n"
        "from ansible.playbook.play_context import PlayContext\n"
        "from ansible.vars.manager import VariableManager\n"
        f"spec = importlib.util.spec_from_file_location('shim', {str(SHIM)!r})\n"
        "shim = importlib.util.module_from_spec(spec); spec.loader.exec_module(shim)\n"
        "loader = DataLoader(); inventory = InventoryManager(loader, sources='localhost,')\n"
        "variables = VariableManager(loader=loader, inventory=inventory)\n"
        "debug = {'ansible.builtin.debug': {'msg': 'x'}}\n"
        "plays = {\n"
        "  'floor': {'gather_facts': False, 'tasks': [debug]},\n"
        "  'checks': {'gather_facts': False, 'tasks': [debug, {'assert': {'that': True}},\n"
        "             {'block': [{'set_fact': {'a': 1}}], 'rescue': [{'fail': {}}]}]},\n"
        "  'module': {'gather_facts': False, 'tasks': [debug, {'command': 'true'}]},\n"
        "  'rescue_module': {'gather_facts': False, 'tasks': [{'block': [debug],\n"
        "                    'rescue': [{'ansible.builtin.uri': {'url': 'http://x'}}]}]},\n"
        "  'include': {'gather_facts': False, 'tasks': [{'include_tasks': 'x.yml'}]},\n"
        "  'facts': {'tasks': [debug]},\n"
        "}\n"
        "out = {}\n"
        "for name, body in plays.items():\n"
        "    play = Play.load(dict(hosts='localhost', **body), variable_manager=variables,\n"
        "                     loader=loader)\n"
        "    it = PlayIterator(inventory, play, PlayContext(play=play), variables, {})\n"
        "    out[name] = shim._may_run_modules(it)\n"
        "print(json.dumps(out))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "floor": False,
        "checks": False,
        "module": True,
        "rescue_module": True,
        "include": True,
        "facts": True,
    }
