# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a deploy needs to know about the app root: its commit and its migrations.

The build's version is the commit plus ``+m.<12 hex>``, the checksum of the Django
migration files. Heroku keeps it with the slug (``slug.commit``, ``HEROKU_SLUG_COMMIT``),
so the next deploy reads it back from the serving release and can tell whether a release
brings migrations the database has not seen, without any config var.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import hashlib
import os
import subprocess
from typing import Any

MIGRATIONS_TAG_LENGTH = 12


def git_commit(source: str) -> str:
    """HEAD's SHA (``-dirty`` when the tree under ``source`` changed), or ``""`` outside git."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", source, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=normal", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return ""
    return "%s-dirty" % head if status else head


def migration_files(source: str) -> list[str]:
    """Django migration modules under ``source`` (``*/migrations/*.py``), relative, sorted."""
    found = []
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".venv", ".git")]
        if os.path.basename(root) != "migrations":
            continue
        for name in files:
            if name.endswith(".py"):
                found.append(os.path.relpath(os.path.join(root, name), source))
    return sorted(path.replace(os.sep, "/") for path in found)


def migrations_checksum(source: str, files: list[str]) -> str:
    """SHA-256 over each migration file's relative path and bytes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.encode() + b"\0")
        with open(os.path.join(source, path), "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def build_version(version: str, commit: str, migrations_sha256: str) -> str:
    """``<version or commit or 'unversioned'>+m.<12 hex>``: what the build records."""
    return "%s+m.%s" % (
        version or commit or "unversioned",
        migrations_sha256[:MIGRATIONS_TAG_LENGTH],
    )


def source_facts(source: str, version: str = "") -> dict[str, Any]:
    """The facts of the app root ``source`` (see the module's RETURN)."""
    source = os.path.realpath(source)
    files = migration_files(source)
    commit = git_commit(source)
    checksum = migrations_checksum(source, files)
    return {
        "commit": commit,
        "migrations_sha256": checksum,
        "migrations": len(files),
        "version": build_version(version, commit, checksum),
    }
