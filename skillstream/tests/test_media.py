"""Unit tests of the pure functions that judge uploads."""

import pytest

from apps.videos.media import SNIFF_BYTES, mp4_duration, mp4_duration_by_walking, sniff_video_type
from apps.videos.uploads import safe_filename
from tests.media_samples import box, mp4_bytes, png_bytes, webm_bytes


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (mp4_bytes(), "video/mp4"),
        (mp4_bytes(brand=b"qt  "), "video/quicktime"),
        (mp4_bytes(brand=b"M4A "), None),  # audio in an MP4 container
        (webm_bytes(), "video/webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska", None),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora", "video/ogg"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis", None),
        (png_bytes(), None),
        (b"<html><script>alert(1)</script>", None),
        (b"", None),
    ],
)
def test_sniff_video_type_by_content(content, expected):
    assert sniff_video_type(content) == expected


def test_mp4_duration_from_a_fast_start_moov():
    assert mp4_duration(mp4_bytes(duration_seconds=3725.5)) == pytest.approx(3725.5)


def test_mp4_duration_is_none_when_moov_is_not_in_the_head():
    # Not "fast start": mdat first, moov after the bytes we read.
    head = box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"mdat", b"\x00" * 100)[:60]
    assert mp4_duration(head) is None


def test_mp4_duration_of_a_camera_file_by_walking_the_boxes():
    content = mp4_bytes(duration_seconds=95.25, padding=200_000, fast_start=False)
    assert mp4_duration(content[:SNIFF_BYTES]) is None
    reads = []

    def read(start, length):
        reads.append(length)
        return content[start : start + length]

    assert mp4_duration_by_walking(read, len(content)) == pytest.approx(95.25)
    assert sum(reads) < 5000  # a few small ranged reads, not the file


def test_walking_stops_on_a_broken_box():
    assert mp4_duration_by_walking(lambda s, n: b"\x00\x00\x00\x02free", 1000) is None


def test_mp4_duration_survives_garbage():
    assert mp4_duration(b"\x00\x00\x00\x01moov" + b"\xff" * 7) is None
    assert mp4_duration(b"\x00\x00\x00\x04xxxx") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("My Lesson (final).MP4", "My-Lesson-final.mp4"),
        ("..", "video"),
        ("Ünïcödé vidéo.webm", "Unicode-video.webm"),
        ("x" * 300 + ".mp4", "x" * 60 + ".mp4"),
        (".hidden.mov", "hidden.mov"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected
