"""Which Python versions this machine can give an app (the buildpack's runtime choice)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# The oldest minor the current Python buildpack still builds; older ones are end of life.
OLDEST_SUPPORTED = (3, 9)
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: tuple[int, int, int]

    @property
    def full(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def minor(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


class PythonUnavailable(Exception):
    """The requested version cannot be had here; the message says which ones can."""


def parse_version(text: str) -> tuple[int, int, int | None]:
    """'3.11' or '3.11.7' -> (3, 11, None|7); ValueError for anything else."""
    match = _VERSION.match(text.strip())
    if not match:
        raise ValueError(text)
    patch = int(match.group(3)) if match.group(3) is not None else None
    return int(match.group(1)), int(match.group(2)), patch


def _probe(path: Path) -> tuple[int, int, int] | None:
    try:
        out = subprocess.run(
            [str(path), "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    major, minor, patch = (int(x) for x in out.split())
    return major, minor, patch


def _candidates() -> list[Path]:
    found: list[Path] = [Path(getattr(sys, "_base_executable", sys.executable))]
    for minor in range(6, 20):
        exe = shutil.which(f"python3.{minor}", path="/usr/local/bin:/usr/bin:/bin")
        if exe:
            found.append(Path(exe))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        found.extend(sorted(pyenv.glob("3.*/bin/python3")))
    return found


_cache: list[Interpreter] | None = None


def available() -> list[Interpreter]:
    """Every CPython 3 on the machine, newest first (probed once per process)."""
    global _cache
    if _cache is None:
        seen: dict[tuple[int, int, int], Interpreter] = {}
        for path in _candidates():
            if not path.exists():
                continue
            version = _probe(path)
            if version and version not in seen:
                seen[version] = Interpreter(path, version)
        _cache = sorted(seen.values(), key=lambda i: i.version, reverse=True)
    return _cache


def find(requested: str) -> Interpreter:
    """The interpreter for '3.11' (newest patch) or '3.11.7' (exact, else newest patch)."""
    major, minor, patch = parse_version(requested)
    if (major, minor) < OLDEST_SUPPORTED:
        raise PythonUnavailable(
            f"Python {major}.{minor} has reached its upstream end-of-life and is no longer "
            f"supported. Use Python {OLDEST_SUPPORTED[0]}.{OLDEST_SUPPORTED[1]} or newer "
            "in .python-version."
        )
    same_minor = [i for i in available() if i.version[:2] == (major, minor)]
    if not same_minor:
        offered = sorted(
            {i.minor for i in available() if i.version[:2] >= OLDEST_SUPPORTED}, key=parse_version
        )
        raise PythonUnavailable(
            f"Python {major}.{minor} is not available on this machine. "
            f"Available versions: {', '.join(offered) or 'none'}. "
            "Change .python-version to one of them."
        )
    if patch is not None:
        for interp in same_minor:
            if interp.version[2] == patch:
                return interp
    return same_minor[0]
