"""The release phase: the Procfile's `release` command, run once before dynos change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .procenv import process_env, run_streamed, slug_venv


def run_release_phase(
    slug_dir: Path,
    command: str,
    env: dict[str, str],
    log: Callable[[str], None],
    timeout: float = 600,
) -> bool:
    """Run `command` in the slug with the release's config vars; True when it exits 0.

    A command still running after `timeout` seconds is killed with its whole process
    group, and the release phase counts as failed.
    """
    proc_env = process_env(slug_venv(slug_dir), {"HOME": str(slug_dir), **env})
    proc_env.setdefault("DYNO", "release.1")
    code = run_streamed(["bash", "-c", command], slug_dir, proc_env, log, timeout=timeout)
    if code is None:
        log(f"Release command timed out after {timeout:g} s and was stopped")
        return False
    if code != 0:
        log(f"Release command exited with status {code}")
        return False
    return True
