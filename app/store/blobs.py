"""Evidence files (photos, voice notes, video, scans) stored by content: ``blobs/<sha256>``.

Files are streamed in fixed-size chunks, so a 2 GB video never sits in memory, and verified when read back.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.models.errors import DomainError
from app.store.oserrors import os_reason

CHUNK = 1 << 20
STALE_INCOMING_SECONDS = 3600  # a copy in progress is younger than this (2 GB at 20 MB/s takes under 2 minutes)
KIND_BY_SUFFIX = {
    ".jpg": "photo", ".jpeg": "photo", ".png": "photo", ".heic": "photo", ".bmp": "photo", ".gif": "photo",
    ".mp3": "audio", ".wav": "audio", ".m4a": "audio", ".amr": "audio", ".aac": "audio", ".ogg": "audio",
    ".mp4": "video", ".mov": "video", ".avi": "video", ".3gp": "video", ".mkv": "video",
    ".pdf": "scan", ".tif": "scan", ".tiff": "scan",
}


def kind_of(path: Path) -> str:
    return KIND_BY_SUFFIX.get(path.suffix.lower(), "other")


class BlobStore:
    """A folder of files named by the SHA-256 of their content."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def remove_stale_incoming(self, now: float | None = None) -> int:
        """Remove half-copied files a killed program left (``.incoming-*``, older than an hour, so a copy another
        window is making right now is left alone); returns how many went."""
        if not self.root.is_dir():
            return 0
        limit = (now if now is not None else time.time()) - STALE_INCOMING_SECONDS
        removed = 0
        for partial in self.root.glob(".incoming-*"):
            try:
                if partial.stat().st_mtime < limit:
                    partial.unlink()
                    removed += 1
            except OSError:
                continue  # gone meanwhile, or not ours to remove: it does no harm where it is
        return removed

    def put_stream(self, source: BinaryIO) -> tuple[str, int]:
        """Copy a stream in, hashing as it goes; returns (sha256, size). Written under a temporary name first,
        so a full disk or a crash never leaves a half file under a real name."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        import tempfile  # on first use: it is not needed to open the window

        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            target.parent.mkdir(exist_ok=True)
            if target.exists():
                os.unlink(tmp_name)
            else:
                os.replace(tmp_name, target)
            return sha, size
        except OSError as err:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise DomainError(f"保存佐证材料失败：{os_reason(err)}") from None

    def put_file(self, source: Path) -> tuple[str, int]:
        try:
            with source.open("rb") as handle:
                return self.put_stream(handle)
        except FileNotFoundError:
            raise DomainError(f"找不到文件：{source}") from None

    def read_chunks(self, sha256: str) -> Iterator[bytes]:
        """The content, chunk by chunk; raises DomainError at the end if it does not match its name."""
        path = self.path(sha256)
        if not path.exists():
            raise DomainError(f"佐证材料缺失：{sha256[:12]}…")
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != sha256:
            raise DomainError(f"佐证材料已损坏（内容与登记的哈希不符）：{sha256[:12]}…")

    def verify(self, sha256: str) -> None:
        for _ in self.read_chunks(sha256):
            pass

    def export_to(self, sha256: str, target: Path) -> Path:
        """Write a verified copy for a viewer to open; nothing is left behind if the check fails."""
        tmp = target.with_name(target.name + ".part")
        try:
            with tmp.open("wb") as out:
                for chunk in self.read_chunks(sha256):
                    out.write(chunk)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return target
