"""A PNG of where each deploy phase's time goes, task by task."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bench.ansible_run import PlaybookRun

TOP = 12
COLOURS = {"changed": "#d9822b", "ok": "#2b7bd9", "skipped": "#9aa5b1", "failed": "#c23030"}


def top_tasks(run: PlaybookRun, top: int = TOP) -> list[tuple[str, float, str]]:
    """The slowest tasks (same name summed, as a loop or include repeats a task), slowest first."""
    seconds: dict[str, float] = defaultdict(float)
    status: dict[str, str] = {}
    for task in run.tasks:
        seconds[task.name] += task.seconds
        if status.get(task.name) not in ("failed", "changed"):
            status[task.name] = task.status
    ranked = sorted(seconds.items(), key=lambda item: item[1], reverse=True)[:top]
    return [(name, secs, status[name]) for name, secs in ranked]


def plot_phases(
    phases: dict[str, PlaybookRun],
    path: Path,
    title: str = "Where a deploy's time goes (ansible.posix.json task timings)",
) -> Path:
    """One panel per phase: the slowest tasks as horizontal bars, coloured by outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    names = [n for n, run in phases.items() if run.tasks]
    fig, axes = plt.subplots(len(names), 1, figsize=(13, 3.4 * max(1, len(names))), squeeze=False)
    for ax, phase in zip(axes[:, 0], names, strict=True):
        run = phases[phase]
        rows = top_tasks(run)[::-1]
        labels = [_short(name) for name, _, _ in rows]
        values = [secs for _, secs, _ in rows]
        ax.barh(labels, values, color=[COLOURS.get(s, "#555") for _, _, s in rows])
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:.1f}s", va="center", fontsize=7)
        in_tasks = sum(t.seconds for t in run.tasks)
        ax.set_title(
            f"{phase}: {run.wall_seconds:.1f} s wall, {in_tasks:.1f} s in {len(run.tasks)} tasks "
            f"(top {len(rows)} shown)",
            fontsize=9,
            loc="left",
        )
        ax.tick_params(axis="y", labelsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("seconds", fontsize=7)
        ax.margins(x=0.12)
    handles = [Patch(color=c, label=s) for s, c in COLOURS.items()]
    fig.legend(handles=handles, loc="upper right", fontsize=7, ncol=4)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _short(name: str, width: int = 62) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
