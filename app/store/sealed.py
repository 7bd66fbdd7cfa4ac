"""Sealed streams: a file or a bundle member encrypted in chunks with an AEAD, so nothing large sits in memory.

Layout: ``MAGIC`` (8 bytes) + a random salt (16 bytes), then chunks of up to ``CHUNK`` bytes of plaintext, each
followed by its 16-byte tag. Each stream has a key of its own (HKDF-SHA256 of the given key, the salt and the
stream's purpose), so the nonce can be a counter: the chunk's number (11 bytes) and one byte that is 1 only on the
last chunk. A reordered, repeated, cut or extended stream fails: the counter and the end mark are in the nonce, the
header is the associated data of every chunk. AES-256-GCM from ``cryptography``; no cipher of our own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, Protocol

from app.models.errors import DomainError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"PDSEAL1\n"
SALT = 16
HEADER = len(MAGIC) + SALT
CHUNK = 1 << 20
TAG = 16
KEY_BYTES = 32


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class Source(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Damaged(DomainError):
    """A sealed stream that does not open with its key: damaged, cut short, or not sealed for this key."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def derive(key: bytes, salt: bytes, purpose: bytes) -> bytes:
    """A 256-bit key for one use of ``key``: HKDF-SHA256 over the salt and the purpose."""
    # cryptography is loaded on first use: opening the window does not need it.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=purpose).derive(key)


