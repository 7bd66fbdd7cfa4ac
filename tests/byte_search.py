"""The attacker's byte search: every byte of every file under some folders, for a petitioner's particulars in
every encoding a Chinese Windows program might write them in. A zip (a workbook, a bundle, a backup) is also
searched member by member after inflating, as anyone who unzips it would read it — and a zip cut short (a killed
writer: no listing at its end) entry by entry from its local headers, as a repair tool reads it."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")
# Encrypted pages look random: a needle of n bytes turns up by chance about once in 2**(8n) positions, so a two-
# character name (4 bytes in GB18030 or UTF-16) would be "found" in a few hundred MB of ciphertext now and then.
# Eight bytes make that chance nil for any store a test writes.
SHORTEST_NEEDLE = 8


def needles(secrets: Iterable[str]) -> dict[bytes, str]:
    """Each secret in each encoding, and what it is (for the message)."""
    found: dict[bytes, str] = {}
    for secret in secrets:
        for encoding in ENCODINGS:
            needle = secret.encode(encoding)
            if len(needle) < SHORTEST_NEEDLE:
                raise ValueError(f"{secret!r} is {len(needle)} bytes in {encoding}: too short to tell from chance")
            found[needle] = f"{secret} ({encoding})"
    return found


def _search(data: bytes, where: str, wanted: dict[bytes, str], depth: int) -> list[str]:
    hits = [f"{where}: {what}" for needle, what in wanted.items() if needle in data]
    if depth < 3 and data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    try:
                        member = zf.read(info)
                    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                        continue  # a member cut short (a killed writer): its bytes were searched as they are
                    hits += _search(member, f"{where} » {info.filename}", wanted, depth + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            for name, member in _cut_zip_entries(data):
                hits += _search(member, f"{where} » {name} (cut short)", wanted, depth + 1)
    return hits


def _cut_zip_entries(data: bytes) -> list[tuple[str, bytes]]:
    """Each entry of a zip without its listing, from its local header on: what inflates of it."""
    entries = []
    at = data.find(b"PK\x03\x04")
    while at >= 0 and at + 30 <= len(data):
        method, = struct.unpack_from("<H", data, at + 8)
        name_size, extra_size = struct.unpack_from("<HH", data, at + 26)
        start = at + 30 + name_size + extra_size
        name = data[at + 30:at + 30 + name_size].decode("utf-8", "replace")
        if method == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            try:
                entries.append((name, inflater.decompress(data[start:])))
            except zlib.error:
                pass
        at = data.find(b"PK\x03\x04", at + 4)
    return entries


def search(roots: Iterable[Path], secrets: Iterable[str], skip: Iterable[Path] = ()) -> list[str]:
    """Where any of ``secrets`` can be read under ``roots`` (files in ``skip``, and folders in it, are left out:
    the files a person chose to write in clear)."""
    wanted = needles(secrets)
    skipped = [Path(p).resolve() for p in skip]
    hits: list[str] = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder, name)
                resolved = path.resolve()
                if any(resolved == s or s in resolved.parents for s in skipped) or not path.is_file():
                    continue
                try:
                    data = path.read_bytes()
                except OSError:
                    continue  # another user's file in the system temp folder, or one gone meanwhile
                hits += _search(data, str(path), wanted, 0)
    return hits
