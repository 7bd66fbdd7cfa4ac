"""Signed documents of the trust chain: certificates, enrollment requests and revocations.

Each is a small JSON object ``{"type", "body", "signature"}``; the signature is Ed25519 over the canonical JSON of
the body. The city bureau's certificate is self-signed (the root); a county's is signed by the city, a township's
by its county.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models.errors import DomainError
from app.models.events import canonical_json
from app.models.vocab import LEVELS
from app.store.files import write_bytes
from app.sync import keys

CERT_TYPE = "petition-desk/certificate"
REQUEST_TYPE = "petition-desk/enrollment-request"
REVOCATION_TYPE = "petition-desk/revocation"
CERT_FILE_TYPE = "petition-desk/certificate-file"
# Which level certifies which: the city certifies counties, a county its townships.
PARENT_LEVEL: dict[str, str] = {"county": "city", "township": "county"}
ROOT_YEARS, CERT_YEARS = 20, 10
CLOCK_SKEW = timedelta(days=1)  # how far apart two stations' clocks may be when one checks the other's certificate
MAX_DOCUMENT = 1 << 20


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise DomainError(f"证书文件格式不正确：缺少“{key}”")
    return value


def _signed(kind: str, body: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    return {"type": kind, "body": body, "signature": keys.sign(key, canonical_json(body).encode())}


def _check_shape(doc: Any, kind: str, what: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("type") != kind or not isinstance(doc.get("body"), dict):
        raise DomainError(f"不是{what}")
    if not isinstance(doc.get("signature"), str):
        raise DomainError(f"{what}缺少签名")
    return doc["body"]


@dataclass(frozen=True)
class Certificate:
    """A station's public key, code, name and level, vouched for by its parent (or by itself, for the root)."""

    code: str
    name: str
    level: str
    public_key: bytes
    parent: str
    issuer_key: str
    issued_at: str
    not_before: str
    not_after: str
    signature: str
    encryption_key: bytes = b""  # X25519, to which bundles for this station are sealed (none in older certificates)

    @property
    def key_id(self) -> str:
        return keys.key_id(self.public_key)

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.public_key)

    @property
    def is_root(self) -> bool:
        return self.parent == "" and self.issuer_key == self.key_id

    def issued_by(self, parent: Certificate) -> bool:
        """Whether ``parent``'s key signed this certificate for a station below it (the root signs itself too,
        and is not its own child)."""
        return self.issuer_key == parent.key_id and self.key_id != parent.key_id

    def body(self) -> dict[str, Any]:
        body = {"code": self.code, "name": self.name, "level": self.level, "public_key": keys.b64(self.public_key),
                "parent": self.parent, "issuer_key": self.issuer_key, "issued_at": self.issued_at,
                "not_before": self.not_before, "not_after": self.not_after}
        if self.encryption_key:  # absent from older certificates, whose signatures must still check
            body["encryption_key"] = keys.b64(self.encryption_key)
        return body

    def document(self) -> dict[str, Any]:
        return {"type": CERT_TYPE, "body": self.body(), "signature": self.signature}

    def signed_by(self, issuer_public: bytes) -> bool:
        return keys.verify(issuer_public, self.signature, canonical_json(self.body()).encode())

    def valid_at(self, when: str) -> bool:
        """Whether the certificate holds at ``when``, give or take a day: the issuing station's clock and the
        checking station's may be a day apart (laptops in township offices drift, and a certificate made by a
        county whose clock runs fast must still install at the township the same day). A date that is not a date
        holds at no time."""
        try:
            moment, start, end = (datetime.fromisoformat(t) for t in (when, self.not_before, self.not_after))
            return start - CLOCK_SKEW <= moment <= end + CLOCK_SKEW
        except (ValueError, TypeError):
            return False

    @classmethod
    def parse(cls, doc: Any) -> Certificate:
        body = _check_shape(doc, CERT_TYPE, "站点证书")
        level = _text(body, "level")
        if level not in LEVELS:
            raise DomainError(f"证书中的站点级别不正确：{level}")
        return cls(_text(body, "code"), _text(body, "name"), level, keys.unb64(_text(body, "public_key")),
                   _text(body, "parent"), _text(body, "issuer_key"), _text(body, "issued_at"),
                   _text(body, "not_before"), _text(body, "not_after"), doc["signature"], _encryption_key(body))


