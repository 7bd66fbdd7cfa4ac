"""The attacker's byte search: every byte of every file under some folders, for a petitioner's particulars in
every encoding a Chinese Windows program might write them in. A zip (a workbook, a bundle, a backup) is also
searched member by member after inflating, as anyone who unzips it would read it."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")


def needles(secrets: Iterable[str]) -> dict[bytes, str]:
    """Each secret in each encoding, and what it is (for the message)."""
    found: dict[bytes, str] = {}
    for secret in secrets:
        for encoding in ENCODINGS:
            found[secret.encode(encoding)] = f"{secret} ({encoding})"
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
            pass
    return hits


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
