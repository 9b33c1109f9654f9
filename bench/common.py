"""What every benchmark shares: figures with targets, results on disk, processes, ports."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
RESULTS = REPO / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_ENV = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}


@dataclass
class Figure:
    """One measured number, with the target it is held to (if any)."""

    name: str
    value: float | None
    unit: str
    op: str | None = None  # "<=", "<", ">=" or ">"
    limit: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.op is None or self.limit is None:
            return None
        if self.value is None:
            return False
        checks = {
            "<=": self.value <= self.limit,
            "<": self.value < self.limit,
            ">=": self.value >= self.limit,
            ">": self.value > self.limit,
        }
        return checks[self.op]

    def line(self) -> str:
        value = "n/a" if self.value is None else fmt(self.value)
        text = f"  {self.name:<52} {value:>10} {self.unit:<6}"
        if self.met is not None:
            mark = "met" if self.met else "MISSED"
            text += f"  target {self.op} {fmt(self.limit)} {self.unit}: {mark}"
        if self.note:
            text += f"  ({self.note})"
        return text


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


@dataclass
class Report:
    """The figures of one benchmark, printed as they come and written as JSON."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    load_at_start: list[float] = field(default_factory=lambda: [*os.getloadavg()])

    def add(
        self,
        name: str,
        value: float | None,
        unit: str,
        op: str | None = None,
        limit: float | None = None,
        note: str = "",
    ) -> Figure:
        fig = Figure(name, None if value is None else round(float(value), 4), unit, op, limit, note)
        self.figures.append(fig)
        print(fig.line(), flush=True)
        return fig

    def error(self, message: str) -> None:
        self.errors.append(message)
        print(f"  ERROR: {message}", flush=True)

    @property
    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.met is False]

    def write(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.json"
        data = {
            "benchmark": self.name,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "duration_seconds": round(time.monotonic() - self.started, 1),
            "machine": machine() | {"load_average_at_start": self.load_at_start},
            "figures": [asdict(f) | {"met": f.met} for f in self.figures],
            "errors": self.errors,
            "details": self.details,
        }
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
        tmp.replace(path)
        return path

    def summary(self) -> str:
        met = sum(1 for f in self.figures if f.met)
        held = sum(1 for f in self.figures if f.met is not None)
        text = f"{self.name}: {met}/{held} targets met"
        if self.errors:
            text += f", {len(self.errors)} error(s)"
        return text


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem_gib = round(mem_kib / 1024 / 1024, 1)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def banner(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_block(size: int) -> int:
    """The first of `size` consecutive free ports (app routers are allocated upwards).

    Below the kernel's ephemeral range (32768 and up): wrk leaves tens of thousands of
    client ports there in TIME_WAIT, which no server may bind for a minute."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000 - size)
        if all(_port_free(base + i) for i in range(size)):
            return base
    raise RuntimeError(f"no block of {size} free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def stop(proc: subprocess.Popen | None, timeout: float = 15.0) -> None:
    """Stop a process we started (its own process group), politely and then not."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def psql(sql: str, dbname: str = "postgres", check: bool = True) -> str:
    """Run SQL as the local superuser; return stdout (tuples only, unaligned)."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql],
        capture_output=True,
        text=True,
        env=os.environ | PG_ENV,
        check=False,
    )
    if check and out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A fresh database on the local server, dropped afterwards whatever happens."""
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)


def copy_app_tree(dest: Path) -> Path:
    """A copy of skillstream/ to build or run from, so the real tree is never touched."""
    ignore = shutil.ignore_patterns(
        "__pycache__", "*.pyc", "staticfiles", "media", "db.sqlite3", ".pytest_cache"
    )
    shutil.copytree(REPO / "skillstream", dest, ignore=ignore)
    return dest


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]
