"""What a station may say in a bundle, checked at the border for every event and every claim it makes.

- Shape: every event passes its kind's check (app.models.shapes); the length and character limits bind events made
  since they came in (``LIMITS_FROM``), so an older event never blocks sync.
- Clock: no event more than a day ahead of the receiver's clock (a laptop running fast would drag every station's
  clock ahead with it).
- Whose case: an event about a case comes from the station that registered it (or another laptop of its township,
  app.models.divisions), a station above that one, or a station the case was dispatched to (``dispatch`` naming
  ``stations``, 一事双交 included).
  A township moved to another county (app.sync.moves) is under its successor and the new county; its old county's
  events on its cases stand only when numbered before the old county's hand-over.
- Claims: acknowledgements and coverage no further than what this station holds.

A refusal names the event, the case and the stations, and the caller refuses the whole file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.models.divisions import same_township
from app.models.errors import DomainError
from app.models.shapes import check_event
from app.models.vocab import EVENT_LABELS
from app.sync.moves import Move

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
        self.dispatched: dict[str, set[str]] = {}  # case → stations named by dispatches in this file
        self.pending: list[tuple[str, str, str, str]] = []  # event, case, origin, kind: waiting for a dispatch

    def admit(self, row: tuple[Any, ...], payload: dict[str, Any]) -> None:
        event_id, case_id, origin, _seq, hlc, at, actor, kind = row[:8]
        wall = int(str(hlc).split(".", 1)[0])
        if wall > self.now_ms + DAY_MS:
            raise DomainError(
                f"事件 {event_id} 的时间（{clock_text(wall)}）比本机时钟（{clock_text(self.now_ms)}）快一天以上："
                f"站点 {origin} 的电脑时间不准（或本机时间不准），整个同步包不予导入。"
                "请核对两台电脑的日期和时间，调准后由对方重新导出。")
        try:
            check_event(str(kind), payload, str(actor), str(at), strict=wall >= self.limits_ms, today=self.today)
        except DomainError as err:
            raise DomainError(f"事件 {event_id}：{err}，整个同步包不予导入") from None
        if not case_id:
            return
        registrar = str(case_id).split("-", 1)[0]
        if kind == "register":
            if origin != registrar:
                raise DomainError(f"事件 {event_id}：站点 {origin} 不能登记编号属于站点 {registrar} 的案件 {case_id}，"
                                  "整个同步包不予导入")
            return
        if kind == "dispatch":
            self.dispatched.setdefault(str(case_id), set()).update(payload.get("stations") or [])
        if origin != registrar and not same_township(origin, registrar) \
                and origin not in ancestors(self.tree, registrar):
            move = self.moves.get(registrar)
            if move is not None and origin == move.old_county:
                if int(_seq) < move.handed_over:
                    return  # made while the township was still the old county's
                raise DomainError(
                    f"事件 {event_id}（{EVENT_LABELS.get(str(kind), kind)}）：案件 {case_id} 所属的乡镇 {registrar} "
                    f"已由站点 {origin} 移交给 {move.new_county}（{origin} 的第 {move.handed_over} 号事件），"
                    f"此后 {origin} 无权在其案件上记录，整个同步包不予导入")
            self.pending.append((str(event_id), str(case_id), str(origin), str(kind)))

    def finish(self) -> None:
        for event_id, case_id, origin, kind in self.pending:
            if origin in self.dispatched.get(case_id, set()) or origin in held_dispatches(self.conn, case_id):
                continue
            registrar = case_id.split("-", 1)[0]
            raise DomainError(
                f"事件 {event_id}（{EVENT_LABELS.get(kind, kind)}）：案件 {case_id} 由站点 {registrar} 登记，"
                f"站点 {origin} 既不是登记站点或其上级，也不是案件派发到的站点，无权在这件案件上记录，"
                "整个同步包不予导入")


def held_dispatches(conn: sqlite3.Connection, case_id: str) -> set[str]:
    """The stations a case was dispatched to by the dispatches held here."""
    rows = conn.execute("SELECT j.value FROM events e, json_each(e.payload, '$.stations') j "
                        "WHERE e.case_id = ? AND e.kind = 'dispatch'", (case_id,))
    return {str(r[0]) for r in rows}


def held_top(conn: sqlite3.Connection, origin: str) -> int:
    """The highest sequence number of ``origin`` held here, or what this station holds all of (coverage)."""
    top = conn.execute("SELECT coalesce(max(seq), 0) FROM events WHERE origin = ?", (origin,)).fetchone()[0]
    covered = conn.execute("SELECT seq FROM sync_coverage WHERE origin = ?", (origin,)).fetchone()
    return max(int(top), int(covered[0]) if covered else 0)


def check_claims(conn: sqlite3.Connection, own: str, sender: str, from_parent: bool, we_send: Callable[[str], bool],
                 acks: dict[str, int], coverage: dict[str, tuple[int, int]]) -> None:
    """Refuse (DomainError) acknowledgements and coverage beyond what this station holds.

    ``acks`` is what the sender says it holds; of the origins this station sends it (``we_send``), none may pass
    what this station holds, or its exports would leave out events the sender never had. From the parent, an
    acknowledgement of this station's own events may pass its head: the parent holds what a computer restored
    from an older copy lost (app.ops.recovery).
    ``coverage`` is what the file says it carries completely: from a child, every event of the range must now be
    held here; from the parent, no more than the parent's own acknowledgement says it holds."""
    for origin, seq in acks.items():
        if not we_send(origin):
            continue
        if from_parent and origin == own:
            continue
        top = held_top(conn, origin)
        if seq > top:
            raise DomainError(
                f"同步包声称站点 {sender} 已收到站点 {origin} 的第 {seq} 号事件，而本站只有到第 {top} 号："
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
