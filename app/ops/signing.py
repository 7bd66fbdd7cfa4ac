"""A desk's signature over each transaction that adds events of its own station (app.store.signatures).

Before signing, the history the new events continue must still be the one this station signed: over a changed
history the operation is refused (and rolled back), so the station's key never vouches for the change. That check
reads the keyring and verifies the last checkpoint's signature. When the transaction starts from the very head
this desk signed at the end of its previous one (same number, same hash, same key), the check has nothing to add:
the head's hash chains every earlier event of the station, and the checkpoint at it is the one this desk just made.
A head written meanwhile through another connection (a job's desk, an import), a rolled-back transaction or
another key all mean the full check again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from app.models.errors import DomainError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class TransactionSigner:
    """Signs for one desk; remembers the head it signed last and the key it parsed."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._signed: tuple[str, int, str, bytes] | None = None  # station, seq, hash, public key
        self._parsed: tuple[bytes, Ed25519PrivateKey] | None = None

    def forget(self) -> None:
        """The transaction that was signed did not commit: its head is not the file's."""
        self._signed = None

    def sign(self, conn: sqlite3.Connection, code: str, before: int, before_hash: str | None = None) -> None:
        """Sign the events of station ``code`` written after ``before`` in the caller's transaction (nothing when
        there are none); ``before_hash``, the hash of event ``before`` as the transaction found it (None: unknown,
        always checked)."""
        # Loaded on the first change, not at start (cryptography is about a tenth of a second of the window's
        # first paint).
        from app.store import eventlog, signatures
        from app.sync import keys

        if eventlog.head(conn, code)[0] <= before:
            return
        key = self._key(conn)
        public = keys.raw_public(key)
        continues_own = before_hash is not None and self._signed == (code, before, before_hash, public)
        if not continues_own:
            problem = signatures.check_head(conn, code, before, signatures.keyring(conn, code, public))
            if problem:
                raise DomainError(f"本站事件记录与签名不符（事件 {problem.event_id}：{problem.reason}），"
                                  "本次操作未保存：请运行“校验”（verify）查看，并联系上级信访部门")
        self._signed = None  # until this transaction's head is signed
        head = signatures.sign_new(conn, code, before, key, remember=not continues_own)
        if head is not None:
            self._signed = (code, *head, public)

    def _key(self, conn: sqlite3.Connection) -> Ed25519PrivateKey:
        """The station's signing key, read from the store each time (it may be replaced) and parsed once."""
        from app.store import vault
        from app.sync import keys

        raw = vault.get_or_create(conn, keys.SIGNING, keys.new_raw_key)
        if self._parsed is None or self._parsed[0] != raw:
            self._parsed = (raw, keys.parsed_key(raw))
        return self._parsed[1]
