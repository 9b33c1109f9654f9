"""The worker makes a poster from a frame of a video uploaded without a thumbnail."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from apps.videos.models import Video
from apps.videos.tasks import process_video
from tests.media_samples import mp4_bytes, playable_mp4_bytes, png_bytes

pytestmark = pytest.mark.django_db


def _upload(make_user, data: bytes, **fields) -> Video:
    video = Video(owner=make_user(), title="Lesson", status=Video.Status.PROCESSING, **fields)
    video.file.save("lesson.mp4", ContentFile(data), save=False)
    video.save()
    return video


def test_a_video_without_a_thumbnail_gets_a_frame_after_the_first_second(make_user):
    video = _upload(make_user, playable_mp4_bytes())
    assert process_video(video.pk, "http://testserver/") == "ready"
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert video.thumbnail.name.endswith(".jpg")
    with video.thumbnail.open("rb") as handle:
        poster = Image.open(io.BytesIO(handle.read()))
    assert poster.format == "JPEG" and poster.size == (160, 96)
    red, _green, blue = poster.convert("RGB").getpixel((80, 48))
    assert red > 200 and blue < 60  # the red frames start at 1 s; the first second is blue


def test_a_video_whose_frames_cannot_be_read_is_published_without_a_poster(make_user):
    video = _upload(make_user, mp4_bytes())  # a valid MP4 structure with no decodable frame
    assert process_video(video.pk, "http://testserver/") == "ready"
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert not video.thumbnail


def test_a_thumbnail_the_uploader_gave_is_kept(make_user):
    video = _upload(make_user, playable_mp4_bytes())
    video.thumbnail.save("mine.png", ContentFile(png_bytes()), save=True)
    given = video.thumbnail.name
    process_video(video.pk, "http://testserver/")
    video.refresh_from_db()
    assert video.thumbnail.name == given
