"""Reading the origin bucket as one distribution (Origin Access Control).

S3 answers what it would answer CloudFront: 403 AccessDenied unless the bucket policy
grants the distribution `s3:GetObject` on the key; for a missing key 404 only when the
policy also grants `s3:ListBucket`, else 403 (S3 does not tell who may not list)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from localcloud.edge import access
from localcloud.edge.distributions import Distribution

POLICY_SECONDS = 1.0  # a bucket policy change reaches the edge within this
CACHEABLE_BYTES = 64 << 20  # bigger objects are streamed range by range, never held


@dataclass
class OriginResponse:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    stream: Any = None  # a botocore StreamingBody for objects too big to hold
    size: int = 0


def _error(status: int, code: str, message: str) -> OriginResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    return OriginResponse(status, {"Content-Type": "application/xml"}, body, size=len(body))


def _object_headers(meta: dict[str, Any]) -> dict[str, str]:
    headers = {
        "Content-Type": meta.get("ContentType") or "binary/octet-stream",
        "ETag": meta.get("ETag", ""),
        "Last-Modified": meta["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }
    for key, name in (("CacheControl", "Cache-Control"), ("ContentEncoding", "Content-Encoding"),
                      ("ContentDisposition", "Content-Disposition")):  # fmt: skip
        if meta.get(key):
            headers[name] = meta[key]
    return headers


class Origin:
    def __init__(self, s3: Any) -> None:
        self.s3 = s3
        self._policies: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def _policy(self, bucket: str) -> str | None:
        with self._lock:
            cached = self._policies.get(bucket)
            if cached and time.monotonic() - cached[0] < POLICY_SECONDS:
                return cached[1]
        try:
            text = self.s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError:
            text = None
        with self._lock:
            self._policies[bucket] = (time.monotonic(), text)
        return text

    def get(self, dist: Distribution, key: str, range_header: str | None = None) -> OriginResponse:
        """The object, whole when small enough to cache, else the viewer's range streamed."""
        if dist.bucket is None:
            return _error(502, "BadGateway", "The origin is not an S3 bucket")
        policy = self._policy(dist.bucket)
        arn = f"arn:aws:s3:::{dist.bucket}/{key}"
        if not access.allowed(policy, "s3:GetObject", arn, dist.arn):
            return _error(403, "AccessDenied", "Access Denied")
        try:
            meta = self.s3.head_object(Bucket=dist.bucket, Key=key)
        except ClientError as err:
            status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
            if status == 404:
                bucket_arn = f"arn:aws:s3:::{dist.bucket}"
                if access.allowed(policy, "s3:ListBucket", bucket_arn, dist.arn):
                    return _error(404, "NoSuchKey", "The specified key does not exist.")
                return _error(403, "AccessDenied", "Access Denied")
            return _error(502 if status >= 500 else status, "OriginError", "Origin error")
        headers = _object_headers(meta)
        size = int(meta["ContentLength"])
        if size <= CACHEABLE_BYTES:
            body = self.s3.get_object(Bucket=dist.bucket, Key=key)["Body"].read()
            return OriginResponse(200, headers, body, size=len(body))
        extra = {"Range": range_header} if range_header else {}
        got = self.s3.get_object(Bucket=dist.bucket, Key=key, **extra)
        status = int(got["ResponseMetadata"]["HTTPStatusCode"])
        if got.get("ContentRange"):
            headers["Content-Range"] = got["ContentRange"]
        return OriginResponse(status, headers, stream=got["Body"], size=int(got["ContentLength"]))