def _encryption_key(body: dict[str, Any]) -> bytes:
    if "encryption_key" not in body:
        return b""
    raw = keys.unb64(_text(body, "encryption_key"))
    if len(raw) != 32:
        raise DomainError("证书中的加密公钥格式不正确")
    return raw


def _years_later(stamp: str, years: int) -> str:
    return f"{int(stamp[:4]) + years:04d}{stamp[4:]}".replace("-02-29T", "-02-28T")


def issue(key: Ed25519PrivateKey, issuer: Certificate | None, code: str, name: str, level: str,
          public_key: bytes, now: str, encryption_key: bytes = b"") -> Certificate:
    """A certificate signed with ``key``: by the issuer's key, or self-signed when ``issuer`` is None (root)."""
    if issuer is None:
        parent, issuer_key, years = "", keys.key_id(public_key), ROOT_YEARS
    else:
        parent, issuer_key, years = issuer.code, issuer.key_id, CERT_YEARS
    unsigned = Certificate(code, name, level, public_key, parent, issuer_key, now, now, _years_later(now, years), "",
                           encryption_key)
    signature = keys.sign(key, canonical_json(unsigned.body()).encode())
    return Certificate(**{**unsigned.__dict__, "signature": signature})


@dataclass(frozen=True)
class EnrollmentRequest:
    """What a new station carries to its parent: who it is and its public key, signed with that key (proof that
    it holds the private key)."""

    code: str
    name: str
    level: str
    public_key: bytes
    requested_at: str
    encryption_key: bytes = b""

    def document(self, key: Ed25519PrivateKey) -> dict[str, Any]:
        body = {"code": self.code, "name": self.name, "level": self.level,
                "public_key": keys.b64(self.public_key), "requested_at": self.requested_at}
        if self.encryption_key:
            body["encryption_key"] = keys.b64(self.encryption_key)
        return _signed(REQUEST_TYPE, body, key)

    @classmethod
    def parse(cls, doc: Any) -> EnrollmentRequest:
        body = _check_shape(doc, REQUEST_TYPE, "入网申请文件")
        request = cls(_text(body, "code"), _text(body, "name"), _text(body, "level"),
                      keys.unb64(_text(body, "public_key")), _text(body, "requested_at"), _encryption_key(body))
        if not keys.verify(request.public_key, doc["signature"], canonical_json(body).encode()):
            raise DomainError("入网申请文件的签名不正确（文件被改动，或不是该站点生成的）")
        return request


@dataclass(frozen=True)
class Revocation:
    """A parent's (or any ancestor's) statement that a station key is no longer to be trusted from a moment on."""

    code: str
    key_id: str
    revoked_at: str
    by: str
    by_key: str
    reason: str
    signature: str

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "key_id": self.key_id, "revoked_at": self.revoked_at, "by": self.by,
                "by_key": self.by_key, "reason": self.reason}

    def document(self) -> dict[str, Any]:
        return {"type": REVOCATION_TYPE, "body": self.body(), "signature": self.signature}

    def signed_by(self, public_raw: bytes) -> bool:
        return keys.verify(public_raw, self.signature, canonical_json(self.body()).encode())

    @classmethod
    def make(cls, key: Ed25519PrivateKey, by: Certificate, target: Certificate, reason: str,
             now: str) -> Revocation:
        unsigned = cls(target.code, target.key_id, now, by.code, by.key_id, reason, "")
        return cls(**{**unsigned.__dict__, "signature": keys.sign(key, canonical_json(unsigned.body()).encode())})

    @classmethod
    def parse(cls, doc: Any) -> Revocation:
        body = _check_shape(doc, REVOCATION_TYPE, "吊销记录")
        return cls(_text(body, "code"), _text(body, "key_id"), _text(body, "revoked_at"), _text(body, "by"),
                   _text(body, "by_key"), _text(body, "reason"), doc["signature"])


def read_document(path: Path, what: str) -> Any:
    """A small JSON file (request or certificate file), size-checked before it is read."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        raise DomainError(f"找不到{what}：{path}") from None
    if size > MAX_DOCUMENT:
        raise DomainError(f"{what}过大，不是本程序生成的文件：{path}")
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError(f"{what}已损坏或格式不正确：{path}") from None


def write_document(path: Path, doc: Any) -> None:
    """A request, certificate or revocation file, written whole or not at all (app.store.files)."""
    write_bytes(path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
