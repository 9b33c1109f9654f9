"""The latest figures as Markdown, written into bench/README.md between two markers."""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import RESULTS, fmt

README = Path(__file__).resolve().parent / "README.md"
START = "<!-- figures:start (written by `python -m bench`; do not edit by hand) -->"
END = "<!-- figures:end -->"


def table(name: str) -> str:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return f"### {name}\n\nNot run yet.\n"
    data = json.loads(path.read_text())
    load = data["machine"].get("load_average_at_start", ["?"])[0]
    lines = [
        f"### {name}",
        "",
        f"Run {data['finished_at']} in {data['duration_seconds']:.0f} s on "
        f"{data['machine']['cpus']} cores, {data['machine']['cpu_model']}, "
        f"load average {fmt(load) if isinstance(load, float) else load} at start.",
        "",
        "| figure | value | target | |",
        "|---|---:|---|---|",
    ]
    for fig in data["figures"]:
        target = f"{fig['op']} {fmt(fig['limit'])} {fig['unit']}" if fig["op"] else ""
        mark = {True: "met", False: "**missed**", None: ""}[fig["met"]]
        value = f"{fmt(fig['value'])} {fig['unit']}"
        note = f" ({fig['note']})" if fig.get("note") else ""
        lines.append(f"| {fig['name']}{note} | {value} | {target} | {mark} |")
    for error in data["errors"]:
        lines.append(f"\nError: {error}")
    return "\n".join(lines) + "\n"


def update_readme(names: list[str]) -> None:
    """Replace the figures block of bench/README.md with the latest results."""
    if not README.exists():
        return
    text = README.read_text()
    if START not in text or END not in text:
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = "\n".join(table(name) for name in names)
    README.write_text(f"{head}{START}\n\n{body}\n{END}{tail}")
