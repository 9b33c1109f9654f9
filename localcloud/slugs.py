"""Slugs uploaded through the API (`POST /apps/{app}/slugs` then PUT of a tarball)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localcloud.errors import Invalid
from localcloud.ids import new_id, now
from localcloud.records import STACKS

if TYPE_CHECKING:
    from localcloud.services import Services


def ensure_unpacked(svc: Services, slug: dict[str, Any]) -> None:
    """Unpack an uploaded slug tarball (`./app/...`) so dynos can run it."""
    if slug.get("_dir") and Path(slug["_dir"]).is_dir():
        return
    key = slug["_upload_key"]
    if not svc.blobs.exists(key):
        raise Invalid("The slug's tarball was never uploaded.")
    target = svc.settings.home / "slugs" / slug["id"]
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(svc.blobs.path(key), "r:*") as tar:
        tar.extractall(target, filter="data")
    app_dir = target / "app"
    slug["_dir"] = str(app_dir if app_dir.is_dir() else target)
    slug["size"] = svc.blobs.path(key).stat().st_size
    svc.store.put("slug", slug, slug["_app_id"])


def tarball(slug_dir: Path) -> bytes:
    """A slug directory as Heroku serves slugs: a gzipped tar of `./app`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(slug_dir, arcname="./app")
    return buf.getvalue()


# Content digests of files already hashed, by identity: a slug's virtualenv is hard-linked
# from the build cache (runtime/venvcopy.py), so its ~10,000 files keep their inodes from one
# build to the next and are read once per daemon, not once per build (about 1-2 s of reading
# 250 MB). The key changes whenever the content can have: a new inode, size or mtime, as
# git's index trusts them. Bounded: forgotten wholesale past _DIGESTS_MAX entries.
_file_digests: dict[tuple[int, int, int, int], bytes] = {}
_DIGESTS_MAX = 200_000


def _file_digest(entry: os.DirEntry) -> bytes:
    info = entry.stat(follow_symlinks=False)
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    known = _file_digests.get(key)
    if known is None:
        digest = hashlib.sha256()
        with open(entry.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        known = digest.digest()
        if len(_file_digests) >= _DIGESTS_MAX:
            _file_digests.clear()
        _file_digests[key] = known
    return known


def tree_checksum(slug_dir: Path) -> str:
    """`SHA256:<hex>` of a slug's files (paths, link targets, contents), as Heroku gives a
    built slug a checksum: the same tree gives the same checksum wherever it is released."""
    digest = hashlib.sha256()

    def add(folder: str, prefix: str) -> None:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            name = prefix + entry.name
            if entry.is_symlink():
                digest.update(b"L" + name.encode() + b"\0" + os.readlink(entry.path).encode())
            elif entry.is_dir():
                add(entry.path, name + "/")
            elif entry.is_file():
                digest.update(b"F" + name.encode() + b"\0" + _file_digest(entry))

    add(str(slug_dir), "")
    return f"SHA256:{digest.hexdigest()}"


def visible_to(svc: Services, slug: dict[str, Any], app_id: str) -> bool:
    """A slug belongs to the app that built it and to every app it was promoted to."""
    if slug["_app_id"] == app_id:
        return True
    return any(
        (r.get("slug") or {}).get("id") == slug["id"] for r in svc.store.list("release", app_id)
    )


def create(svc: Services, app: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A slug record waiting for its tarball (PUT to `blob.url`)."""
    types = body.get("process_types")
    if not isinstance(types, dict) or not all(isinstance(v, str) for v in types.values()):
        raise Invalid("process_types is required: a map of process type to command")
    stack = STACKS.get(body.get("stack") or app["build_stack"]["name"])
    if stack is None:
        raise Invalid("unknown stack")
    stamp = now()
    slug_id = new_id()
    key = svc.blobs.new_key("slugupload")
    slug = {
        "blob": {"method": "put", "url": svc.blobs.url(key)},
        "buildpack_provided_description": body.get("buildpack_provided_description"),
        "checksum": body.get("checksum"),
        "commit": body.get("commit"),
        "commit_description": body.get("commit_description"),
        "created_at": stamp,
        "id": slug_id,
        "process_types": types,
        "size": None,
        "stack": stack,
        "updated_at": stamp,
        "_app_id": app["id"],
        "_upload_key": key,
    }
    svc.store.put("slug", slug, app["id"])
    return slug
