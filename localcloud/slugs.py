"""Slugs uploaded through the API (`POST /apps/{app}/slugs` then PUT of a tarball)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localcloud.errors import Invalid

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


def tree_checksum(slug_dir: Path) -> str:
    """`SHA256:<hex>` of a slug's files (paths, link targets, contents), as Heroku gives a
    built slug a checksum: the same tree gives the same checksum wherever it is released."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(slug_dir):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            digest.update(str(path.relative_to(slug_dir)).encode() + b"\0")
            if path.is_symlink():
                digest.update(os.readlink(path).encode())
            elif path.is_file():
                with path.open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
            digest.update(b"\0")
    return f"SHA256:{digest.hexdigest()}"


def visible_to(svc: Services, slug: dict[str, Any], app_id: str) -> bool:
    """A slug belongs to the app that built it and to every app it was promoted to."""
    if slug["_app_id"] == app_id:
        return True
    return any(
        (r.get("slug") or {}).get("id") == slug["id"] for r in svc.store.list("release", app_id)
    )
