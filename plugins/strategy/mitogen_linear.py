# Mitogen's linear strategy, found through ansible.cfg's strategy_plugins.
#
# Mitogen keeps one Python interpreter per host for the whole run and sends modules to
# it instead of copying and starting a fresh interpreter per task: a no-op deploy.yml
# (100+ tasks on localhost) halves its CPU time. The strategy lives in the pip package
# `mitogen` (pinned in requirements-dev.txt); this file imports it from the installed
# package, so the path does not depend on the venv's Python version.
from __future__ import annotations

from pathlib import Path

import ansible.collections.list as collection_list
import ansible_mitogen.connection
import ansible_mitogen.process
import ansible_mitogen.utils.unsafe
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible_mitogen import planner
from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule as MitogenLinear

_list_collection_dirs = collection_list.list_collection_dirs


def _remember_collection_dirs() -> None:
    """List the installed collections once per run instead of once per module task.

    Mitogen's planner lists every collection directory (the `ansible` package bundles about
    a hundred, each imported to be validated) before running any collection module, in the
    task's worker process, whose cache dies with it: about 0.1 s of CPU per task, a fifth
    of a no-op deploy. The collections on disk do not change during a run, so the list is
    made here, in the controller, before the workers fork and inherit it, and from the
    directories alone (_scan_collection_dirs): Ansible's own listing imports each collection
    and parses its meta/runtime.yml, 0.45 s here, for a list of paths.
    """
    if getattr(collection_list.list_collection_dirs, "remembered", False):
        return
    dirs = _scan_collection_dirs()

    def list_collection_dirs(
        search_paths=None, coll_filter=None, artifacts_manager=None, dedupe=True
    ):
        if (search_paths, coll_filter, artifacts_manager, dedupe) == (None, None, None, True):
            return iter(dirs)
        return _list_collection_dirs(search_paths, coll_filter, artifacts_manager, dedupe)

    list_collection_dirs.remembered = True
    collection_list.list_collection_dirs = list_collection_dirs


def _scan_collection_dirs() -> list[bytes]:
    """What list_collection_dirs() yields, read off the file system.

    Every <path>/ansible_collections/<namespace>/<name>/ of the collection finder's paths, in
    their priority order, the first of each name winning (Ansible's dedupe). tests/foundation/
    test_strategy.py compares the two.
    """
    seen: set[tuple[str, str]] = set()
    dirs = []
    for base in AnsibleCollectionConfig.collection_paths:
        for path in sorted((Path(base) / "ansible_collections").glob("*/*/")):
            key = (path.parent.name, path.name)
            if key not in seen and all(part.isidentifier() for part in key):
                seen.add(key)
                dirs.append(str(path).encode())
    return dirs


_should_fork = planner.NewStylePlanner.should_fork


def _should_fork_unless_collection_utils(self) -> bool:
    """Fork a module's own interpreter only where Mitogen's reason for it holds.

    Mitogen forks a fresh child for every module that imports module_utils from outside
    ansible-core, since two modules could ship different files under one module_utils name.
    A collection's module_utils have a name of their own (ansible_collections.<ns>.<name>...),
    so they cannot clash: such a module runs in the host's persistent interpreter, which then
    keeps boto3, requests and the collection's code imported from task to task (an AWS
    module's fork re-imported boto3 each time: 0.3-0.5 s per task). Async tasks, ALWAYS_FORK
    modules and mitogen_task_isolation=fork still fork.
    """
    custom = self.get_module_map()["custom"]
    if custom and all(name.startswith("ansible_collections.") for name, _, _ in custom):
        inv = self._inv
        return bool(
            inv.wrap_async
            or inv.task_vars.get("mitogen_task_isolation") == "fork"
            or inv.module_name in self.ALWAYS_FORK_MODULES
        )
    return _should_fork(self)


# The host of the task being queued when it is the host's first task of the run: the worker
# process forked for that task inherits it (_on_action_run_warming). Controller memory.
_not_yet_warmed: set[str] = set()
_queued_hosts: set[str] = set()
_on_action_run = ansible_mitogen.connection.Connection.on_action_run


def _on_action_run_warming(self, task_vars, delegate_to_hostname, loader_basedir):
    """Start the host's interpreter in the background from the first task of the run.

    Starting it (a fresh Python importing Ansible's module code over Mitogen) takes about 1 s,
    which the first module task waits for: deploy.yml's first tasks check variables on the
    controller, rollback.yml's first one checks its argument. The first task's worker, whatever
    its action, asks Mitogen's connection service for the interpreter without waiting for the
    answer; the service builds it while the play goes on, and the first module task's request
    for the same connection waits for that one instead of starting another.
    """
    _on_action_run(self, task_vars, delegate_to_hostname, loader_basedir)
    host = task_vars.get("inventory_hostname")
    if host not in _not_yet_warmed or delegate_to_hostname:
        return
    _not_yet_warmed.discard(host)
    try:
        inventory_name, stack = self._build_stack()
        binding = ansible_mitogen.process.get_worker_model().get_binding(
            ansible_mitogen.utils.unsafe.cast(inventory_name)
        )
        binding.get_service_context().call_service_async(
            service_name="ansible_mitogen.services.ContextService",
            method_name="get",
            stack=ansible_mitogen.utils.unsafe.cast(list(stack)),
        )
    except Exception:  # a head start only: the module task connects anyway
        return


# Actions that never start a module: a play made only of these (the bench's one-task floor)
# does not start an interpreter in the background that nothing would use.
CONTROLLER_ONLY_ACTIONS = frozenset(
    f"ansible.builtin.{name}"
    for name in ("debug", "set_fact", "assert", "fail", "meta", "pause", "set_stats")
)


def _may_run_modules(iterator) -> bool:
    """Whether a task of the play may start a module: an action outside
    CONTROLLER_ONLY_ACTIONS (includes among them), or fact gathering that is not off."""
    tasks = iterator.all_tasks  # every task, blocks flattened; the first gathers facts
    if iterator._play.gather_facts is False:
        tasks = tasks[1:]
    return any(
        (getattr(task, "resolved_action", None) or task.action) not in CONTROLLER_ONLY_ACTIONS
        for task in tasks
    )


class StrategyModule(MitogenLinear):
    def run(self, iterator, play_context):
        planner.NewStylePlanner.should_fork = _should_fork_unless_collection_utils
        ansible_mitogen.connection.Connection.on_action_run = _on_action_run_warming
        _remember_collection_dirs()
        self._warm_up = _may_run_modules(iterator)
        return super().run(iterator, play_context)

    def _queue_task(self, host, task, task_vars, play_context):
        if self._warm_up and host.name not in _queued_hosts:
            _queued_hosts.add(host.name)
            _not_yet_warmed.add(host.name)
        try:
            return super()._queue_task(host, task, task_vars, play_context)
        finally:
            _not_yet_warmed.discard(host.name)  # its worker, forked by now, does the warming
