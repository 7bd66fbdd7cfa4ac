"""Bundles sealed to the receiving station: ephemeral X25519, HKDF-SHA256, AES-GCM streams (as age or Signal do).

The sender makes a fresh X25519 key pair for each bundle and agrees a secret with the receiver's encryption key
(from its certificate, signed by its parent); HKDF over that secret and both public keys gives the bundle's key.
The workbook and every evidence file are sealed streams under it (``app.store.sealed``, each member's name bound
as its purpose), and the manifest's private part (counts, acknowledgements, which evidence is which) is one AEAD
message. Only the holder of the receiver's private key can derive the key. The whole file is then signed by the
sender (app.sync.container), so the receiver knows who sealed it, and nobody can swap a member.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.models.errors import DomainError
from app.store.sealed import derive
from app.sync import keys

SCHEME = "X25519-HKDF-SHA256-AES256GCM-STREAM"
_INFO = b"petition-desk bundle v2"
_MANIFEST_AAD = b"petition-desk bundle manifest"


def seal_to(recipient_public: bytes) -> tuple[bytes, dict[str, str]]:
    """A new bundle key for the station whose encryption key is ``recipient_public``, and the clear record of
    how it was made (the ephemeral public key and which key it is for)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = keys.raw_public_x(ephemeral)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = derive(shared, ephemeral_public + recipient_public, _INFO)
    return key, {"scheme": SCHEME, "recipient_key": keys.key_id(recipient_public),
                 "ephemeral": keys.b64(ephemeral_public)}


def open_from(encryption: dict[str, Any], private_keys: dict[str, X25519PrivateKey]) -> bytes | None:
    """The bundle key, if one of ``private_keys`` is the one the bundle was sealed to; else None."""
    private = private_keys.get(str(encryption.get("recipient_key", "")))
    if private is None or encryption.get("scheme") != SCHEME:
        return None
    try:
        ephemeral_public = keys.unb64(str(encryption.get("ephemeral", "")))
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise DomainError("同步包的加密信息格式不正确") from None
    return derive(shared, ephemeral_public + keys.raw_public_x(private), _INFO)


def seal_manifest(key: bytes, contents: dict[str, Any]) -> str:
    # The manifest key is used for this one message only, so a fixed nonce is safe.
    aead = AESGCM(derive(key, b"", b"manifest"))
    return keys.b64(aead.encrypt(b"\0" * 12, json.dumps(contents, ensure_ascii=False).encode(), _MANIFEST_AAD))


def open_manifest(key: bytes, sealed: str) -> dict[str, Any]:
    try:
        plain = AESGCM(derive(key, b"", b"manifest")).decrypt(b"\0" * 12, keys.unb64(sealed), _MANIFEST_AAD)
        contents = json.loads(plain)
    except (InvalidTag, ValueError):
        raise DomainError("同步包的加密清单无法打开：文件已损坏或被改动过") from None
    if not isinstance(contents, dict):
        raise DomainError("同步包的加密清单格式不正确")
    return contents


def member_purpose(name: str) -> bytes:
    return b"petition-desk bundle member " + name.encode()


def evidence_member(key: bytes, sha256: str) -> str:
    """The member name of an evidence file: keyed, so the name does not tell a finder which file it is."""
    return "evidence/" + hmac.new(key, sha256.encode("ascii"), hashlib.sha256).hexdigest()
