"""Recognising a video by its bytes (never by its name) and reading an MP4's duration."""

import struct
from collections.abc import Callable

SNIFF_BYTES = 64 * 1024

# content type → (label, file extension)
VIDEO_TYPES = {
    "video/mp4": ("MP4", "mp4"),
    "video/quicktime": ("QuickTime", "mov"),
    "video/webm": ("WebM", "webm"),
    "video/ogg": ("Ogg", "ogv"),
}
ACCEPTED_LABEL = "MP4, WebM, Ogg or QuickTime (MOV)"


def sniff_video_type(head: bytes) -> str | None:
    """The video content type of a file from its first bytes, or None if it is not a video."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith((b"M4A", b"M4B", b"M4P", b"heic", b"heix", b"mif1", b"avif")):
            return None  # audio-only MP4 and still images share the container
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML header: Matroska or WebM; only WebM plays in every browser.
        return "video/webm" if b"webm" in head[:64] else None
    if head.startswith(b"OggS"):
        return "video/ogg" if (b"theora" in head[:512] or b"\x80theora" in head) else None
    return None


def _boxes(data: bytes, start: int, end: int):
    """Yield (type, payload_start, box_end) for the ISO-BMFF boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind, pos + header, min(pos + size, end)
        pos += size


def mp4_duration(head: bytes) -> float | None:
    """Duration in seconds from the moov/mvhd box when it sits in the bytes given
    (web-optimised "fast start" files put moov first); None when it is not there."""
    for kind, payload, box_end in _boxes(head, 0, len(head)):
        if kind != b"moov":
            continue
        for inner, ipayload, iend in _boxes(head, payload, box_end):
            if inner != b"mvhd" or iend - ipayload < 32:
                continue
            version = head[ipayload]
            if version == 1:
                timescale, duration = struct.unpack(">IQ", head[ipayload + 20 : ipayload + 32])
            else:
                timescale, duration = struct.unpack(">II", head[ipayload + 12 : ipayload + 20])
            return duration / timescale if timescale else None
    return None


def mp4_duration_by_walking(
    read: Callable[[int, int], bytes], size: int, max_boxes: int = 8
) -> float | None:
    """Duration of an MP4 whose moov is not at the start (not "fast start"): hop over the
    top-level boxes with small ranged reads (16 bytes each), then read the head of moov."""
    pos = 0
    for _ in range(max_boxes):
        if pos + 8 > size:
            return None
        header = read(pos, 16)
        if len(header) < 8:
            return None
        box_size, kind = struct.unpack(">I4s", header[:8])
        header_size = 8
        if box_size == 1 and len(header) >= 16:
            box_size = struct.unpack(">Q", header[8:16])[0]
            header_size = 16
        elif box_size == 0:
            box_size = size - pos
        if box_size < header_size:
            return None
        if kind == b"moov":
            # mvhd comes first inside moov, so its head is enough.
            return mp4_duration(read(pos, min(box_size, 4096)))
        pos += box_size
    return None
