"""Benchmarks of SkillStream ops: deploy and rollback, off-site backup, page speed.

`make bench` (= `.venv/bin/python -m bench`) runs them all; each also runs alone, e.g.
`.venv/bin/python -m bench.deploy`. Figures go to bench/results/<name>.json.
"""
