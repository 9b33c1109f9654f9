# Mitogen's linear strategy, found through ansible.cfg's strategy_plugins.
#
# Mitogen keeps one Python interpreter per host for the whole run and sends modules to
# it instead of copying and starting a fresh interpreter per task: a no-op deploy.yml
# (100+ tasks on localhost) halves its CPU time. The strategy lives in the pip package
# `mitogen` (pinned in requirements-dev.txt); this file imports it from the installed
# package, so the path does not depend on the venv's Python version.
from __future__ import annotations

import ansible.collections.list as collection_list
from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule as MitogenLinear

_list_collection_dirs = collection_list.list_collection_dirs


def _remember_collection_dirs() -> None:
    """List the installed collections once per run instead of once per module task.

    Mitogen's planner lists every collection directory (the `ansible` package bundles about
    a hundred, each imported to be validated) before running any collection module, in the
    task's worker process, whose cache dies with it: about 0.1 s of CPU per task, a fifth
    of a no-op deploy. The collections on disk do not change during a run, so the list is
    made here, in the controller, before the workers fork and inherit it.
    """
    if getattr(collection_list.list_collection_dirs, "remembered", False):
        return
    dirs = list(_list_collection_dirs())

    def list_collection_dirs(
        search_paths=None, coll_filter=None, artifacts_manager=None, dedupe=True
    ):
        if (search_paths, coll_filter, artifacts_manager, dedupe) == (None, None, None, True):
            return iter(dirs)
        return _list_collection_dirs(search_paths, coll_filter, artifacts_manager, dedupe)

    list_collection_dirs.remembered = True
    collection_list.list_collection_dirs = list_collection_dirs


class StrategyModule(MitogenLinear):
    def run(self, iterator, play_context):
        _remember_collection_dirs()
        return super().run(iterator, play_context)
