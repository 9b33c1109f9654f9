#!/usr/bin/env python3
"""Print what the deploy needs to know about the app root, as JSON.

- ``commit``: the git commit of the source dir, ``-dirty`` appended when the tree under it
  has uncommitted changes; ``""`` outside git.
- ``migrations_sha256``: a checksum over the Django migration files (their paths and
  contents, sorted), which the build records so the next deploy can tell whether a
  release brings migrations the database has not seen.
- ``migrations``: how many migration files there are.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path


def git_commit(source: Path) -> str:
    """Return HEAD's SHA (``-dirty`` when the tree under ``source`` changed), or ``""``."""
    try:
        head = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
        status = subprocess.run(
            [
                "git",
                "-C",
                str(source),
                "status",
                "--porcelain",
                "--untracked-files=normal",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{head}-dirty" if status else head


def migration_files(source: Path) -> list[Path]:
    """Django migration modules under ``source`` (``*/migrations/*.py``), sorted."""
    return sorted(
        path
        for path in source.rglob("migrations/*.py")
        if "__pycache__" not in path.parts and ".venv" not in path.parts
    )


def migrations_checksum(source: Path, files: list[Path]) -> str:
    """SHA-256 over each migration file's relative path and bytes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: source_facts.py APP_ROOT", file=sys.stderr)
        return 2
    source = Path(argv[1]).resolve()
    files = migration_files(source)
    print(
        json.dumps(
            {
                "commit": git_commit(source),
                "migrations_sha256": migrations_checksum(source, files),
                "migrations": len(files),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
