"""The events that open a station's chain: the version mark and the first admin.

A station set up with this version starts its chain with two events of its own: ``upgrade``, the mark from which the
limits on new input bind every later event of the chain whatever date it bears (app.sync.authority), and the
``account`` event adding its first admin — so ``audit`` lists it and the accounts are the fold of events alone.

A station set up by an earlier version gets both at its first login with this one (``upgrade_chain``): the mark after
its older events, and its first admin, kept until then as a station setting, as an account event (with the date the
station was set up). Until that login the setting still names the admin (app.ops.accounts.accounts), so the login
that upgrades can happen at all.

A station set up again on a new computer has written these events before the recovery file brings back its history
from above, under the same numbers: ``set_aside``/``record_again`` take the events it never sent out of the way and
write them again after the history (app.ops.sync_transfer).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.models.errors import DomainError
from app.models.shapes import MARK_KIND
from app.ops.accounts import ACCOUNT_KIND, actor_text
from app.store import eventlog

if TYPE_CHECKING:
    from app.ops.desk import Desk

# What the mark says: from this event on, this station's events are new input, held to the limits.
CHAIN_VERSION = 1
FIRST_ADMIN_SETTING = "first_admin"  # where a station set up by an earlier version names its first admin
SETUP_KINDS = [MARK_KIND, ACCOUNT_KIND]  # what a new station's chain starts with: the mark, the first admin
SETUP_EVENTS = len(SETUP_KINDS)


def has_mark(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute("SELECT 1 FROM events WHERE case_id = '' AND kind = ? AND +origin = ? LIMIT 1",
                        (MARK_KIND, code)).fetchone() is not None


def _first_admin_payload(name: str, display: str, since: str = "") -> dict[str, Any]:
    payload = {"action": "add", "account": name, "display": display, "role": "admin", "first": True}
    return {**payload, "since": since} if since else payload


def open_chain(desk: Desk, admin: str, display: str) -> None:
    """A new station's first events: the mark, then its first admin's account (made by that admin, who exists
    from this event on). Called once, as the station is set up (app.ops.session.create_station; a store from
    before accounts has its older events before them)."""
    actor, when = actor_text(admin, display), desk.now()
    with desk._write({"accounts"}, ()) as conn:
        writer = desk._writer(conn)
        eventlog.append(conn, [writer.make("", MARK_KIND, {"version": CHAIN_VERSION}, actor, when),
                               writer.make("", ACCOUNT_KIND, _first_admin_payload(admin, display), actor, when)])


def upgrade_chain(desk: Desk) -> bool:
    """At a login with this version: write the mark (and the first admin, when only a setting names it) into a
    chain written by an earlier version. False when there was nothing to do, or the station may not record yet (a
    station that must first get its history back from above: the next login after that does it)."""
    code = desk.require_station().code
    if has_mark(desk.conn, code):
        return False
    first = desk.setting(FIRST_ADMIN_SETTING)
    try:
        with desk._write({"accounts"}, ()) as conn:
            writer = desk._writer(conn)
            events = [writer.make("", MARK_KIND, {"version": CHAIN_VERSION}, desk.actor, desk.now())]
            if first:
                payload = _first_admin_payload(first["name"], first.get("display") or first["name"],
                                               str(first.get("at", "")))
                events.append(writer.make("", ACCOUNT_KIND, payload, desk.actor, desk.now()))
                conn.execute("DELETE FROM settings WHERE key = ?", (FIRST_ADMIN_SETTING,))
            eventlog.append(conn, events)
    except DomainError:
        return False
    finally:
        desk._settings_cache.pop(FIRST_ADMIN_SETTING, None)
    return True


# ----- a station set up again, before its history comes back ----------------------------------------------------
_SET_ASIDE = ("SELECT at, actor, kind, payload FROM events WHERE origin = ? ORDER BY seq")


def set_aside(conn: sqlite3.Connection, code: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Before a recovery file's events go in, the station's own events, which its history from above would
    number again: taken out of the chain (with their checkpoints) to be written again after that history, when
    none of them is about a case and none ever left this computer. Nothing (and nothing changed) otherwise: the
    import then refuses a clash as for any other file."""
    import orjson

    if not eventlog.head(conn, code)[0]:
        return []
    if conn.execute("SELECT 1 FROM events WHERE origin = ? AND case_id != '' LIMIT 1", (code,)).fetchone() \
            or conn.execute("SELECT 1 FROM sync_log WHERE direction = 'out' LIMIT 1").fetchone():
        return []
    kept = [(str(at), str(actor), str(kind), orjson.loads(payload))
            for at, actor, kind, payload in conn.execute(_SET_ASIDE, (code,))]
    # The append-only triggers stand for "a stored event never changes"; these events were never seen by anyone
    # else and are written again below, unchanged but for their numbers, inside this same transaction.
    for table in ("events", "checkpoints"):
        conn.execute(f"DROP TRIGGER {table}_append_only_delete")
        conn.execute(f"DELETE FROM {table} WHERE origin = ?", (code,))
        conn.execute(f"CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table} "
                     f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END")
    return kept


def record_again(desk: Desk, conn: sqlite3.Connection, kept: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Write the events ``set_aside`` took out after the station's history, in their order, by their accounts."""
    if not kept:
        return
    writer = desk._writer(conn)
    eventlog.append(conn, [writer.make("", kind, payload, actor, datetime.fromisoformat(at))
                           for at, actor, kind, payload in kept])
