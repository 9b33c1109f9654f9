"""Posters: a frame of the video as a JPEG, for videos uploaded without a thumbnail.

PyAV (`av`) ships FFmpeg in its wheel, so it installs from PyPI on Heroku's Python
buildpack with no apt or buildpack package. A file FFmpeg cannot decode gives no poster;
the video is published all the same.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

FRAME_AT_SECONDS = 1.0  # past a fade-in, yet inside even a short clip
POSTER_MAX_SIDE = 1280
JPEG_QUALITY = 82


def frame_jpeg(handle, at_seconds: float = FRAME_AT_SECONDS) -> bytes | None:
    """The first frame at or after `at_seconds` (or the first one) of a video file object."""
    import av  # FFmpeg loads only where posters are made (the worker)

    try:
        with av.open(handle, mode="r") as container:
            stream = next(iter(container.streams.video), None)
            if stream is None:
                return None
            stream.thread_type = "AUTO"
            duration = float(stream.duration * stream.time_base) if stream.duration else 0.0
            target = at_seconds if duration > at_seconds else 0.0
            if target and stream.time_base:
                container.seek(int(target / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                if frame.time is not None and frame.time < target and duration:
                    continue
                image = frame.to_image().convert("RGB")
                image.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
                return out.getvalue()
    except (av.error.FFmpegError, OSError, ValueError, ZeroDivisionError) as exc:
        logger.info("event=poster_unreadable error=%s", type(exc).__name__)
    return None


def add_poster(video) -> bool:
    """Give a video without a thumbnail a poster from its own frames (saved with the video)."""
    if video.thumbnail or not video.file.name:
        return False
    with default_storage.open(video.file.name, "rb") as handle:
        data = frame_jpeg(handle)
    if data is None:
        logger.info("event=poster_skipped video=%s reason=no_readable_frame", video.pk)
        return False
    video.thumbnail.save("poster.jpg", ContentFile(data), save=False)
    return True
