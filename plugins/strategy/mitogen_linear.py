# Mitogen's linear strategy, found through ansible.cfg's strategy_plugins.
#
# Mitogen keeps one Python interpreter per host for the whole run and sends modules to
# it instead of copying and starting a fresh interpreter per task: a no-op deploy.yml
# (130+ tasks on localhost) halves its CPU time. The strategy lives in the pip package
# `mitogen` (pinned in requirements-dev.txt); this file only imports it from the
# installed package, so the path does not depend on the venv's Python version.
from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule  # noqa: F401
