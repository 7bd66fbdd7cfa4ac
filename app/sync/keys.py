"""A station's keys: Ed25519 for signing, X25519 for the bundles other stations encrypt to it.

The private keys live inside the station's store (``app.store.vault``), sealed with it, never as files beside
it; the functions take the data folder and find its open store. Key files an older program wrote
(``keys/station-ed25519.pem``) are moved into the store when it is next opened and removed.

Public keys are shown as a fingerprint of digits in groups of five, which two people can read to each other over
the phone before a certificate is issued or installed.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import sqlite3
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.models.errors import DomainError
from app.store import vault

KEY_FILE = Path("keys") / "station-ed25519.pem"
SIGNING = "station-ed25519"
ENCRYPTION = "station-x25519"
RETIRED = "retired-"


def key_path(data_dir: Path) -> Path:
    """Where an older program kept the signing key as a file (read once, to move it into the store)."""
    return Path(data_dir) / KEY_FILE


def adopt_key_files(data_dir: Path) -> None:
    """Move the key files an older program wrote into the store, then remove them (and their folder)."""
    folder = key_path(data_dir).parent
    if not folder.is_dir():
        return
    conn = vault.connection(data_dir)
    current = key_path(data_dir)
    if current.exists():
        vault.put(conn, SIGNING, _raw_private(_read_pem(current)))
    retired = folder / "retired"
    for old in sorted(retired.glob("*.pem")) if retired.is_dir() else []:
        vault.put(conn, f"{RETIRED}{SIGNING}-{old.stem}", _raw_private(_read_pem(old)))
    shutil.rmtree(folder)


def _read_pem(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as err:
        raise DomainError(f"本站私钥文件已损坏：{path}（{err}）") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(f"本站私钥文件不是 Ed25519 密钥：{path}")
    return key


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def load_key(data_dir: Path) -> Ed25519PrivateKey | None:
    """The station's signing key, or None before it has one."""
    raw = vault.get(vault.connection(data_dir), SIGNING)
    return Ed25519PrivateKey.from_private_bytes(raw) if raw is not None else None


def load_or_create_key(data_dir: Path, conn: sqlite3.Connection | None = None) -> Ed25519PrivateKey:
    """The station's signing key, made on first use and never overwritten: losing it means enrolling again.
    ``conn``: the store's connection when the caller holds it (a desk signing its change), else the one open for
    ``data_dir``."""
    conn = conn or vault.connection(data_dir)
    return parsed_key(vault.get_or_create(conn, SIGNING, new_raw_key))


def new_raw_key() -> bytes:
    """A new signing key's private bytes, as the vault keeps them."""
    return _raw_private(Ed25519PrivateKey.generate())


def parsed_key(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_key() -> Ed25519PrivateKey:
    """A fresh key, not yet the station's (``replace_key`` installs it)."""
    return Ed25519PrivateKey.generate()


def new_encryption_key() -> X25519PrivateKey:
    """A fresh encryption key, not yet the station's (``replace_key`` installs it)."""
    return X25519PrivateKey.generate()


def replace_key(data_dir: Path, stamp: str, key: Ed25519PrivateKey,
                encryption: X25519PrivateKey | None = None) -> Ed25519PrivateKey:
    """Install ``key`` as the station's new signing key (after its old one was revoked), with a new encryption
    key beside it. The old keys are kept in the store as retired, never deleted: bundles still on their way to
    this station were encrypted to the old encryption key."""
    from app.store.db import transaction

    conn = vault.connection(data_dir)
    safe = "".join(ch for ch in stamp if ch.isdigit())
    with transaction(conn):
        for name in (SIGNING, ENCRYPTION):
            old = vault.get(conn, name)
            if old is not None:
                retired = f"{RETIRED}{name}-{safe}"
                number = 1
                while vault.get(conn, retired) is not None:
                    number += 1
                    retired = f"{RETIRED}{name}-{safe}-{number}"
                vault.put(conn, retired, old)
        vault.put(conn, SIGNING, _raw_private(key), replace=True)
        vault.put(conn, ENCRYPTION, _raw_private(encryption or X25519PrivateKey.generate()), replace=True)
    return key


def load_or_create_encryption_key(data_dir: Path) -> X25519PrivateKey:
    """The station's X25519 key, to which other stations encrypt the bundles they send it."""
    raw = vault.get_or_create(vault.connection(data_dir), ENCRYPTION,
                              lambda: _raw_private(X25519PrivateKey.generate()))
    return X25519PrivateKey.from_private_bytes(raw)


def encryption_keys(data_dir: Path) -> dict[str, X25519PrivateKey]:
    """Every encryption key this station has had (the current one and retired ones), by key id."""
    conn = vault.connection(data_dir)
    found = {}
    for name in [ENCRYPTION, *vault.names(conn, f"{RETIRED}{ENCRYPTION}")]:
        raw = vault.get(conn, name)
        if raw is not None:
            key = X25519PrivateKey.from_private_bytes(raw)
            found[key_id(raw_public_x(key))] = key
    return found


def raw_public_x(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


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
