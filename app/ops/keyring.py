"""The station's keyring: one random master key, wrapped once per account and once under a recovery key.

The keyring is a file of its own in the data folder (``keyring.json``, owner-only), outside the database, because
the database is itself sealed with the master key: the key has to be unwrapped before the store can be opened.

- Each account's wrap: password → scrypt (cost and salt stored with the wrap) → key-encryption key →
  ChaCha20-Poly1305 over the master key, with the account name as associated data (a wrap cannot be moved to
  another name). A correct password is exactly one whose wrap opens: the AEAD tag is the password check, and
  no password hash is kept anywhere else.
- The recovery wrap: 32 random bytes shown once at set-up as text (and a QR on the printed sheet), stretched by
  HKDF (it has full entropy, a slow KDF adds nothing) into the key that wraps the master key.
- Wrong passwords are counted per account in the file (the store cannot be opened to record them); from the
  fifth in a row each further try waits, and the series is written to the event log at the next login.

Nothing here imports Qt or the store.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.models.errors import DomainError

KEYRING_NAME = "keyring.json"
FORMAT = 1
MASTER_KEY_BYTES = 32
MIN_PASSWORD = 8
MAX_PASSWORD = 128
FAILURES_BEFORE_DELAY = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60
_RECOVERY_GROUP = 4  # characters per group of the recovery key's text: XXXX-XXXX-…


@dataclass(frozen=True)
class KdfCost:
    """scrypt's work factors. Stored with each wrap, so a station's cost can be raised later and old wraps open.

    The default (n=2^16, r=8: 64 MiB and about 0.2 s here) is four times Django's scrypt default; it is what a
    login can pay while the window's start stays within its goal. Tests make their stations with a cheap cost
    (``tests/conftest.py``): the cost is a parameter of the station, never a default that could reach a real one.
    """

    n: int = 2 ** 16
    r: int = 8
    p: int = 1

    def to_json(self) -> dict[str, int]:
        return {"n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfCost:
        return cls(int(data["n"]), int(data["r"]), int(data["p"]))


DEFAULT_COST = KdfCost()


def check_password(password: str) -> None:
    """Refuse, in Chinese, a password too short to be one."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"密码至少{MIN_PASSWORD}个字符")
    if len(password) > MAX_PASSWORD:
        raise DomainError(f"密码不能超过{MAX_PASSWORD}个字符")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _aad(label: str) -> bytes:
    return f"petition-desk keyring {FORMAT} {label}".encode()


def _scrypt(password: str, salt: bytes, cost: KdfCost) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=cost.n, r=cost.r, p=cost.p).derive(password.encode("utf-8"))


def _wrap(kek: bytes, secret: bytes, label: str) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "wrapped": _b64(ChaCha20Poly1305(kek).encrypt(nonce, secret, _aad(label)))}


def _unwrap(kek: bytes, entry: dict[str, Any], label: str) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    try:
        return ChaCha20Poly1305(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), _aad(label))
    except (InvalidTag, KeyError, ValueError):
        return None


def _recovery_kek(recovery: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt=None, info=_aad("recovery")).derive(recovery)


def recovery_text(recovery: bytes) -> str:
    """The recovery key as people copy it: base32 in groups of four, ``ABCD-EFGH-…`` (52 letters and digits)."""
    text = base64.b32encode(recovery).decode("ascii").rstrip("=")
    return "-".join(text[i:i + _RECOVERY_GROUP] for i in range(0, len(text), _RECOVERY_GROUP))


