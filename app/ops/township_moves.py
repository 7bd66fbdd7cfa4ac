"""Moving a township to another county: the old county's hand-over, then the city's move record (app.sync.moves).

A township moves with every laptop of it (its code and two digits): the laptops' histories go along.

1. The old county hands the township over (``hand-over``): an event of its own, after which it records nothing more
   on the township's cases. Its next file up carries the event, after everything of the township it holds.
2. The city, once that file is in, confirms the move (``move``): a record signed with the root key that puts the old
   code under its successor (a new station under the new county, certified there as any township). The city's next
   file to the new county carries the township's whole history; the new county's to the successor, the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.divisions import certify_problem, is_division_code, laptop_label, same_township, township_of
from app.models.errors import DomainError
from app.ops.desk import Desk
from app.ops.sync import now_text, require_chain
from app.store import eventlog
from app.sync import moves
from app.sync.trust import TrustStore, parents


@dataclass
class HandedOver:
    """What the old county is told after handing a township over."""

    code: str
    to: str
    seq: int
    events_held: int  # of the township's own events (all its laptops'), held here: what goes up with the next file
    last_bundle: str  # when the township's last file (of any laptop) reached this county ("" when none did)


def hand_over(desk: Desk, code: str, to_county: str, successor: str = "", note: str = "") -> HandedOver:
    """The old county hands the township ``code`` over to ``to_county``: recorded as an event of this station,
    after which it records nothing more on the township's cases."""
    desk.require("certify")
    _me, mine = require_chain(desk)
    code, to_county, successor = code.strip(), to_county.strip(), successor.strip()
    if mine.level != "county":
        raise DomainError("只有县（区）站点可以把其下的乡镇移交给另一个县（区）")
    _whole_township(code)
    children = {c.code for c in TrustStore(desk.conn).pool().values() if c.parent == mine.code}
    if code not in children:
        raise DomainError(f"乡镇 {code} 不是本站（{mine.code}）签发过证书的下级站点，不能移交")
    if not is_division_code(to_county, "county") or to_county == mine.code or to_county[:4] != mine.code[:4]:
        raise DomainError(f"迁入的县（区）代码 {to_county} 不正确：应为本市另一个县（区）的6位行政区划代码")
    if successor:
        problem = certify_problem(to_county, "county", successor, "township")
        if problem:
            raise DomainError(f"乡镇的新站点代码不正确：{problem}")
    own = desk.require_station().code
    if code in moves.handed_over(desk.conn, own):
        raise DomainError(f"乡镇 {code} 已由本站移交过，无需再次移交")
    payload = {"code": code, "to": to_county, **({"successor": successor} if successor else {})}
    if note.strip():
        payload["note"] = note.strip()
    event = desk.record_station_event(moves.HAND_OVER, payload, {"sync", "stations"})
    laptops = sorted(c for c in children if same_township(c, code))  # the township's code first
    marks = ", ".join("?" * len(laptops))
    row = desk.conn.execute(f"SELECT max(created_at) FROM sync_log WHERE direction = 'in' AND peer IN ({marks})",
                            laptops).fetchone()
    held = sum(eventlog.head(desk.conn, laptop)[0] for laptop in laptops)
    return HandedOver(code, to_county, event.seq, held, str(row[0] or ""))


def move_township(desk: Desk, code: str, to_county: str, successor: str, reason: str = "") -> moves.Move:
    """The city confirms that the township ``code``, handed over by its county, now answers to ``to_county``
    through the new station ``successor``: a move record signed with the root key, which travels with every
    bundle from now on."""
    desk.require("certify")
    me, mine = require_chain(desk)
    code, to_county, successor = code.strip(), to_county.strip(), successor.strip()
    if not mine.is_root:
        raise DomainError("乡镇在县（区）之间迁移由市局确认：本站不是市局（根证书所在站点）")
    _whole_township(code)
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    tree = parents(pool.values())
    old_county = tree.get(code, "")
    if not old_county or not is_division_code(code, "township"):
        raise DomainError(f"本站不知道乡镇 {code} 的证书（它的县（区）的同步包还没有导入市局），不能确认迁移")
    if any(m.code == code for m in moves.held(desk.conn)):
        raise DomainError(f"乡镇 {code} 已经迁移过")
    if tree.get(to_county) != mine.code or to_county == old_county:
        raise DomainError(f"县（区）{to_county} 不是本市已入网的另一个县（区），不能迁入")
    handed = moves.handed_over(desk.conn, old_county).get(code)
    if handed is None:
        raise DomainError(f"尚未收到县（区）{old_county} 移交乡镇 {code} 的记录：请 {old_county} 先移交该乡镇"
                          f"（命令行 hand-over {code} --to {to_county}），再把同步包导出给市局导入后确认迁移")
    seq, payload = handed
    if payload.get("to") != to_county:
        raise DomainError(f"县（区）{old_county} 是把乡镇 {code} 移交给 {payload.get('to')} 的，不是 {to_county}")
    successor = successor or str(payload.get("successor", ""))
    problem = certify_problem(to_county, "county", successor, "township") if successor else "请填写乡镇的新站点代码"
    if problem:
        raise DomainError(f"乡镇的新站点代码不正确：{problem}")
    if successor in tree:
        raise DomainError(f"站点代码 {successor} 已在使用，不能作为迁入乡镇的新代码")
    move = moves.Move.make(me.key, mine, code, successor, old_county, to_county, seq,
                           reason.strip() or "行政区划调整", now_text(desk))
    with desk._write({"sync", "stations"}, ()) as conn:
        moves.store(conn, move)
    return move


def _whole_township(code: str) -> None:
    """A township moves with all its laptops (app.sync.moves): a further laptop is never moved alone."""
    township = township_of(code)
    if township != code:
        raise DomainError(f"{code} 是乡镇 {township} 的{laptop_label(code)}：请移交（迁移）乡镇 {township}，"
                          "它的各台电脑随之迁移")
