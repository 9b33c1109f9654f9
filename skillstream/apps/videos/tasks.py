"""The worker job that finishes an upload: verify, measure, make a poster, publish, notify."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage

from apps.notifications.services import notify_new_video
from apps.videos.media import (
    ACCEPTED_LABEL,
    SNIFF_BYTES,
    VIDEO_TYPES,
    mp4_duration,
    mp4_duration_by_walking,
    sniff_video_type,
)
from apps.videos.models import Video
from apps.videos.posters import add_poster
from apps.videos.uploads import max_upload_bytes

logger = logging.getLogger(__name__)


def read_range(name: str, start: int, length: int) -> bytes:
    """Bytes of a stored file without downloading the rest (a ranged GET on S3)."""
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        response = bucket.Object(name).get(Range=f"bytes={start}-{start + length - 1}")
        return response["Body"].read()
    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        return handle.read(length)


def _fail(video: Video, message: str) -> None:
    video.status = Video.Status.FAILED
    video.status_message = message
    video.save(update_fields=["status", "status_message", "updated_at"])
    if video.file.name and default_storage.exists(video.file.name):
        default_storage.delete(video.file.name)
    logger.warning("event=video_rejected video=%s reason=%r", video.pk, message)


def process_video(video_id: int, site_url: str = "") -> str:
    """Verify a stored upload and publish it. Safe to run twice.

    site_url is the site's base URL as the uploader saw it, for links in emails.
    """
    video = Video.objects.select_related("owner").filter(pk=video_id).first()
    if video is None or video.status == Video.Status.READY:
        return "skipped"
    name = video.file.name
    if not name or not default_storage.exists(name):
        _fail(video, "The upload never arrived. Please upload the file again.")
        return "failed"
    size = default_storage.size(name)
    if size > max_upload_bytes():
        _fail(video, f"The file is larger than the {settings.MAX_UPLOAD_MB} MB limit.")
        return "failed"
    head = read_range(name, 0, SNIFF_BYTES)
    content_type = sniff_video_type(head)
    if content_type is None:
        _fail(video, f"This file is not a supported video. Upload {ACCEPTED_LABEL}.")
        return "failed"
    duration = None
    if content_type in ("video/mp4", "video/quicktime"):
        duration = mp4_duration(head) or mp4_duration_by_walking(
            lambda start, length: read_range(name, start, length), size
        )
    add_poster(video)  # before publishing, so the first viewers see it; none is no failure
    video.status = Video.Status.READY
    video.status_message = ""
    video.content_type = content_type
    video.size_bytes = size
    video.duration_seconds = duration
    video.save()
    notified = notify_new_video(video, site_url)
    logger.info(
        "event=video_ready video=%s type=%s bytes=%d duration=%s notified=%d",
        video.pk,
        VIDEO_TYPES[content_type][1],
        size,
        duration,
        notified,
    )
    return "ready"
