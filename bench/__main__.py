"""Run every benchmark (or those named: `python -m bench backup pages`) and sum up."""

from __future__ import annotations

import importlib
import json
import sys
import time

from bench.common import RESULTS, banner
from bench.summary import update_readme

BENCHMARKS = ("deploy", "backup", "pages", "pitr")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    started = time.monotonic()
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        try:
            code = module.main()
        except Exception as exc:
            print(f"  ERROR: {name}: {type(exc).__name__}: {exc}")
            code = 1
        if code:
            failed.append(name)
    banner(f"summary ({time.monotonic() - started:.0f} s)")
    for name in names:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            print(f"{name}: no results")
            continue
        data = json.loads(path.read_text())
        held = [f for f in data["figures"] if f["met"] is not None]
        met = sum(1 for f in held if f["met"])
        print(f"{name}: {met}/{len(held)} targets met, {len(data['errors'])} error(s)")
        for fig in held:
            mark = "met   " if fig["met"] else "MISSED"
            print(
                f"  {mark} {fig['name']}: {fig['value']} {fig['unit']} "
                f"(target {fig['op']} {fig['limit']})"
            )
    update_readme(list(BENCHMARKS))
    if failed:
        print(f"benchmarks with errors: {', '.join(failed)} (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
