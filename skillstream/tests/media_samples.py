"""Small, structurally real media files made on the fly (no binary fixtures in the repo)."""

import struct


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4_bytes(
    duration_seconds: float = 12.5,
    brand: bytes = b"isom",
    padding: int = 2048,
    fast_start: bool = True,
) -> bytes:
    """An ISO-BMFF file: ftyp, moov/mvhd carrying the duration, and mdat (moov last when not
    fast_start, as cameras write it)."""
    timescale = 1000
    mvhd = (
        bytes([0, 0, 0, 0])  # version 0, flags
        + struct.pack(">IIII", 0, 0, timescale, int(duration_seconds * timescale))
        + b"\x00" * 80
    )
    ftyp = box(b"ftyp", brand + struct.pack(">I", 512) + brand + b"mp41")
    moov = box(b"moov", box(b"mvhd", mvhd))
    mdat = box(b"mdat", b"\x00" * padding)
    return ftyp + (moov + mdat if fast_start else mdat + moov)


def webm_bytes(padding: int = 1024) -> bytes:
    # EBML header with DocType "webm", then filler standing in for the segment.
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * padding


def png_bytes() -> bytes:
    """A real 16x9 PNG (Pillow verifies thumbnails)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), (79, 70, 229)).save(buffer, format="PNG")
    return buffer.getvalue()


def playable_mp4_bytes(seconds: int = 3, fps: int = 10, size: tuple[int, int] = (160, 96)) -> bytes:
    """A real H.264 MP4 (PyAV): blue frames for the first second, red ones after it."""
    import io

    import av
    from PIL import Image

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(seconds * fps):
            rgb = (0, 0, 255) if index < fps else (255, 0, 0)
            frame = av.VideoFrame.from_image(Image.new("RGB", size, rgb))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()
