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


class StrategyModule(MitogenLinear):
    def run(self, iterator, play_context):
        planner.NewStylePlanner.should_fork = _should_fork_unless_collection_utils
        _remember_collection_dirs()
        return super().run(iterator, play_context)
