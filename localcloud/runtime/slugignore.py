"""`.slugignore`: files removed from the source before the build, as Heroku does.

The format is gitignore-like without negation: `*.psd` matches at any depth, a pattern
with a slash (`/docs`, `assets/raw`) is relative to the app root, `#` starts a comment.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def apply_slugignore(app_dir: Path) -> list[str]:
    """Delete what `.slugignore` names; returns the removed paths, relative to the app."""
    listing = app_dir / ".slugignore"
    if not listing.is_file():
        return []
    root = app_dir.resolve()
    removed: list[str] = []
    for raw in listing.read_text(encoding="utf-8", errors="replace").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith(("#", "!")):
            continue
        pattern = pattern.rstrip("/")
        anchored = "/" in pattern
        pattern = pattern.lstrip("/")
        if not pattern or ".." in Path(pattern).parts:
            continue
        matches = root.glob(pattern) if anchored else root.rglob(pattern)
        for match in sorted(matches, key=lambda p: len(p.parts)):
            if not match.is_symlink() and not match.exists():
                continue  # inside a directory removed just before
            if root not in match.parents:
                continue
            if match.is_dir() and not match.is_symlink():
                shutil.rmtree(match)
            else:
                match.unlink()
            removed.append(str(match.relative_to(root)))
    return removed
