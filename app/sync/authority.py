"""What a station may say in a bundle, checked at the border for every event and every claim it makes.

- Shape: every event passes its kind's check (app.models.shapes); the length and character limits bind events made
  since they came in (``LIMITS_FROM``), so an older event never blocks sync. Which events are older goes by their
  place in their station's chain — after its upgrade mark, or after its first event dated past the cut-over — not by
  the date they bear (``Border._recheck_back_dated``).
- Clock: no event more than a day ahead of the receiver's clock (a laptop running fast would drag every station's
  clock ahead with it).
- Whose case: an event about a case comes from the station that registered it (or another laptop of its township,
  app.models.divisions), a station above that one, or a station the case was dispatched to (``dispatch`` naming
  ``stations``, 一事双交 included).
  A township moved to another county (app.sync.moves) is under its successor and the new county; its old county's
  events on its cases stand only when numbered before the old county's hand-over.
- Claims: acknowledgements no further than what this station sent that peer; coverage no further than what
  this station holds.

A refusal names the event, the case and the stations, and the caller refuses the whole file.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from app.models.errors import DomainError
from app.models.events import HybridClock
from app.models.shapes import MARK_KIND, check_event
from app.models.vocab import EVENT_LABELS
from app.sync import tracking
from app.sync.moves import Move, covering, one_township

# When the limits on new input came in: events whose clock is earlier are checked for their structure only.
LIMITS_FROM = datetime(2026, 12, 1)

DAY_MS = 24 * 60 * 60 * 1000


def clock_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="minutes")


def ancestors(tree: dict[str, str], code: str) -> list[str]:
    """The stations above ``code`` in the tree (parent first)."""
    found: list[str] = []
    current = tree.get(code)
    while current and current not in found and current != code:
        found.append(current)
        current = tree.get(current)
    return found


class Border:
    """The per-event checks of one import: shape, clock and whose case. ``admit`` is called for each new event;
    ``finish`` once all are in (a dispatch later in the file may name the station of an earlier event)."""

    def __init__(self, conn: sqlite3.Connection, tree: dict[str, str], now: datetime,
                 moves: dict[str, Move] | None = None) -> None:
        self.conn = conn
        self.tree = tree
        self.moves = moves or {}  # townships moved to another county, by their old code (app.sync.moves)
        self.now_ms = int(now.timestamp() * 1000)
        self.today = now.date()
        self.limits_ms = int(LIMITS_FROM.timestamp() * 1000)
        self.dispatches: dict[str, list[tuple[str, list[str]]]] = {}  # case → (origin, stations) in this file
        self.pending: list[tuple[str, str, str, str]] = []  # event, case, origin, kind: waiting for a dispatch
        # Events checked for their structure only (dated before LIMITS_FROM), by origin: their sequence numbers,
        # read back and checked again in ``finish`` when their station's chain had passed the cut-over before them.
        # Only the numbers are kept: a township's whole history is a million such events.
        self.lenient: dict[str, array[int]] = {}

    def admit(self, row: tuple[Any, ...], payload: dict[str, Any]) -> None:
        event_id, case_id, origin, seq, hlc, at, actor, kind = row[:8]
        wall = int(str(hlc).split(".", 1)[0])
        if wall > self.now_ms + DAY_MS:
            raise DomainError(
                f"事件 {event_id} 的时间（{clock_text(wall)}）比本机时钟（{clock_text(self.now_ms)}）快一天以上："
                f"站点 {origin} 的电脑时间不准（或本机时间不准），整个同步包不予导入。"
                "请核对两台电脑的日期和时间，调准后由对方重新导出。")
        strict = wall >= self.limits_ms
        try:
            check_event(str(kind), payload, str(actor), str(at), strict=strict, today=self.today)
        except DomainError as err:
            raise DomainError(f"事件 {event_id}：{err}，整个同步包不予导入") from None
        if not strict:
            numbers = self.lenient.get(str(origin))
            if numbers is None:
                numbers = self.lenient[str(origin)] = array("q")
            numbers.append(int(seq))
        if not case_id:
            return
        registrar = str(case_id).split("-", 1)[0]
        if kind == "register":
            if origin != registrar:
                raise DomainError(f"事件 {event_id}：站点 {origin} 不能登记编号属于站点 {registrar} 的案件 {case_id}，"
                                  "整个同步包不予导入")
            return
        if kind == "dispatch":
            self.dispatches.setdefault(str(case_id), []).append((str(origin), list(payload.get("stations") or [])))
        if origin != registrar and not one_township(origin, registrar, self.moves) \
                and origin not in ancestors(self.tree, registrar):
            move = covering(registrar, self.moves)  # a township's further laptops moved with it
            if move is not None and origin == move.old_county:
                if int(seq) < move.handed_over:
                    return  # made while the township was still the old county's
                raise DomainError(
                    f"事件 {event_id}（{EVENT_LABELS.get(str(kind), kind)}）：案件 {case_id} 所属的乡镇 {registrar} "
                    f"已由站点 {origin} 移交给 {move.new_county}（{origin} 的第 {move.handed_over} 号事件），"
                    f"此后 {origin} 无权在其案件上记录，整个同步包不予导入")
            self.pending.append((str(event_id), str(case_id), str(origin), str(kind)))

    def finish(self) -> None:
        self._recheck_back_dated()
        granted: dict[str, set[str]] = {}
        for event_id, case_id, origin, kind in self.pending:
            if case_id not in granted:
                granted[case_id] = held_dispatches(self.conn, case_id, self.tree, self.dispatches.get(case_id, []))
            if origin in granted[case_id]:
                continue
            registrar = case_id.split("-", 1)[0]
            raise DomainError(
                f"事件 {event_id}（{EVENT_LABELS.get(kind, kind)}）：案件 {case_id} 由站点 {registrar} 登记，"
                f"站点 {origin} 既不是登记站点或其上级，也不是案件派发到的站点，无权在这件案件上记录，"
                "整个同步包不予导入")


    def _recheck_back_dated(self) -> None:
        """An event dated before the limits came in is old only if its station's program did not yet hold them
        when it was made. Its date is the sender's to choose, its place in its station's chain is not: an event
        after its station's upgrade mark (``MARK_KIND``, held here or in this file), or after any event of that
        station dated past the cut-over, is new input, whatever date it bears. Without this a station could set
        its clock back (or write the date by hand and sign the file with its real key) to slip an oversized request
        or a control character past the limits. (Events before both still go by their dates: made by an earlier
        version, which is all the receiver can tell of them.)"""
        cut = HybridClock.format(self.limits_ms, 0)
        for origin, numbers in self.lenient.items():
            first = _first_new(self.conn, origin, cut)
            if first is None:
                continue
            later = [seq for seq in numbers if seq > first[0]]
            for start in range(0, len(later), 5000):
                self._recheck(origin, first, later[start:start + 5000])

    def _recheck(self, origin: str, first: tuple[int, str], numbers: list[int]) -> None:
        """Check again, as new input, the events of ``origin`` numbered ``numbers`` (written in this import)."""
        rows = self.conn.execute("SELECT id, kind, payload, actor, at FROM events WHERE origin = ? AND seq IN "
                                 "(SELECT value FROM json_each(?)) ORDER BY seq", (origin, json.dumps(numbers)))
        for event_id, kind, text, actor, at in rows:
            payload = orjson.loads(text)
            try:
                check_event(kind, payload, actor, at, strict=True, today=self.today)
            except DomainError as err:
                raise DomainError(
                    f"事件 {event_id}：{err}。该事件写的时间早于输入限制生效之日（{LIMITS_FROM.date().isoformat()}），"
                    f"但站点 {origin} 在它之前已{first[1]}，它是新录入的内容（时间被调回过），整个同步包不予导入"
                ) from None


def _first_new(conn: sqlite3.Connection, origin: str, cut: str) -> tuple[int, str] | None:
    """The first event of ``origin`` from which its events are new input: its upgrade mark, or its first event
    dated past the cut-over, whichever comes first in its chain; with how a refusal names it."""
    mark = conn.execute("SELECT min(seq) FROM events WHERE case_id = '' AND kind = ? AND +origin = ?",
                        (MARK_KIND, origin)).fetchone()[0]
    dated = conn.execute("SELECT min(seq) FROM events WHERE origin = ? AND hlc >= ?", (origin, cut)).fetchone()[0]
    if mark is not None and (dated is None or mark <= dated):
        return int(mark), f"升级到启用输入限制的版本（升级标记为第 {mark} 号事件）"
    if dated is not None:
        return int(dated), f"记录了生效之后的第 {dated} 号事件"
    return None


def held_dispatches(conn: sqlite3.Connection, case_id: str, tree: dict[str, str],
                    more: list[tuple[str, list[str]]] | None = None) -> set[str]:
    """The stations a case was dispatched to, by the dispatches held here (and ``more``: origin, stations). A
    dispatch gives that right only when made by a station that may write on the case itself — the registering
    station, one above it, or one it was dispatched to before — so that no station can name itself."""
    dispatches = [(str(o), list(json.loads(s))) for o, s in conn.execute(
        "SELECT origin, json_extract(payload, '$.stations') FROM events WHERE case_id = ? AND kind = 'dispatch' "
        "AND json_type(payload, '$.stations') = 'array'", (case_id,))]
    dispatches += more or []
    registrar = case_id.split("-", 1)[0]
    writers = {registrar, *ancestors(tree, registrar)}
    granted: set[str] = set()
    while True:
        new = {str(s) for origin, stations in dispatches if origin in writers or origin in granted
               for s in stations} - granted
        if not new:
            return granted
        granted |= new


RECOVERED_TOP = "recovered_own_top"  # sync_trust key: this station's head as a recovery file left it


def held_top(conn: sqlite3.Connection, origin: str) -> int:
    """The highest sequence number of ``origin`` held here, or what this station holds all of (coverage)."""
    top = conn.execute("SELECT coalesce(max(seq), 0) FROM events WHERE origin = ?", (origin,)).fetchone()[0]
    covered = conn.execute("SELECT seq FROM sync_coverage WHERE origin = ?", (origin,)).fetchone()
    return max(int(top), int(covered[0]) if covered else 0)


def check_claims(conn: sqlite3.Connection, own: str, sender: str, from_parent: bool, we_send: Callable[[str], bool],
                 acks: dict[str, int], coverage: dict[str, tuple[int, int]]) -> None:
    """Refuse (DomainError) acknowledgements beyond what this station sent the sender, and coverage beyond what
    this station holds.

    ``acks`` is what the sender says it holds; of the origins this station sends it (``we_send``), none may pass
    what this station's files told the sender it held (``tracking.sent``; what this station holds, for a store
    that wrote files before the log kept that): an acknowledgement of events still on their way, or not yet
    exported, would make every later export leave them out. From the parent, an acknowledgement of this
    station's own events may pass its head: the parent holds what a computer restored from an older copy lost
    (app.ops.recovery).
    ``coverage`` is what the file says it carries completely: from a child, every event of the range must now be
    held here; from the parent, no more than the parent's own acknowledgement says it holds."""
    told = tracking.sent(conn, sender)
    # A station rebuilt from above (app.ops.recovery) got back its own history, which its old computer had told
    # its peers: an acknowledgement of it is no claim beyond what this station sent.
    rebuilt = conn.execute("SELECT value FROM sync_trust WHERE key = ?", (RECOVERED_TOP,)).fetchone()
    for origin, seq in acks.items():
        if not we_send(origin):
            continue
        if from_parent and origin == own:
            continue
        top = held_top(conn, origin) if told is None else told.get(origin, 0)
        if origin == own and rebuilt:
            top = max(top, int(rebuilt[0]))
        if seq > top:
            raise DomainError(
                f"同步包声称站点 {sender} 已收到站点 {origin} 的第 {seq} 号事件，而本站发给它的只到第 {top} 号："
                "确认的不能多于本站实际发出的，整个同步包不予导入（否则本站此后将不再发送这些事件）")
    for origin, (low, high) in coverage.items():
        if high < low or low < 0:
            raise DomainError(f"同步包中站点 {origin} 的事件范围不正确（{low} 至 {high}），不予导入")
        if from_parent:
            if we_send(origin) or high > acks.get(origin, 0):
                raise DomainError(f"同步包声称完整携带站点 {origin} 到第 {high} 号的事件，超出发送站点 {sender} "
                                  "自己所持有的，不予导入")
            continue
        if high - low > 0:
            got = conn.execute("SELECT count(*) FROM events WHERE origin = ? AND seq > ? AND seq <= ?",
                               (origin, low, high)).fetchone()[0]
            if got < high - low:
                raise DomainError(
                    f"同步包声称完整携带站点 {origin} 第 {low + 1} 至 {high} 号事件，实际缺少 {high - low - got} 个，"
                    "整个同步包不予导入")