def parse_recovery(text: str) -> bytes:
    """The recovery key's bytes from its text (spaces, dashes and letter case do not matter)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError:
        raw = b""
    if len(raw) != MASTER_KEY_BYTES:
        raise DomainError("恢复密钥格式不对：应为恢复密钥单上的52个字母和数字（每4个一组）")
    return raw


def _delay_seconds(count: int) -> int:
    if count < FAILURES_BEFORE_DELAY:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (count - FAILURES_BEFORE_DELAY), MAX_DELAY_SECONDS)


@dataclass
class FailureSeries:
    """Wrong passwords in a row for one account, as kept in the keyring until written to the event log."""

    account: str
    count: int
    first: str
    last: str
    recorded: int = 0  # how many of them the event log already holds

    @property
    def delayed(self) -> bool:
        return self.count >= FAILURES_BEFORE_DELAY

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "first": self.first, "last": self.last, "recorded": self.recorded}


class Keyring:
    """The keyring file of one data folder. Read whole, changed in memory, written whole (atomic, owner-only)."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    # ----- the file ---------------------------------------------------------------------------------------------
    @staticmethod
    def path_in(data_dir: Path) -> Path:
        return Path(data_dir) / KEYRING_NAME

    @classmethod
    def exists(cls, data_dir: Path) -> bool:
        return cls.path_in(data_dir).exists()

    @classmethod
    def load(cls, data_dir: Path) -> Keyring:
        path = cls.path_in(data_dir)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DomainError("本站尚未设置账号：请先初始化站点（init --admin 账号）") from None
        except (OSError, ValueError) as err:
            raise DomainError(f"账号密钥文件 {path} 无法读取（{type(err).__name__}），"
                              "可用恢复密钥单重新设置管理员密码（recover）") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DomainError(f"账号密钥文件 {path} 的格式无法识别（可能由更新版本的程序写入）")
        return cls(path, data)

    @classmethod
    def create(cls, data_dir: Path, admin: str, password: str, cost: KdfCost = DEFAULT_COST,
               station: dict[str, str] | None = None) -> tuple[Keyring, bytes, str]:
        """A new keyring with a fresh master key, the first account's wrap and the recovery wrap. Returns the
        keyring (already written), the master key and the recovery key's text (to be shown once). ``station``
        (code, name, level: no personal data) is kept in clear so the login dialog can say which station opens."""
        check_password(password)
        path = cls.path_in(data_dir)
        if path.exists():
            raise DomainError("本站已设置账号，不能重复设置")
        master = secrets.token_bytes(MASTER_KEY_BYTES)
        recovery = secrets.token_bytes(MASTER_KEY_BYTES)
        ring = cls(path, {"format": FORMAT, "station": station or {}, "cost": cost.to_json(), "accounts": {},
                          "failures": {},
                          "recovery": _wrap(_recovery_kek(recovery), master, "recovery")})
        ring.put_password(admin, password, master)
        return ring, master, recovery_text(recovery)

    def save(self) -> None:
        """Write the whole file next to itself and move it into place: a crash never leaves half a keyring."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".keyring.", suffix=".part", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp makes it 0600 already
                json.dump(self.data, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    # ----- wraps ------------------------------------------------------------------------------------------------
    @property
    def station(self) -> dict[str, str]:
        return dict(self.data.get("station") or {})

    @property
    def cost(self) -> KdfCost:
        return KdfCost.from_json(self.data["cost"])

    def names(self) -> list[str]:
        return sorted(self.data["accounts"])

    def has(self, name: str) -> bool:
        return name in self.data["accounts"]

    def put_password(self, name: str, password: str, master: bytes) -> None:
        """Wrap the master key under ``name``'s (new) password and write the file."""
        check_password(password)
        salt = secrets.token_bytes(16)
        cost = self.cost
        entry = {"kdf": "scrypt", **cost.to_json(), "salt": _b64(salt),
                 **_wrap(_scrypt(password, salt, cost), master, f"account {name}")}
        self.data["accounts"][name] = entry
        self.data["failures"].pop(name, None)
        self.save()

    def remove(self, name: str) -> None:
        """Drop an account's wrap (a disabled account's password no longer opens anything)."""
        if self.data["accounts"].pop(name, None) is not None:
            self.data["failures"].pop(name, None)
            self.save()

    def open_with_password(self, name: str, password: str, now: datetime) -> bytes:
        """The master key, if ``password`` opens ``name``'s wrap. A wrong one is counted (and the file written);
        while an account is in its delay, a try is refused before the password is even tried."""
        entry = self.data["accounts"].get(name)
        if entry is None:
            raise DomainError(f"没有账号“{name}”，或该账号已停用")
        series = self.failures().get(name)
        if series is not None and series.delayed:
            wait_until = datetime.fromisoformat(series.last) + timedelta(seconds=_delay_seconds(series.count))
            if now < wait_until:
                seconds = int((wait_until - now).total_seconds()) + 1
                raise DomainError(f"账号“{name}”的密码已连续输错{series.count}次，请{seconds}秒后再试"
                                  f"（{wait_until:%H:%M:%S} 以后）")
        cost = KdfCost(int(entry["n"]), int(entry["r"]), int(entry["p"]))
        master = _unwrap(_scrypt(password, _unb64(entry["salt"]), cost), entry, f"account {name}")
        if master is None:
            self._note_failure(name, now)
            series = self.failures()[name]
            extra = (f"；已连续输错{series.count}次，下次须等待{_delay_seconds(series.count)}秒"
                     if series.delayed else "")
            raise DomainError(f"账号“{name}”的密码不正确{extra}")
        return master

    def open_with_recovery(self, text: str) -> bytes:
        master = _unwrap(_recovery_kek(parse_recovery(text)), self.data["recovery"], "recovery")
        if master is None:
            raise DomainError("恢复密钥不正确：它不是本站的恢复密钥")
        return master

    # ----- wrong passwords --------------------------------------------------------------------------------------
    def failures(self) -> dict[str, FailureSeries]:
        return {name: FailureSeries(name, int(s["count"]), str(s["first"]), str(s["last"]), int(s.get("recorded", 0)))
                for name, s in self.data.get("failures", {}).items()}

    def _note_failure(self, name: str, now: datetime) -> None:
        stamp = now.isoformat(timespec="seconds")
        current = self.data["failures"].get(name) or {"count": 0, "first": stamp, "recorded": 0}
        current.update(count=int(current["count"]) + 1, last=stamp)
        self.data["failures"][name] = current
        self.save()

    def settle_failures(self, signed_in: str) -> list[FailureSeries]:
        """After a login: the failure series not yet in the event log (to be written there now). The account
        that signed in starts a fresh series; the others' are marked as recorded so far."""
        unrecorded = [s for s in self.failures().values() if s.count > s.recorded]
        changed = bool(unrecorded) or signed_in in self.data["failures"]
        for series in unrecorded:
            self.data["failures"][series.account]["recorded"] = series.count
        self.data["failures"].pop(signed_in, None)
        if changed:
            self.save()
        return unrecorded
