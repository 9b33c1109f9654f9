"""Puts a copy of a cached virtualenv into a slug, so a slug never depends on the cache.

Files are hard-linked when the cache and the slug share a filesystem (instant, no extra
space) and copied otherwise. The few text files that name the venv's own path (script
shebangs, activate scripts, pyvenv.cfg) are rewritten as new files, which leaves the
cached originals untouched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_REWRITE_MAX = 1 << 20  # scripts are small; binaries in bin/ are left alone


def materialize(src: Path, dest: Path) -> None:
    """Recreate the venv `src` at `dest` (which must not exist)."""
    src = src.resolve()
    dest.mkdir(parents=True)
    linking = True
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        target_dir = dest / rel
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                os.symlink(os.readlink(os.path.join(dirpath, name)), target_dir / name)
                dirnames.remove(name)
            else:
                (target_dir / name).mkdir()
        for name in filenames:
            source = os.path.join(dirpath, name)
            target = target_dir / name
            if os.path.islink(source):
                os.symlink(os.readlink(source), target)
                continue
            if linking:
                try:
                    os.link(source, target)
                    continue
                except OSError:
                    linking = False  # another filesystem: copy from now on
            shutil.copy2(source, target)
    _rewrite_paths(dest, str(src).encode(), str(dest).encode())


def _rewrite_paths(dest: Path, old: bytes, new: bytes) -> None:
    candidates = [dest / "pyvenv.cfg"]
    bin_dir = dest / "bin"
    if bin_dir.is_dir():
        candidates += [p for p in bin_dir.iterdir() if p.is_file() and not p.is_symlink()]
    for path in candidates:
        if not path.is_file() or path.stat().st_size > _REWRITE_MAX:
            continue
        data = path.read_bytes()
        if old not in data:
            continue
        mode = path.stat().st_mode
        path.unlink()  # break the hard link: the cache keeps its own version
        path.write_bytes(data.replace(old, new))
        os.chmod(path, mode)
