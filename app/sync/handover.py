"""The old county's hand-over of a township (app.sync.moves), read from its events: light enough for the desk to
ask on every step it records (no cryptography loaded)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from app.models.divisions import township_of

HAND_OVER = "hand_over"


def handed_over(conn: sqlite3.Connection, county: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """The townships the station ``county`` handed over (its ``hand_over`` events held here): code → (the event's
    number, its payload)."""
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for seq, payload in conn.execute("SELECT seq, payload FROM events WHERE origin = ? AND kind = ? AND case_id = '' "
                                     "ORDER BY seq", (county, HAND_OVER)):
        data = json.loads(payload)
        found.setdefault(str(data.get("code", "")), (int(seq), data))
    return found


def refused_here(conn: sqlite3.Connection, own: str, case_id: str) -> str | None:
    """Why this station may no longer record on ``case_id`` (it handed over the township that registered it), in
    Chinese; None when it may."""
    registrar = case_id.split("-", 1)[0]
    if registrar == own:
        return None
    township = township_of(registrar)  # a township's further laptops moved with it
    given = handed_over(conn, own).get(township)
    if given is None:
        return None
    return (f"案件 {case_id} 所属的乡镇 {township} 已由本站移交给 {given[1].get('to', '')}，本站不能再在这件案件上"
            "记录；请由迁入的县（区）和该乡镇的新站点办理")
