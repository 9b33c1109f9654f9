"""A built slug's checksum (localcloud/slugs.py tree_checksum): the same tree gives the same
checksum wherever it lies; any change of a path, a content or a link target gives another.
File digests are remembered by inode, size and mtime, so a slug's hard-linked virtualenv is
read once per daemon, not once per build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from localcloud import slugs


def make_tree(root: Path) -> Path:
    (root / "app" / "static").mkdir(parents=True)
    (root / "app" / "manage.py").write_text("print('hi')\n")
    (root / "app" / "static" / "site.css").write_text("body {}\n")
    os.symlink("manage.py", root / "app" / "link.py")
    return root / "app"


def test_the_same_tree_gives_the_same_checksum_wherever_it_lies(tmp_path: Path) -> None:
    one = make_tree(tmp_path / "one")
    two = tmp_path / "two"
    shutil.copytree(one, two, symlinks=True)
    linked = tmp_path / "linked"
    shutil.copytree(one, linked, symlinks=True, copy_function=os.link)
    assert slugs.tree_checksum(one) == slugs.tree_checksum(two) == slugs.tree_checksum(linked)
    assert slugs.tree_checksum(one).startswith("SHA256:")


def test_a_changed_content_path_or_link_changes_it(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    before = slugs.tree_checksum(tree)
    css = tree / "static" / "site.css"
    # A new content of the same size, written as a new file (as builds and editors do).
    css.unlink()
    css.write_text("body{ }\n")
    assert slugs.tree_checksum(tree) != before
    after_content = slugs.tree_checksum(tree)
    (tree / "static" / "site.css").rename(tree / "static" / "main.css")
    assert slugs.tree_checksum(tree) != after_content
    after_rename = slugs.tree_checksum(tree)
    (tree / "link.py").unlink()
    os.symlink("static", tree / "link.py")
    assert slugs.tree_checksum(tree) != after_rename


def test_a_file_in_place_rewritten_is_read_again(tmp_path: Path) -> None:
    tree = make_tree(tmp_path)
    before = slugs.tree_checksum(tree)
    target = tree / "manage.py"
    stat = target.stat()
    target.write_text("print('ho')\n")  # same inode and size, other content
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert slugs.tree_checksum(tree) != before
