"""A blob store on disk (sources, slugs tarballs, backups), served over HTTP by the API server.

Blob URLs carry an unguessable id, as presigned S3 URLs do; no token is needed to use them.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url
        root.mkdir(parents=True, exist_ok=True)

    def new_key(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4()}"

    def path(self, key: str) -> Path:
        if "/" in key or key.startswith("."):
            raise ValueError("bad blob key")
        return self.root / key

    def url(self, key: str) -> str:
        return f"{self.base_url}/blobs/{key}"

    def key_from_url(self, url: str) -> str | None:
        """The key when `url` points into this store, else None."""
        prefix = f"{self.base_url}/blobs/"
        if url.startswith(prefix):
            return url[len(prefix) :].split("?", 1)[0]
        return None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def write_stream(self, key: str, stream, chunk: int = 1 << 16) -> int:
        tmp = self.path(key).with_suffix(".part")
        size = 0
        with tmp.open("wb") as out:
            while True:
                data = stream.read(chunk)
                if not data:
                    break
                out.write(data)
                size += len(data)
        tmp.replace(self.path(key))
        return size

    def copy_in(self, key: str, source: Path) -> None:
        shutil.copyfile(source, self.path(key))

    def sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.path(key).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                digest.update(block)
        return digest.hexdigest()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
