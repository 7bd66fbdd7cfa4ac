"""Evidence files (photos, voice notes, video, scans) stored by content, sealed.

Each file is encrypted with the station's evidence key (kept inside the sealed store) as a sealed stream
(``app.store.sealed``: AES-GCM in 1 MB chunks, so a 2 GB video never sits in memory) and named by an HMAC of its
content's SHA-256 under that key: the folder tells a finder neither the content nor which known file is there.
Events name evidence by the plain SHA-256, which is checked again whenever a file is read back.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from app.models.errors import DomainError
from app.store import sealed
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
    """A folder of sealed files, found by the SHA-256 of their content."""

    PURPOSE = b"petition-desk evidence"

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self.key = key

    @cached_property
    def _name_key(self) -> bytes:
        return sealed.derive(self.key, b"", b"petition-desk evidence names")

    def path(self, sha256: str) -> Path:
        name = hmac.new(self._name_key, sha256.encode("ascii"), hashlib.sha256).hexdigest()
        return self.root / name[:2] / name

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

    def put_stream(self, source: sealed.Source, prefix: str = ".incoming-", sync: bool = True) -> tuple[str, int]:
        """Seal a stream in, hashing its plaintext as it goes; returns (sha256, size). Written under a temporary
        name first, so a full disk or a crash never leaves a half file under a real name. ``sync=False`` leaves
        flushing to the caller (an import flushes all its files at once)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        import tempfile  # on first use: it is not needed to open the window

        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=prefix)
        try:
            with os.fdopen(fd, "wb") as out:
                with sealed.SealWriter(out, self.key, self.PURPOSE) as writer:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        writer.write(chunk)
                size = writer.size
                out.flush()
                if sync:
                    os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            target.parent.mkdir(mode=0o700, exist_ok=True)
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
            try:
                for chunk in sealed.unseal(handle, self.key, self.PURPOSE):
                    digest.update(chunk)
                    yield chunk
            except sealed.Damaged:
                raise DomainError(f"佐证材料已损坏（无法解密或不完整）：{sha256[:12]}…") from None
        if digest.hexdigest() != sha256:
            raise DomainError(f"佐证材料已损坏（内容与登记的哈希不符）：{sha256[:12]}…")

    def seal_plain_files(self) -> int:
        """Seal the evidence files an older program stored as they were (``<sha256[:2]>/<sha256>``, readable
        by anyone holding the disk); returns how many. Each is checked against its name before the plain file
        goes; a file that does not match is left for ``verify`` to report."""
        count = 0
        for path in sorted(self.root.glob("??/" + "[0-9a-f]" * 64)) if self.root.is_dir() else []:
            with path.open("rb") as handle:
                if sealed.is_sealed(handle.read(len(sealed.MAGIC))):
                    continue
                handle.seek(0)
                sha, _size = self.put_stream(handle)
            if sha == path.name:
                path.unlink()
                count += 1
            else:
                self.path(sha).unlink(missing_ok=True)
        return count

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
