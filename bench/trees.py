"""The two trees a comparing benchmark measures: the work tree and a baseline commit.

The baseline is checked out with `git worktree add --detach` into a temporary directory
and removed afterwards whatever happens, so its playbooks, ansible.cfg and localcloud
code run as they were at that commit. A worktree has no .venv: commands run with the
absolute path of this tree's venv (bench.common.BIN).
"""

from __future__ import annotations

import configparser
import contextlib
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.common import REPO

DEFAULT_BASELINE_REF = "HEAD~1"


@dataclass
class Tree:
    """A repository tree to measure: `name` is "current" or "baseline"."""

    name: str
    root: Path
    ref: str
    sha: str
    subject: str
    dirty: bool = False  # uncommitted changes (the current tree only: a worktree is clean)

    def describe(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "commit": self.sha,
            "subject": self.subject,
            "uncommitted_changes": self.dirty,
            "ansible_strategy": ansible_strategy(self.root),
        }


def _git(*args: str, cwd: Path = REPO) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def current_tree() -> Tree:
    """This work tree as it is, uncommitted changes included (those are what is measured)."""
    sha = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return Tree("current", REPO, "work tree", sha, _git("log", "-1", "--format=%s", sha), dirty)


@contextlib.contextmanager
def baseline_tree(ref: str) -> Iterator[Tree]:
    """`ref` checked out in a temporary worktree; removed on exit, on errors and on Ctrl-C."""
    sha = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    parent = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    path = parent / "tree"
    previous = signal.getsignal(signal.SIGTERM)
    # A SIGTERM would end the process without running the `finally` below.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        _git("worktree", "add", "--detach", str(path), sha)
        yield Tree("baseline", path, ref, sha, _git("log", "-1", "--format=%s", sha))
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            _git("worktree", "remove", "--force", str(path))
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            _git("worktree", "prune")
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def copy_app_tree(root: Path, dest: Path) -> Path:
    """A copy of `root`/skillstream/ to build from (bench.common.copy_app_tree, any tree)."""
    ignore = shutil.ignore_patterns(
        "__pycache__", "*.pyc", "staticfiles", "media", "db.sqlite3", ".pytest_cache"
    )
    shutil.copytree(root / "skillstream", dest, ignore=ignore)
    return dest


def source_dir_variable(root: Path) -> str | None:
    """The heroku_app variable naming the tree to build (so a copy can be built), if any."""
    specs = root / "roles" / "heroku_app" / "meta" / "argument_specs.yml"
    if not specs.exists():
        return None
    options: dict[str, Any] = {}
    for entry in (yaml.safe_load(specs.read_text()) or {}).get("argument_specs", {}).values():
        options |= entry.get("options", {}) or {}
    for name in ("heroku_app_source_dir", "heroku_app_build_source_dir", "heroku_app_source"):
        if name in options:
            return name
    candidates = [n for n in options if "source" in n and ("dir" in n or "path" in n)]
    return candidates[0] if candidates else None


def ansible_strategy(root: Path) -> str:
    """The strategy the tree's ansible.cfg selects ("linear" when it names none)."""
    cfg = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#", ";"))
    with contextlib.suppress(OSError, configparser.Error):
        cfg.read(root / "ansible.cfg")
    return cfg.get("defaults", "strategy", fallback="linear")
