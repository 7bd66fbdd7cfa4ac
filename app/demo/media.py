"""Small but real evidence files for the demo: PNG photos and WAV voice notes, made without any library."""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG with a gradient, so each demo photo is a distinct valid image."""
    rows = []
    for y in range(height):
        shade = int(80 * y / max(1, height - 1))
        row = bytes([0]) + bytes(
            c for _ in range(width) for c in (min(255, rgb[0] + shade), min(255, rgb[1] + shade), rgb[2]))
        rows.append(row)

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
