"""Where uploaded files go, and the presigned POST that lets a browser put them there directly."""

import re
import unicodedata
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage

from apps.videos.media import VIDEO_TYPES

UPLOAD_TOKEN_SALT = "skillstream.videos.upload"  # noqa: S105 (a namespace, not a secret)
UPLOAD_TOKEN_MAX_AGE = 6 * 3600


def _clean(part: str) -> str:
    part = re.sub(r"[^A-Za-z0-9_-]+", "-", part)
    return re.sub(r"[-_]{2,}", "-", part).strip("-_")


def safe_filename(name: str, default: str = "video") -> str:
    """A file name with no directory part, no traversal and only harmless characters."""
    name = PurePosixPath(name.replace("\\", "/")).name
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, ext = name.strip(".").rpartition(".")
    if not dot:
        stem, ext = ext, ""
    stem = _clean(stem.replace(".", "-"))[:60] or default
    ext = _clean(ext)[:8].lower()
    return f"{stem}.{ext}" if ext else stem


def video_key(user_id: int, filename: str) -> str:
    """Storage key for a new video: <MEDIA_PREFIX>videos/<user>/<uuid>/<safe name>."""
    prefix = settings.MEDIA_PREFIX.strip("/")
    parts = [prefix] if prefix else []
    parts += ["videos", str(user_id), uuid.uuid4().hex, safe_filename(filename)]
    return "/".join(parts)


def thumbnail_key(user_id: int, filename: str) -> str:
    prefix = settings.MEDIA_PREFIX.strip("/")
    parts = [prefix] if prefix else []
    parts += ["thumbnails", str(user_id), f"{uuid.uuid4().hex[:12]}-{safe_filename(filename)}"]
    return "/".join(parts)


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def sign_upload_token(user_id: int, key: str) -> str:
    return signing.dumps({"user": user_id, "key": key}, salt=UPLOAD_TOKEN_SALT)


def read_upload_token(token: str, user_id: int) -> str | None:
    """The key a token was issued for this user, or None when forged, stale or someone else's."""
    try:
        data = signing.loads(token, salt=UPLOAD_TOKEN_SALT, max_age=UPLOAD_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("user") != user_id:
        return None
    return data.get("key")


def presigned_post(user_id: int, filename: str, content_type: str) -> dict[str, Any]:
    """A presigned POST for one video: the key is fixed, the size bounded, the type pinned."""
    if content_type not in VIDEO_TYPES:
        raise ValueError(f"unsupported content type {content_type!r}")
    key = video_key(user_id, filename)
    storage = default_storage
    client = storage.connection.meta.client
    post = client.generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, max_upload_bytes()],
        ],
        ExpiresIn=settings.PRESIGNED_POST_EXPIRES,
    )
    return {
        "url": post["url"],
        "fields": post["fields"],
        "key": key,
        "token": sign_upload_token(user_id, key),
    }
