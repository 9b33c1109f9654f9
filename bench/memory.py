"""Peak resident memory of a process tree, sampled while it runs."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MIB = 1024 * 1024


def vm_hwm(pid: int) -> int:
    """The kernel's RSS high-water mark of a live process, in bytes (0 when gone)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class TreeSampler:
    """Samples a process and its descendants every `interval` seconds until stopped."""

    root: psutil.Process
    interval: float = 0.02
    peak_by_name: dict[str, int] = field(default_factory=dict)
    peak_total: int = 0  # the largest sum of RSS seen at one instant
    samples: int = 0
    # pid -> [name, first seen, last seen] (time.monotonic(), then relative to the start)
    lifetimes: dict[int, list] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _is_unexeced_fork(self, proc: psutil.Process) -> bool:
        """A child caught between fork() and exec() of pg_dump or psql: it still runs the
        root's program and its RSS is the root's pages shared copy-on-write, not new memory."""
        return proc.exe() == self._root_exe and proc.cmdline() == self._root_cmdline

    def _loop(self) -> None:
        try:
            self._root_exe, self._root_cmdline = self.root.exe(), self.root.cmdline()
        except psutil.Error:
            self._root_exe, self._root_cmdline = "", []
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for proc in procs:
                try:
                    name = proc.name()
                    rss = proc.memory_info().rss
                    if proc.pid != self.root.pid and self._is_unexeced_fork(proc):
                        continue
                except psutil.Error:
                    continue
                total += rss
                high = max(rss, vm_hwm(proc.pid))
                key = "backup process" if proc.pid == self.root.pid else name
                self.peak_by_name[key] = max(self.peak_by_name.get(key, 0), high)
                now = time.monotonic()
                self.lifetimes.setdefault(proc.pid, [key, now, now])[2] = now
            self.peak_total = max(self.peak_total, total)
            self.samples += 1
            time.sleep(self.interval)


def run_sampled(
    cmd: list[str], env: dict[str, str], timeout: float
) -> tuple[str, float, TreeSampler]:
    """Run `cmd`, sampling its tree's memory; return stdout, wall seconds and the sampler.

    The sampler's `lifetimes` are relative to the command's start.
    """
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(psutil.Process(proc.pid)).start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        sampler.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    wall = time.monotonic() - started
    for life in sampler.lifetimes.values():
        life[1] -= started
        life[2] -= started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1]} exited {proc.returncode}: {err.strip()[-800:]}")
    return out, wall, sampler


def longest_lived(sampler: TreeSampler, name: str) -> tuple[float, float] | None:
    """When the longest-lived process called `name` was first and last seen."""
    lives = [(first, last) for n, first, last in sampler.lifetimes.values() if n == name]
    return max(lives, key=lambda life: life[1] - life[0]) if lives else None
