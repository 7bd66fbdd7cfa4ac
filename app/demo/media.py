"""Small but real evidence files for the demo, made without any library: PNG photos, WAV voice notes, an AVI
video clip (uncompressed frames) and a PDF scan (a page image, as a scanner makes it)."""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib


def _gradient_rows(width: int, height: int, rgb: tuple[int, int, int], shift: int = 0) -> list[bytes]:
    rows = []
    for y in range(height):
        shade = int(80 * ((y + shift) % height) / max(1, height - 1))
        rows.append(bytes(c for _ in range(width)
                          for c in (min(255, rgb[0] + shade), min(255, rgb[1] + shade), rgb[2])))
    return rows


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG with a gradient, so each demo photo is a distinct valid image."""
    rows = [b"\x00" + row for row in _gradient_rows(width, height, rgb)]

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def wav(seconds: float, pitch: float) -> bytes:
    """A short mono tone as a WAV file, standing in for a voice note."""
    rate = 8000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * pitch * i / rate))) for i in range(int(rate * seconds)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def _riff_chunk(tag: bytes, data: bytes) -> bytes:
    return tag + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def _riff_list(kind: bytes, body: bytes) -> bytes:
    return _riff_chunk(b"LIST", kind + body)


def avi(width: int, height: int, frames: int, rgb: tuple[int, int, int], fps: int = 5) -> bytes:
    """A short AVI clip of uncompressed frames (a gradient rolling down), standing in for a site video."""
    stride = (width * 3 + 3) & ~3
    size = stride * height
    pad = b"\x00" * (stride - width * 3)
    images = []
    for f in range(frames):
        rows = _gradient_rows(width, height, (rgb[2], rgb[1], rgb[0]), shift=f * height // max(1, frames))
        images.append(b"".join(row + pad for row in reversed(rows)))  # bottom-up BGR, as DIB frames are
    avih = struct.pack("<10I4I", 1_000_000 // fps, size * fps, 0, 0x10, frames, 0, 1, size, width, height,
                       0, 0, 0, 0)
    strh = (b"vids" + b"DIB " + struct.pack("<IHHIIIIIIIIhhhh", 0, 0, 0, 0, 1, fps, 0, frames, size, 0xFFFFFFFF,
                                            0, 0, 0, width, height))
    strf = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, size, 0, 0, 0, 0)
    header = _riff_list(b"hdrl", _riff_chunk(b"avih", avih)
                        + _riff_list(b"strl", _riff_chunk(b"strh", strh) + _riff_chunk(b"strf", strf)))
    movi = _riff_list(b"movi", b"".join(_riff_chunk(b"00db", image) for image in images))
    index, offset = [], 4
    for image in images:
        index.append(b"00db" + struct.pack("<III", 0x10, offset, len(image)))
        offset += 8 + len(image) + (len(image) % 2)
    body = b"AVI " + header + movi + _riff_chunk(b"idx1", b"".join(index))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pdf_scan(width: int, height: int, lines: int, seed: int) -> bytes:
    """A one-page PDF holding a greyscale page image with lines of "writing", as a scanned letter looks."""
    rows = []
    margin = width // 10
    for y in range(height):
        line_no, within = divmod(y - height // 8, max(1, height // (lines + 4)))
        writing = 0 <= line_no < lines and within < 3
        end = width - margin - ((line_no * 37 + seed * 11) % (width // 3) if writing else 0)
        row = bytearray([238 - (y * 7 + seed) % 9] * width)
        if writing:
            for x in range(margin, end):
                if (x * 13 + y * 7 + seed) % 5:
                    row[x] = 60
        rows.append(bytes(row))
    image = zlib.compress(b"".join(rows))
    page_w, page_h = 595, 842  # A4 in points
    content = f"q {page_w} 0 0 {page_h} 0 0 cm /Im1 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w} {page_h}] /Contents 4 0 R "
        "/Resources << /XObject << /Im1 5 0 R >> >> >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray "
        f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(image)} >>\nstream\n".encode() + image
        + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
