"""Stream bytes into and out of S3 without holding an object on disk or in memory.

`MultipartWriter` cuts an input stream into parts of `part_size` bytes and uploads them
while the producer keeps going; at most `max_inflight` parts exist in memory at once,
so memory is bounded by `part_size * (max_inflight + 1)` whatever the object's size.
The SHA-256 is computed on the way through.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any, Callable, Dict, Iterator, List, Optional

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # S3's floor for every part but the last
MAX_PARTS = 10000


def s3_client(region: Optional[str] = None, endpoint_url: Optional[str] = None) -> Any:
    """A boto3 S3 client; credentials come from the usual boto3 chain."""
    import boto3  # imported here so the pure helpers work without boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 8, "mode": "adaptive"}, max_pool_connections=16)
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url or None, config=config)


class UploadError(RuntimeError):
    """The multipart upload failed and was aborted."""


class MultipartWriter:
    """Upload a stream as one S3 object through a multipart upload."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        part_size: int = 8 * MIB,
        max_inflight: int = 2,
        extra_args: Optional[Dict[str, Any]] = None,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError("part_size must be at least 5 MiB")
        self.client = client
        self.bucket = bucket
        self.key = key
        self.part_size = part_size
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.upload_id: Optional[str] = None
        self._extra = extra_args or {}
        self._parts: List[Dict[str, Any]] = []
        self._pool = ThreadPoolExecutor(max_workers=max_inflight)
        self._slots = threading.Semaphore(max_inflight)
        self._futures: List[Future] = []

    def _upload_part(self, number: int, data: bytearray) -> Dict[str, Any]:
        try:
            resp = self.client.upload_part(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=data,
            )
            return {"PartNumber": number, "ETag": resp["ETag"]}
        finally:
            self._slots.release()

    def _first_error(self) -> Optional[BaseException]:
        for fut in self._futures:
            if fut.done() and fut.exception() is not None:
                return fut.exception()
        return None

    @property
    def parts_count(self) -> int:
        """How many parts were uploaded."""
        return len(self._futures)

    def upload(
        self, stream: IO[bytes], before_complete: Optional[Callable[[], None]] = None
    ) -> Dict[str, Any]:
        """Read `stream` to its end and complete the object; abort on any failure.

        `before_complete` runs after the last part and may raise to abort instead of
        completing (the producer failed): the object then never appears.
        """
        resp = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key, **self._extra)
        self.upload_id = resp["UploadId"]
        try:
            number = 0
            while True:
                self._slots.acquire()  # wait for a free slot before reading a new part
                data = _read_exactly(stream, self.part_size)
                if not data and number > 0:
                    self._slots.release()
                    break
                number += 1
                if number > MAX_PARTS:
                    self._slots.release()
                    raise UploadError("object exceeds %d parts; raise part_size" % MAX_PARTS)
                self.sha256.update(data)
                self.size += len(data)
                self._futures.append(self._pool.submit(self._upload_part, number, data))
                del data
                err = self._first_error()
                if err is not None:
                    raise UploadError("part upload failed: %s" % err) from err
                if self.size < self.part_size * number:
                    break  # a short read means end of stream
            parts = [fut.result() for fut in self._futures]
            if before_complete is not None:
                before_complete()
            return self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": sorted(parts, key=lambda p: p["PartNumber"])},
            )
        except BaseException:
            self.abort()
            raise
        finally:
            self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Abort the multipart upload so no partial object can ever appear."""
        for fut in self._futures:
            fut.cancel()
        if self.upload_id:
            # the original error matters more; retention aborts what is left behind
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
                )


def _read_exactly(stream: IO[bytes], size: int) -> bytearray:
    """Read `size` bytes unless the stream ends first (pipes return short reads).

    Reads into one preallocated buffer: no list of chunks joined into a second copy.
    """
    buf = bytearray(size)
    view = memoryview(buf)
    filled = 0
    while filled < size:
        n = stream.readinto(view[filled:])  # type: ignore[attr-defined]
        if not n:
            break
        filled += n
    view.release()
    if filled < size:
        del buf[filled:]
    return buf


def iter_object(
    client: Any, bucket: str, key: str, chunk_size: int = MIB, version_id: Optional[str] = None
) -> Iterator[bytes]:
    """Yield an object's bytes in chunks, streaming from S3."""
    kwargs: Dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    body = client.get_object(**kwargs)["Body"]
    try:
        for chunk in body.iter_chunks(chunk_size):
            yield chunk
    finally:
        body.close()
