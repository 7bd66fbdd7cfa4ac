"""A station's Ed25519 signing key: made once, kept in the data folder, readable only by its owner.

Public keys are shown as a fingerprint of digits in groups of five, which two people can read to each other over
the phone before a certificate is issued or installed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.models.errors import DomainError

KEY_FILE = Path("keys") / "station-ed25519.pem"


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE


def load_key(data_dir: Path) -> Ed25519PrivateKey | None:
    path = key_path(data_dir)
    if not path.exists():
        return None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as err:
        raise DomainError(f"本站私钥文件已损坏：{path}（{err}）") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(f"本站私钥文件不是 Ed25519 密钥：{path}")
    return key


def load_or_create_key(data_dir: Path) -> Ed25519PrivateKey:
    """The station's key, made on first use. Written with owner-only permissions (0600) before any byte of the
    key is in the file, and never overwritten: losing it means enrolling again."""
    existing = load_key(data_dir)
    if existing is not None:
        return existing
    return _create(key_path(data_dir))


def new_key() -> Ed25519PrivateKey:
    """A fresh key, not yet the station's (``replace_key`` installs it)."""
    return Ed25519PrivateKey.generate()


def replace_key(data_dir: Path, stamp: str, key: Ed25519PrivateKey) -> Ed25519PrivateKey:
    """Install ``key`` as the station's new key (after its old one was revoked). The old key file is kept,
    renamed into ``keys/retired/``, never deleted."""
    path = key_path(data_dir)
    if path.exists():
        retired = path.parent / "retired"
        retired.mkdir(mode=0o700, exist_ok=True)
        safe = "".join(ch for ch in stamp if ch.isdigit())
        target = retired / f"{path.stem}-{safe}.pem"
        number = 1
        while target.exists():
            number += 1
            target = retired / f"{path.stem}-{safe}-{number}.pem"
        os.replace(path, target)
    return _create(path, key)


def _create(path: Path, key: Ed25519PrivateKey | None = None) -> Ed25519PrivateKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    key = key or Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o600)
    return key


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise DomainError("签名或密钥的编码不正确") from None


def key_id(public_raw: bytes) -> str:
    """The key's identity in records: SHA-256 of the raw public key, hex."""
    return hashlib.sha256(public_raw).hexdigest()


def fingerprint(public_raw: bytes) -> str:
    """Forty digits in eight groups, for reading aloud: each group is four bytes of the key's SHA-256 mod 10^5
    (about 16 bits each, 132 bits in all)."""
    digest = hashlib.sha256(b"petition-desk fingerprint\n" + public_raw).digest()
    groups = [int.from_bytes(digest[i:i + 4], "big") % 100000 for i in range(0, 32, 4)]
    return " ".join(f"{g:05d}" for g in groups)


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return b64(key.sign(message))


def verify(public_raw: bytes, signature: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(unb64(signature), message)
    except (InvalidSignature, ValueError, DomainError):
        return False
    return True
