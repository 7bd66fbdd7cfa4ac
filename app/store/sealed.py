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
from typing import TYPE_CHECKING, Protocol

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
