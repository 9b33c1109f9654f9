# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pack a source directory into a byte-for-byte reproducible ``.tar.gz``.

Same files in, same bytes out: entries sorted, mtime 0, owner 0:0 with empty
names, modes normalised to 0644/0755, gzip header without name or time. That is
what lets the ``build`` module skip a build whose checksum is already released.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import fnmatch
import gzip
import hashlib
import io
import os
import stat
import tarfile
from typing import BinaryIO, Optional

# Anchored patterns (leading "/" or containing "/") match from the root of the
# source; the others match a file or directory name at any depth, like .gitignore.
DEFAULT_EXCLUDES = [
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".venv",
    "venv",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".DS_Store",
    "/staticfiles",
    "/media",
    "/db.sqlite3",
    "tests/artifacts",
]


def is_excluded(relpath: str, patterns: list[str]) -> bool:
    """True when ``relpath`` (POSIX, relative to the source root) is excluded."""
    name = relpath.rsplit("/", 1)[-1]
    for pattern in patterns:
        anchored = pattern.lstrip("/")
        if pattern.startswith("/") or "/" in anchored.rstrip("/"):
            anchored = anchored.rstrip("/")
            if fnmatch.fnmatchcase(relpath, anchored) or relpath.startswith(anchored + "/"):
                return True
        elif fnmatch.fnmatchcase(name, pattern.rstrip("/")):
            return True
    return False


def _walk(source_dir, patterns):
    """Yield (relpath, abspath) in sorted order, pruning excluded directories."""
    for root, dirs, files in os.walk(source_dir, followlinks=False):
        rel_root = os.path.relpath(root, source_dir).replace(os.sep, "/")
        rel_root = "" if rel_root == "." else rel_root + "/"
        kept = []
        for name in sorted(dirs):
            rel = rel_root + name
            if not is_excluded(rel, patterns):
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            rel = rel_root + name
            if not is_excluded(rel, patterns):
                yield rel, os.path.join(root, name)
        for name in kept:
            yield rel_root + name + "/", os.path.join(root, name)


def _tarinfo(rel, path):
    st = os.lstat(path)
    info = tarfile.TarInfo(rel.rstrip("/"))
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    elif stat.S_ISLNK(st.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
        info.mode = 0o777
    elif stat.S_ISREG(st.st_mode):
        info.type = tarfile.REGTYPE
        info.size = st.st_size
        info.mode = 0o755 if st.st_mode & stat.S_IXUSR else 0o644
    else:
        return None
    return info


def build_tarball(
    source_dir: str, fileobj: BinaryIO, excludes: Optional[list[str]] = None
) -> tuple[str, int]:
    """Write the tarball of ``source_dir`` to ``fileobj``; return (sha256 hex, file count).

    Only regular files, directories and symlinks are packed; sockets and devices
    are skipped.
    """
    patterns = list(DEFAULT_EXCLUDES if excludes is None else excludes)
    if not os.path.isdir(source_dir):
        raise ValueError("source_dir %s is not a directory" % source_dir)
    entries = sorted(_walk(source_dir, patterns), key=lambda item: item[0].rstrip("/"))
    digest = hashlib.sha256()
    count = 0

    class _Hashing(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            digest.update(data)
            fileobj.write(data)
            return len(data)

    sink = _Hashing()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for rel, path in entries:
            info = _tarinfo(rel, path)
            if info is None:
                continue
            if info.type == tarfile.REGTYPE:
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
                count += 1
            else:
                tar.addfile(info)
    return digest.hexdigest(), count


def tree_digest(source_dir: str, excludes: Optional[list[str]] = None) -> str:
    """sha256 over what build_tarball would pack - each entry's path, type, mode, link and
    bytes - without compressing it: the same files give the same digest, cheaply."""
    patterns = list(DEFAULT_EXCLUDES if excludes is None else excludes)
    if not os.path.isdir(source_dir):
        raise ValueError("source_dir %s is not a directory" % source_dir)
    digest = hashlib.sha256()
    for rel, path in sorted(_walk(source_dir, patterns), key=lambda item: item[0].rstrip("/")):
        info = _tarinfo(rel, path)
        if info is None:
            continue
        header = "%s\0%s\0%o\0%s\0" % (info.name, info.type, info.mode, info.linkname)
        digest.update(header.encode())
        if info.type == tarfile.REGTYPE:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            digest.update(b"\0")
    return digest.hexdigest()
