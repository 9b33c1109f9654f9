"""The build tarball is reproducible: same files in, same bytes out."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

from ansible_collections.skillstream.heroku.plugins.module_utils.tarball import (
    DEFAULT_EXCLUDES,
    build_tarball,
    is_excluded,
    tree_digest,
)


def make_tree(root: Path, mtime: int, mode_bits: int) -> None:
    (root / "config").mkdir(parents=True)
    (root / "Procfile").write_text("web: gunicorn config.wsgi\n")
    (root / "manage.py").write_text("print('hi')\n")
    (root / "config" / "settings.py").write_text("DEBUG = False\n")
    (root / "bin").mkdir()
    (root / "bin" / "post_compile").write_text("#!/bin/sh\n")
    os.chmod(root / "bin" / "post_compile", 0o700)
    os.chmod(root / "manage.py", mode_bits)
    # noise the tarball must leave out
    for junk in (".git/HEAD", "config/__pycache__/settings.cpython-311.pyc", "staticfiles/app.css",
                 "media/upload.mp4", ".venv/bin/python", "tests/artifacts/report.html",
                 "node_modules/x/index.js"):  # fmt: skip
        path = root / junk
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("junk")
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))


def pack(root: Path) -> tuple[bytes, str, int]:
    buf = io.BytesIO()
    digest, count = build_tarball(str(root), buf, DEFAULT_EXCLUDES)
    return buf.getvalue(), digest, count


def test_same_files_give_the_same_bytes(tmp_path):
    make_tree(tmp_path / "a", mtime=1_000_000, mode_bits=0o600)
    make_tree(tmp_path / "b", mtime=2_000_000, mode_bits=0o664)
    data_a, digest_a, count = pack(tmp_path / "a")
    data_b, digest_b, _ = pack(tmp_path / "b")
    assert data_a == data_b
    assert digest_a == digest_b
    assert count == 4


def test_a_changed_file_changes_the_checksum(tmp_path):
    make_tree(tmp_path / "a", mtime=0, mode_bits=0o644)
    _, before, _ = pack(tmp_path / "a")
    (tmp_path / "a" / "manage.py").write_text("print('changed')\n")
    _, after, _ = pack(tmp_path / "a")
    assert before != after


def test_entries_are_sorted_normalised_and_filtered(tmp_path):
    make_tree(tmp_path / "a", mtime=123456, mode_bits=0o600)
    data, _, _ = pack(tmp_path / "a")
    assert data[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert names == ["Procfile", "bin", "bin/post_compile", "config", "config/settings.py",
                     "manage.py", "tests"]  # fmt: skip
    by_name = {m.name: m for m in members}
    assert by_name["bin/post_compile"].mode == 0o755
    assert by_name["manage.py"].mode == 0o644
    assert by_name["bin"].mode == 0o755
    assert {m.mtime for m in members} == {0}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    assert gzip.decompress(data)  # a valid gzip stream


def test_exclude_patterns_follow_gitignore_anchoring():
    assert is_excluded("apps/media/models.py", DEFAULT_EXCLUDES) is False  # only /media
    assert is_excluded("media", DEFAULT_EXCLUDES) is True
    assert is_excluded("deep/dir/__pycache__", DEFAULT_EXCLUDES) is True
    assert is_excluded("a/b/c.pyc", DEFAULT_EXCLUDES) is True
    assert is_excluded("tests/artifacts/x.html", DEFAULT_EXCLUDES) is True
    assert is_excluded("tests/test_views.py", DEFAULT_EXCLUDES) is False
    assert is_excluded("docs/draft.md", ["docs/*.md"]) is True


def test_the_tree_digest_follows_what_the_tarball_packs(tmp_path):
    make_tree(tmp_path / "a", mtime=1_000_000, mode_bits=0o600)
    make_tree(tmp_path / "b", mtime=2_000_000, mode_bits=0o664)
    before = tree_digest(str(tmp_path / "a"), DEFAULT_EXCLUDES)
    assert before == tree_digest(str(tmp_path / "b"), DEFAULT_EXCLUDES)  # times, modes normalised
    (tmp_path / "a" / "staticfiles" / "app.css").write_text("left out")
    assert tree_digest(str(tmp_path / "a"), DEFAULT_EXCLUDES) == before
    (tmp_path / "a" / "config" / "settings.py").write_text("DEBUG = True\n")
    assert tree_digest(str(tmp_path / "a"), DEFAULT_EXCLUDES) != before
    os.chmod(tmp_path / "b" / "manage.py", 0o700)  # executable: packed 0755, another digest
    assert tree_digest(str(tmp_path / "b"), DEFAULT_EXCLUDES) != before