def _aead(key: bytes, salt: bytes, purpose: bytes) -> AESGCM:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(derive(key, salt, purpose))


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def sealed_size(plain_size: int) -> int:
    """How many bytes a stream of ``plain_size`` bytes takes sealed."""
    chunks = max(1, -(-plain_size // CHUNK))
    return HEADER + plain_size + chunks * TAG


class SealWriter:
    """Seals what is written to it into ``sink``; ``close`` writes the last chunk (a stream must be closed to
    be complete: a stream cut before its last chunk does not open)."""

    def __init__(self, sink: Sink, key: bytes, purpose: bytes) -> None:
        salt = os.urandom(SALT)
        self.header = MAGIC + salt
        self.aead = _aead(key, salt, purpose)
        self.sink = sink
        self.buffer = bytearray()
        self.number = 0
        self.closed = False
        self.size = 0
        sink.write(self.header)

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.size += len(data)
        while len(self.buffer) > CHUNK:  # keep at least one byte back: the last chunk is sealed as the last
            self._emit(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, last: bool) -> None:
        self.sink.write(self.aead.encrypt(_nonce(self.number, last), plain, self.header))
        self.number += 1

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._emit(bytes(self.buffer), last=True)
            self.buffer.clear()

    def __enter__(self) -> SealWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()


def seal(source: Source, sink: Sink, key: bytes, purpose: bytes) -> int:
    """Seal everything ``source`` holds into ``sink``; returns the plaintext size."""
    with SealWriter(sink, key, purpose) as writer:
        while chunk := source.read(CHUNK):
            writer.write(chunk)
    return writer.size


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


def unseal(source: Source, key: bytes, purpose: bytes, what: str = "文件") -> Iterator[bytes]:
    """The plaintext of a sealed stream, chunk by chunk. Raises ``Damaged`` (in Chinese, naming ``what``) at the
    first chunk that does not open, or when the stream ends before its last chunk."""
    header = source.read(HEADER)
    if len(header) < HEADER or not is_sealed(header):
        raise Damaged(f"{what}已损坏或不是本程序加密的文件")
    from cryptography.exceptions import InvalidTag

    aead = _aead(key, header[len(MAGIC):], purpose)
    number = 0
    block = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG) if len(block) == CHUNK + TAG else b""
        last = not following
        try:
            plain = aead.decrypt(_nonce(number, last), block, header)
        except InvalidTag:
            raise Damaged(f"{what}已损坏、不完整，或不是用本站的密钥加密的") from None
        yield plain
        if last:
            return
        number += 1
        block = following


class ChunkReader:
    """A file-like ``read`` over an iterator of byte chunks (plaintext coming out of ``unseal``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


class ScratchFile:
    """A temporary file whose content is sealed under a key that exists only in this object (this process's
    memory): what a library must stream to a file on its way (a sheet's XML, a workbook before it goes into a
    bundle) never rests on the disk readable, and one a killed program leaves behind opens for nobody.

    Written once (``write``… then ``finish``), then read back as a stream (``chunks``, ``reader``)."""

    def __init__(self, purpose: bytes, folder: str | None = None) -> None:
        import tempfile

        handle, name = tempfile.mkstemp(prefix="sealed-", suffix=".part", dir=folder)  # 0600, the private folder
        self.path = name
        self.purpose = purpose
        self._key = new_key()
        self._file = os.fdopen(handle, "wb")
        self._writer = SealWriter(self._file, self._key, purpose)

    @property
    def size(self) -> int:
        """The plaintext size written so far."""
        return self._writer.size

    def write(self, data: bytes) -> int:
        return self._writer.write(data)

    def flush(self) -> None:
        """Nothing to flush: the sealed chunks reach the file as they fill."""

    def finish(self) -> None:
        """Seal the last chunk and close the file (a second call does nothing)."""
        if not self._file.closed:
            self._writer.close()
            self._file.close()

    def chunks(self) -> Iterator[bytes]:
        self.finish()
        with open(self.path, "rb") as source:
            yield from unseal(source, self._key, self.purpose, "临时文件")

    def reader(self) -> ChunkReader:
        return ChunkReader(self.chunks())

    def copy_to(self, sink: Sink) -> None:
        for chunk in self.chunks():
            sink.write(chunk)

    def remove(self) -> None:
        import contextlib

        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


class Window:
    """``length`` bytes of the open binary file ``raw`` from ``start``, read as a seekable file of their own (a
    stored zip member read in place); the window owns ``raw``. Subclasses say what ``read`` gives."""

    def __init__(self, raw: BinaryIO, start: int, length: int) -> None:
        self.raw, self.start, self.length, self.position = raw, start, length, 0

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.position
        size = left if size < 0 else min(size, left)
        self.raw.seek(self.start + self.position)
        data = self.raw.read(size)
        self.position += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = max(0, {0: 0, 1: self.position, 2: self.length}[whence] + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()


class SealedView(Window):
    """A sealed stream read as a seekable file: ``length`` bytes from ``start`` of the open binary file ``raw``
    (a bundle's stored member; the view owns ``raw``), each chunk opened only when a read reaches it. A reader
    that jumps about (a zip reader going to its directory, then to one sheet) never needs the whole plaintext
    anywhere. Every chunk is still checked with its tag, its number and its last-chunk mark."""

    def __init__(self, raw: BinaryIO, start: int, length: int, key: bytes, purpose: bytes, what: str = "文件"
                 ) -> None:
        self.what = what
        raw.seek(start)
        header = raw.read(HEADER)
        if len(header) < HEADER or not is_sealed(header) or length < HEADER + TAG:
            raise Damaged(f"{what}已损坏或不是本程序加密的文件")
        self.header = header
        self.aead = _aead(key, header[len(MAGIC):], purpose)
        body = length - HEADER
        self.chunks = max(1, -(-body // (CHUNK + TAG)))
        super().__init__(raw, start, body - self.chunks * TAG)
        if self.length < 0:
            raise Damaged(f"{what}已损坏、不完整")
        self._cached: tuple[int, bytes] = (-1, b"")

    def _chunk(self, number: int) -> bytes:
        if self._cached[0] != number:
            from cryptography.exceptions import InvalidTag

            self.raw.seek(self.start + HEADER + number * (CHUNK + TAG))
            last = number == self.chunks - 1
            block = self.raw.read(CHUNK + TAG if not last else self.length - number * CHUNK + TAG)
            try:
                self._cached = (number, self.aead.decrypt(_nonce(number, last), block, self.header))
            except InvalidTag:
                raise Damaged(f"{self.what}已损坏、不完整，或不是用本站的密钥加密的") from None
        return self._cached[1]

    def read(self, size: int = -1) -> bytes:
        end = self.length if size < 0 else min(self.length, self.position + size)
        parts = []
        while self.position < end:
            number, offset = divmod(self.position, CHUNK)
            piece = self._chunk(number)[offset:offset + end - self.position]
            parts.append(piece)
            self.position += len(piece)
        return b"".join(parts)

