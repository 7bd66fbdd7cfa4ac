"""The append-only event log: writing events, reading them back, and checking each station's hash chain."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.models.events import GENESIS_HASH, Event, canonical_json

_COLUMNS = "id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash"


def to_row(event: Event) -> tuple[object, ...]:
    return (event.id, event.case_id, event.origin, event.seq, event.hlc, event.at, event.actor, event.kind,
            canonical_json(event.payload), event.prev_hash, event.hash)


def from_row(row: tuple[Any, ...] | sqlite3.Row) -> Event:
    # orjson is loaded when events are first read, not at start (it brings uuid and platform: about 5 ms of the
    # window's first paint, which reads no event).
    import orjson

    return Event(str(row[0]), str(row[1]), str(row[2]), int(row[3]), str(row[4]), str(row[5]),
                 str(row[6]), str(row[7]), orjson.loads(str(row[8])), str(row[9]), str(row[10]))


def append(conn: sqlite3.Connection, events: Iterable[Event]) -> None:
    """Write events (already sealed). Runs inside the caller's transaction."""
    conn.executemany(f"INSERT INTO events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     [to_row(e) for e in events])


def for_case(conn: sqlite3.Connection, case_id: str) -> list[Event]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE case_id = ? ORDER BY hlc, origin, seq",
                        (case_id,)).fetchall()
    return [from_row(r) for r in rows]


def by_case(conn: sqlite3.Connection, hash_breaks: list[tuple[str, int, str]] | None = None
            ) -> Iterator[tuple[str, list[Event]]]:
    """Every case's events, one case at a time, in case order (streams: memory holds one case). With
    ``hash_breaks``, each event's hash is also computed again as it is read, and every event whose stored hash
    does not match is added to it as (origin, seq, id): ``verify`` checks the chains in the same pass as the
    fold, reading each event once."""
    cursor = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE case_id != '' ORDER BY case_id")
    current: str | None = None
    batch: list[Event] = []
    import orjson

    if hash_breaks is not None:
        from app.sync.apply import row_hash
    loads = orjson.loads  # 4x the standard parser: this loop reads every event on a rebuild
    for row in cursor:
        case_id = row[1]
        if case_id != current:
            if current is not None:
                yield current, batch
            current, batch = case_id, []
        if hash_breaks is not None and row_hash(row) != row[10]:
            hash_breaks.append((row[2], row[3], row[0]))
        batch.append(Event(row[0], case_id, row[2], row[3], row[4], row[5], row[6], row[7], loads(row[8]),
                           row[9], row[10]))
    if current is not None:
        yield current, batch


def station_hash_breaks(conn: sqlite3.Connection) -> list[tuple[str, int, str]]:
    """The events about no case (accounts, settings, outputs) whose stored hash does not match their content, as
    (origin, seq, id): with ``by_case(conn, breaks)`` every event is hashed once."""
    from app.sync.apply import row_hash

    return [(row[2], row[3], row[0]) for row in conn.execute(f"SELECT {_COLUMNS} FROM events WHERE case_id = ''")
            if row_hash(row) != row[10]]


def head(conn: sqlite3.Connection, origin: str) -> tuple[int, str]:
    """Last sequence number and hash of a station's chain (0 and the genesis hash when empty)."""
    row = conn.execute("SELECT seq, hash FROM events WHERE origin = ? ORDER BY seq DESC LIMIT 1",
                       (origin,)).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def last_document_seq(conn: sqlite3.Connection, origin: str, paper: str, year: int) -> int:
    """The highest number a station gave a paper (文书) of a kind in a year, 0 for none. A partial index of the
    document events alone, ordered by station, kind, year and number (``events_document_numbers``, schema step
    13), gives it as its last entry for those three: the query repeats the index's expressions word for word, or
    SQLite would read every paper of that kind and year."""
    row = conn.execute(
        "SELECT max(CAST(json_extract(payload, '$.seq') AS INTEGER)) FROM events WHERE kind = 'document' "
        "AND origin = ? AND json_extract(payload, '$.paper') = ? AND json_extract(payload, '$.year') = ?",
        (origin, paper, year)).fetchone()
    return int(row[0] or 0)


