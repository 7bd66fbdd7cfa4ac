"""A township moved to another county: the old county's hand-over, the city's move record, and the tree after it.

Station codes are division codes, and a township's begins with its county's: a township that moves gets a new code
under its new county (a new station, its **successor**), while its old cases keep their numbers. Two steps:

1. The old county **hands over** the township (an event of its own, ``hand_over``, naming the township and the new
   county). From that event on the old county records nothing more on the township's cases (refused at its own
   desk, and at every border: its events on them numbered after the hand-over are refused). The event travels up
   with the old county's next file, after everything of the township the old county held.
2. The city, holding the hand-over, signs a **move record** (this module's ``Move``, with the root key, like a
   certificate): the old code now answers to the new county through its successor. It travels with every bundle,
   like revocations, and every station that holds it reads the tree with the old code under the successor
   (``apply``): the new county and the successor are the old code's stations above, so they may act on its cases;
   the old county no longer is. The new county's files from the city, and the successor's from the new county,
   carry the old code's whole history (an origin sent whole, app.sync.bundle), so both hold one history, with
   the same event ids the city holds: nothing is counted twice.

A township with several laptops (app.models.divisions: the township's code and two digits) moves whole: the move
of the township's code takes every laptop of it along (``apply``, ``covering``), so their histories travel with
the township's, and the successor's laptops stand for the moved township as its laptops did (``one_township``):
each gets the whole history of every old laptop and may work on every old case.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models.divisions import is_division_code, same_township, township_of
from app.models.errors import DomainError
from app.models.events import canonical_json
from app.sync import keys
from app.sync.certs import Certificate
from app.sync.handover import HAND_OVER, handed_over, refused_here

__all__ = ["HAND_OVER", "Move", "apply", "by_code", "covering", "given_by", "handed_over", "held", "home",
           "one_township", "refused_here", "store", "trusted"]

MOVE_TYPE = "petition-desk/move"
_KEY = "move:"


@dataclass(frozen=True)
class Move:
    """The city's record that the township ``code`` (handed over by ``old_county`` in its event number
    ``handed_over``) answers from now on to ``new_county`` through its successor station ``successor``."""

    code: str
    successor: str
    old_county: str
    new_county: str
    handed_over: int  # the old county's hand-over event: its events on the township's cases before it stand
    moved_at: str
    by: str
    by_key: str
    reason: str
    signature: str

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "successor": self.successor, "old_county": self.old_county,
                "new_county": self.new_county, "handed_over": self.handed_over, "moved_at": self.moved_at,
                "by": self.by, "by_key": self.by_key, "reason": self.reason}

    def document(self) -> dict[str, Any]:
        return {"type": MOVE_TYPE, "body": self.body(), "signature": self.signature}

    def signed_by(self, public_raw: bytes) -> bool:
        return keys.verify(public_raw, self.signature, canonical_json(self.body()).encode())

    @classmethod
    def make(cls, key: Ed25519PrivateKey, by: Certificate, code: str, successor: str, old_county: str,
             new_county: str, handed_over: int, reason: str, now: str) -> Move:
        unsigned = cls(code, successor, old_county, new_county, handed_over, now, by.code, by.key_id, reason, "")
        return cls(**{**unsigned.__dict__, "signature": keys.sign(key, canonical_json(unsigned.body()).encode())})

    @classmethod
    def parse(cls, doc: Any) -> Move:
        if not isinstance(doc, dict) or doc.get("type") != MOVE_TYPE or not isinstance(doc.get("body"), dict) \
                or not isinstance(doc.get("signature"), str):
            raise DomainError("乡镇迁移记录格式不正确")
        body = doc["body"]
        texts = ("code", "successor", "old_county", "new_county", "moved_at", "by", "by_key", "reason")
        if not all(isinstance(body.get(k), str) for k in texts) or type(body.get("handed_over")) is not int:
            raise DomainError("乡镇迁移记录格式不正确")
        return cls(body["code"], body["successor"], body["old_county"], body["new_county"], body["handed_over"],
                   body["moved_at"], body["by"], body["by_key"], body["reason"], doc["signature"])


def trusted(moves: list[Move], root: Certificate | None) -> list[Move]:
    """The moves signed by the root this station pinned (only the city moves a township between counties)."""
    if root is None:
        return []
    return [m for m in moves if m.by_key == root.key_id and m.signed_by(root.public_key)]


def held(conn: sqlite3.Connection) -> list[Move]:
    """The move records this station holds (checked when they were stored)."""
    return [Move.parse(json.loads(v)) for (v,) in conn.execute(
        "SELECT value FROM sync_trust WHERE key >= ? AND key < ? ORDER BY key", (_KEY, _KEY + "\uffff"))]


def store(conn: sqlite3.Connection, move: Move) -> bool:
    """Keep a checked move record; the first one for a township stands. True when new."""
    cursor = conn.execute("INSERT OR IGNORE INTO sync_trust (key, value) VALUES (?, ?)",
                          (_KEY + move.code, canonical_json(move.document())))
    return cursor.rowcount > 0


def apply(tree: dict[str, str], moves: list[Move]) -> dict[str, str]:
    """The station tree (code → parent) with each moved township and its further laptops under its successor, and
    the successor under the new county (even before the successor's certificate is known here)."""
    result = dict(tree)
    moved = by_code(moves)
    for code in tree:
        move = covering(code, moved)
        if move is not None:
            result[code] = move.successor
    for move in moves:
        result[move.code] = move.successor
        result.setdefault(move.successor, move.new_county)
    return result


def by_code(moves: list[Move]) -> dict[str, Move]:
    return {m.code: m for m in moves}


def covering(code: str, moved: dict[str, Move]) -> Move | None:
    """The move that took the station ``code`` to another county: its own, or its township's for a further laptop
    (``moved`` as ``by_code`` gives it)."""
    return moved.get(township_of(code))


def given_by(code: str, county: str, moved: dict[str, Move]) -> bool:
    """Whether the station ``code`` is of a township ``county`` handed over (one of its laptops too)."""
    move = covering(code, moved)
    return move is not None and move.old_county == county


def home(code: str, moved: dict[str, Move]) -> str:
    """The township a station stands for: a laptop's township, and for any laptop of a moved township, its
    successor's township."""
    move = covering(code, moved)
    return township_of(move.successor if move is not None else code)


def one_township(a: str, b: str, moved: dict[str, Move]) -> bool:
    """Whether two stations are laptops of one township (``same_township``), counting a moved township's old
    laptops as laptops of its successor's township."""
    if not moved:
        return same_township(a, b)
    township = home(a, moved)
    return township == home(b, moved) and is_division_code(township, "township")