def last_hlc(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT max(hlc) FROM events").fetchone()
    return row[0] if row and row[0] else None


@dataclass
class ChainProblem:
    """The first event at which the log stops holding together."""

    event_id: str
    reason: str


def check_chains(conn: sqlite3.Connection) -> ChainProblem | None:
    """Recompute every event's hash and check every link to its predecessor; the first break, or None.

    A gap in a station's sequence (events still on their way from elsewhere) is not a break; a link that
    names the wrong predecessor is. Hashed from the stored row as import hashes a travelling one (the payload is
    kept as the canonical JSON that was hashed), without parsing it: about four times faster at a million events.
    ``verify`` hashes in its fold's pass instead (``by_case`` with ``hash_breaks``) and calls ``first_break``.
    """
    from app.sync.apply import row_hash

    breaks = [(row[2], row[3], row[0]) for row in conn.execute(f"SELECT {_COLUMNS} FROM events")
              if row_hash(row) != row[10]]
    return first_break(conn, breaks)


def first_break(conn: sqlite3.Connection, hash_breaks: list[tuple[str, int, str]]) -> ChainProblem | None:
    """The first event, by station and number, at which the log stops holding together: its content does not
    match its hash (one of ``hash_breaks``), its id is not its station and number, or it does not link to the
    event before it held here (the links are compared by SQLite over the (origin, seq) index, without reading
    the events into Python)."""
    link = conn.execute(
        "SELECT e.origin, e.seq, e.id, e.id != e.origin || ':' || e.seq, p.seq IS NULL "
        "FROM events e LEFT JOIN events p ON p.origin = e.origin AND p.seq = e.seq - 1 "
        "WHERE e.id != e.origin || ':' || e.seq OR (p.seq IS NOT NULL AND e.prev_hash != p.hash) "
        "OR (e.seq = 1 AND e.prev_hash != ?) ORDER BY e.origin, e.seq LIMIT 1", (GENESIS_HASH,)).fetchone()
    first_hash = min(hash_breaks, default=None)
    if first_hash is not None and (link is None or first_hash[:2] <= (link[0], link[1])):
        return ChainProblem(first_hash[2], "事件内容与其哈希不符（被改动）")
    if link is None:
        return None
    origin, seq, event_id, wrong_id, first = link
    if wrong_id:
        return ChainProblem(event_id, "事件编号与站点序号不符")
    if first:
        return ChainProblem(event_id, "站点首个事件的前序哈希不正确")
    return ChainProblem(event_id, f"与上一事件 {origin}:{int(seq) - 1} 的哈希链断开")


def check_complete(conn: sqlite3.Connection, own: str | None) -> ChainProblem | None:
    """This station's own events run 1, 2, 3 … without a hole, and reach at least as far as any peer has
    confirmed receiving: a hole (or a missing tail a peer holds) means events were removed from the file."""
    if not own:
        return None
    count, top = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM events WHERE origin = ?",
                              (own,)).fetchone()
    if count != top:
        first = 1
        if conn.execute("SELECT 1 FROM events WHERE origin = ? AND seq = 1", (own,)).fetchone():
            first = int(conn.execute(
                "SELECT min(seq + 1) FROM events e WHERE origin = ? AND seq < ? AND NOT EXISTS "
                "(SELECT 1 FROM events n WHERE n.origin = e.origin AND n.seq = e.seq + 1)", (own, top)).fetchone()[0])
        return ChainProblem(f"{own}:{first}", "本站事件缺失（事件记录被删除）")
    acked = conn.execute("SELECT max(seq) FROM sync_acked WHERE origin = ?", (own,)).fetchone()
    if acked and acked[0] and int(acked[0]) > top:
        return ChainProblem(f"{own}:{top + 1}", f"本站事件缺失：对方已确认收到至第{acked[0]}号，本机只有{top}号"
                                               "（事件记录被删除；或本机是重新安装、从较早的备份恢复的：请导入上级"
                                               "为本站制作的恢复文件）")
    return None
