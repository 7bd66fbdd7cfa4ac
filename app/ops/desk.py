"""The desk: one station's data, and every operation a handler can perform on it.

Views and the command line call these methods; none of them writes SQL. Each write is one transaction that
appends events and projects them, then listeners hear which kinds of things changed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models.case import CaseState, advance, fold
from app.models.case_conflicts import CHECKLIST_PREFIX
from app.models.chain import ALLOWED_FROM
from app.models.concurrency import seen_vector
from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.models.events import DayOnly, Event, HybridClock, minute_text
from app.models.intake import CaseDraft, check_problem_type
from app.models.settings import SETTING_KIND, SETTINGS, setting_payload
from app.models.vocab import DEFAULT_DOMAINS, DEFAULT_PROBLEM_TYPES, EVENT_LABELS, LEVELS
from app.models.workflow import check, check_date
from app.ops.accounts import Account, accounts, require
from app.ops.approval import Approval, approve_step
from app.ops.chain import ChainWriter
from app.ops.signing import TransactionSigner
from app.store import eventlog, projection, settings_log, vault
from app.store.blobs import BlobStore, kind_of
from app.store.db import DB_NAME, is_database_error, open_connection, transaction, writes_refused
from app.store.private import Scratch
from app.store.sealed import new_key
from app.store.stations import StationTree
from app.sync import handover

if TYPE_CHECKING:
    import sqlite_utils

Listener = Callable[[frozenset[str], tuple[str, ...]], None]
_CODE = re.compile(r"^[A-Za-z0-9]{2,20}$")
MAX_SEQUENCE = 99_999  # case numbers carry a five-digit sequence per station and year
EVIDENCE_KEY = "evidence-key"
PLAIN_EVIDENCE_CHECKED = "evidence-plain-files-sealed"
ENTRY_TOLERANCE_SECONDS = 60  # a step dated within a minute of its entry is taken as entered when it happened


def _registered_events(conn: sqlite3.Connection, case_id: str) -> list[Event]:
    """A case's events; DomainError when there is no such case, or its registration has not arrived yet."""
    events = eventlog.for_case(conn, case_id)
    if not events:
        raise DomainError(f"找不到案件：{case_id}")
    if not projection.registered(events):
        raise DomainError(f"案件 {case_id} 的登记还没有同步到本站（已收到其他站点关于它的 {len(events)} 个办理事件，"
                          "暂存待登记到达后一并显示）：请导入登记该案件的站点的同步包，重新安装的站点请导入恢复文件")
    return events


# Left in the data folder by a restore from a backup (app.store.backup): the station above may hold newer events of
# this station than the backup, so it numbers nothing until a recovery file is in, or a person says there is none.
RESTORED_MARK = "restored-from-backup"
RESTORED_FIRST = ("本站是从备份恢复的：备份之后本站办理并导出到上级的事项，上级那里有、本机没有，现在登记或办理会与"
                  "上级已有的编号重号。请先请上级为本站制作恢复文件（recovery-file 本站代码 --out 文件）并在本机"
                  "导入；如确认备份之后本站没有向上级导出过同步包，可用命令 resume-numbering 直接继续登记")


def recover_first(held: int, seq: int) -> str:
    """Why a station that has fewer of its own events than a station above holds may not record (app.ops.recovery)."""
    return (f"上级已收到本站第 {held} 号及之前的办理事件，本机只有 {seq} 个：本机是重新安装的，或是从较早的备份"
            "恢复的。为了不重复编号，请先请上级为本站制作恢复文件（“同步 → 站点与证书 → 制作恢复文件”，命令行 "
            "recovery-file 本站代码 --out 文件），在本机导入后再登记和办理")


@dataclass(frozen=True)
class Station:
    """Who this desk is: a township, county or city office."""

    code: str
    name: str
    level: str


def refuse_clock_set_back(conn: sqlite3.Connection, code: str, now: datetime) -> None:
    """A step is refused while this computer's clock is earlier than the station's latest own event: its
    time would be false, and a clock reset to 2000 would number cases of the year 2000."""
    row = conn.execute("SELECT at FROM events WHERE origin = ? ORDER BY seq DESC LIMIT 1", (code,)).fetchone()
    if row and now.isoformat(timespec="seconds") < str(row[0])[:19]:
        raise DomainError(f"本机时钟为 {minute_text(now.isoformat())}，早于本站最近一次记录的时间 "
                          f"{minute_text(str(row[0]))}：电脑的日期或时间被调回过（或曾经调快过）。请把电脑的日期和"
                          "时间调准后再办理，本次未记录。")


def checked_station(code: str, name: str, level: str) -> Station:
    """The station as typed, refused in Chinese when a field is wrong."""
    if not _CODE.match(code):
        raise DomainError("站点代码须为2至20位字母或数字；要与上下级同步的站点用行政区划代码"
                          "（县6位，乡镇9位），如 331002001")
    if not name.strip():
        raise DomainError("请填写站点名称")
    if level not in LEVELS:
        raise DomainError(f"站点级别须为：{'、'.join(f'{k}（{v}）' for k, v in LEVELS.items())}")
    return Station(code.upper(), name.strip(), level)


class Desk:
    """A station's store and the operations on it."""

    def __init__(self, data_dir: Path, now: Callable[[], datetime] = datetime.now,
                 master_key: bytes | None = None) -> None:
        """Open a station's store; with ``master_key`` (unwrapped from the keyring at login) the store is the
        SQLCipher-encrypted one, and a plain store an older program left is encrypted as it opens. Code that acts
        for a person opens it through ``app.ops.session.open_station`` (a login), which gives the master key and
        signs the account in; a desk without a signed-in account can read but records nothing."""
        self.data_dir = Path(data_dir)
        self.master_key = master_key
        self.account: Account | None = None
        self.conn: sqlite3.Connection = open_connection(self.data_dir / DB_NAME, master_key)
        vault.attach(self.data_dir, self.conn)
        self.scratch = Scratch(self.data_dir)
        self.blobs = BlobStore(self.data_dir / "blobs", vault.get_or_create(self.conn, EVIDENCE_KEY, new_key))
        self.blobs.remove_stale_incoming()
        self._seal_older_files()
        self.now = now
        self._listeners: list[Listener] = []
        self._clock = HybridClock(eventlog.last_hlc(self.conn))
        self._settings_cache: dict[str, Any] = {}
        self._signer = TransactionSigner(self.data_dir)
        self._chain_base = 0  # this station's head when the open write began (signed from there on)

    def _seal_older_files(self) -> None:
        """Move what an older program kept readable beside the store into it: the key files, once; the evidence
        files, sealed one by one (checked once, then marked done)."""
        if (self.data_dir / "keys").is_dir():
            from app.sync import keys

            keys.adopt_key_files(self.data_dir)
        if vault.get(self.conn, PLAIN_EVIDENCE_CHECKED) is None:
            self.blobs.seal_plain_files()
            vault.put(self.conn, PLAIN_EVIDENCE_CHECKED, b"1")

    def close(self) -> None:
        vault.detach(self.data_dir, self.conn)
        self.scratch.close()
        self.conn.close()

    # ----- settings and station -------------------------------------------------------------------------------
    def setting(self, key: str, default: Any = None) -> Any:
        if key not in self._settings_cache:
            row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            self._settings_cache[key] = json.loads(row[0]) if row else default
        return self._settings_cache[key]

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """The same connection seen through sqlite-utils, for tools and introspection (imported on first use,
        so opening the window does not pay for it)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def _put_setting(self, conn: sqlite3.Connection, key: str, value: Any) -> None:
        self.db.table("settings").upsert({"key": key, "value": json.dumps(value, ensure_ascii=False)}, pk="key")
        self._settings_cache.pop(key, None)

    @property
    def station(self) -> Station | None:
        data = self.setting("station")
        if not data:
            return None
        return Station(data["code"], self.setting("station_name") or data["name"], data["level"])

    def require_station(self) -> Station:
        station = self.station
        if station is None:
            raise DomainError("本机尚未设置站点，请先初始化（init）或打开演示站点")
        return station

    # ----- who is signed in ------------------------------------------------------------------------------------
    def accounts(self) -> dict[str, Account]:
        """This station's accounts (active and disabled), by login name."""
        station = self.station
        return accounts(self.conn, station.code, self.setting("first_admin")) if station else {}

    def sign_in(self, name: str) -> Account:
        """Make ``name`` the account every later event is recorded by (its password has been checked by the
        caller: app.ops.session)."""
        account = self.accounts().get(name)
        if account is None or not account.active:
            raise DomainError(f"没有账号“{name}”，或该账号已停用")
        self.account = account
        return account

    def twin(self) -> Desk:
        """Another desk on this station, with the same key and the same account signed in: for work on a thread
        of its own (a connection belongs to the thread that made it)."""
        other = Desk(self.data_dir, now=self.now, master_key=self.master_key)
        other.account = self.account
        return other

    def require(self, right: str) -> None:
        """Refuse, in Chinese, when the signed-in account lacks ``right`` (app.ops.accounts.RIGHTS)."""
        require(self.account, right)

    def require_master_key(self) -> bytes:
        if self.master_key is None:
            raise DomainError("请先登录（本站的主密钥尚未解开）")
        return self.master_key

    @property
    def actor(self) -> str:
        """The signed-in account as events name it. Nothing is recorded without one."""
        if self.account is None:
            raise DomainError("请先登录：未登录不能记录任何操作")
        return self.account.actor

    @property
    def limits(self) -> TimeLimits:
        return TimeLimits.from_json(self.setting("limits", {}))

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(self.setting("domains", list(DEFAULT_DOMAINS)))

    @property
    def problem_types(self) -> dict[str, list[str]]:
        """问题类别: the station's two-level tree (大类 → 小类), the default one unless the station set its own."""
        return {k: list(v) for k, v in self.setting("problem_types", DEFAULT_PROBLEM_TYPES).items()}

    def set_problem_types(self, tree: dict[str, list[str]]) -> None:
        """Set the 问题类别 tree; cases keep the category they were registered with."""
        cleaned = {str(k).strip(): [str(x).strip() for x in v if str(x).strip()] for k, v in tree.items()
                   if str(k).strip()}
        if not cleaned:
            raise DomainError("问题类别至少要有一个大类")
        self.change_setting("problem_types", cleaned)

    def init_station(self, code: str, name: str, level: str) -> Station:
        """Set up this desk as a station. Done once; the code names every case and event it makes. A person sets
        a station up through ``app.ops.session.create_station``, which also makes its first admin account."""
        if self.station is not None:
            raise DomainError(f"本机已设置为站点 {self.station.code}（{self.station.name}），不能重复初始化")
        station = checked_station(code, name, level)
        with self._write({"station"}, ()) as conn:
            self._put_setting(conn, "station", station.__dict__)
        return station

    def set_domains(self, domains: list[str] | tuple[str, ...]) -> None:
        """The domains a case may be registered under (the ten key domains and 其他 by default). Cases keep the
        domain they were registered with when it is later taken off the list."""
        self.change_setting("domains", list(domains))

    def set_limits(self, limits: TimeLimits) -> None:
        """Change the station's time limits; every open case's light follows at once."""
        self.change_setting("limits", limits.to_json())

    def set_station_name(self, name: str) -> None:
        """Rename the station (its code never changes)."""
        if not name.strip():
            raise DomainError("请填写站点名称")
        self.change_setting("station_name", name.strip())

    def change_setting(self, key: str, value: Any) -> Event:
        """Record a setting that changes what the tables show (app.models.settings.SETTINGS) as an event of this
        station and project it; when the setting asks for it, every open case is projected again at once."""
        self.require("settings")
        spec = SETTINGS[key]
        with self._write({"settings", "cases"} if spec.reproject else {"settings"}, ()) as conn:
            event = self._writer(conn).make("", SETTING_KIND, setting_payload(key, value), self.actor, self.now())
            eventlog.append(conn, [event])
            settings_log.put(conn, key, value)
            self._settings_cache.pop(key, None)
            if spec.reproject:
                projection.recompute_deadlines(conn, self.limits)
        return event

    # ----- listening ------------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def announce(self, kinds: set[str], case_ids: tuple[str, ...] = (), last_hlc: str | None = None) -> None:
        """Tell listeners about changes written through another connection to this station's file (sync runs
        its imports on a desk of its own in a worker thread). ``last_hlc``, the newest event's clock as the writer
        read it, spares this connection the read (tens of milliseconds just after a big write)."""
        self._settings_cache.clear()  # the job may have set them (the demo sets up its station)
        self._clock.observe(last_hlc or eventlog.last_hlc(self.conn) or HybridClock.format(0, 0))
        for listener in list(self._listeners):
            listener(frozenset(kinds), case_ids)

    @contextmanager
    def _write(self, kinds: set[str], case_ids: tuple[str, ...]) -> Iterator[sqlite3.Connection]:
        if refused := writes_refused(self.data_dir / DB_NAME):  # found damaged after it opened (store_check)
            raise DomainError(refused)
        try:
            with transaction(self.conn) as conn:
                station = self.station
                before, before_hash = eventlog.head(conn, station.code) if station else (0, None)
                self._chain_base = before
                yield conn
                station = station or self.station  # set up in this very transaction (the demo's station)
                if station is not None:
                    if self._chain_base < before:  # a recovery file put this station's history under events
                        before, before_hash = self._chain_base, None  # it had not sent (app.ops.station_setup)
                    self._signer.sign(conn, station.code, before, before_hash)
        except Exception as err:
            self._signer.forget()
            self._settings_cache.clear()  # values read inside the rolled-back transaction are gone with it
            if is_database_error(err, "OperationalError") and "full" in str(err):
                raise DomainError("磁盘空间已满，本次操作未保存，请清理磁盘后重试") from None
            raise
        except BaseException:
            self._signer.forget()
            self._settings_cache.clear()
            raise
        for listener in list(self._listeners):
            listener(frozenset(kinds), case_ids)

    def sign_head(self) -> None:
        """Sign this station's latest event when it was written before checkpoints existed (an older file), so
        its own events are vouched for from its next export on."""
        from app.store import signatures

        code = self.require_station().code
        seq = signatures.unsigned_legacy_head(self.conn, code)
        if seq:
            try:
                with transaction(self.conn) as conn:
                    self._signer.sign(conn, code, seq - 1)
            except BaseException:
                self._signer.forget()
                raise

    def public_key(self) -> bytes | None:
        """This station's public signing key (None before it has one)."""
        from app.sync import keys

        key = keys.load_key(self.data_dir)
        return keys.raw_public(key) if key else None

    # ----- recording --------------------------------------------------------------------------------------------
    def _writer(self, conn: sqlite3.Connection) -> ChainWriter:
        code = self.require_station().code
        seq, last_hash = eventlog.head(conn, code)
        # A station above already holds more of our events than this computer (set up again, or restored from an
        # older copy): a new event would take a number in use there. The recovery file brings them back first.
        held = conn.execute("SELECT max(seq) FROM sync_acked WHERE origin = ?", (code,)).fetchone()[0]
        if held and held > seq:
            raise DomainError(recover_first(held, seq))
        if (self.data_dir / RESTORED_MARK).exists() and self.require_station().level != "city" \
                and conn.execute("SELECT 1 FROM sync_trust WHERE key = 'root'").fetchone():
            raise DomainError(RESTORED_FIRST)
        refuse_clock_set_back(conn, code, self.now())
        return ChainWriter(code, seq, last_hash, self._clock)

    def record_station_event(self, kind: str, payload: dict[str, Any], kinds: set[str]) -> Event:
        """Record an event about the station rather than a case (accounts, outputs, failed logins): case id
        empty, by the signed-in account."""
        when = self.now()
        actor = self.actor
        with self._write(kinds, ()) as conn:
            event = self._writer(conn).make("", kind, payload, actor, when)
            eventlog.append(conn, [event])
        return event

    def _when(self, at: datetime | None) -> datetime:
        now = self.now()
        if at is not None and at > now:
            raise DomainError("办理时间不能晚于现在")
        return at or now

    def _dated(self, payload: dict[str, Any], when: datetime) -> dict[str, Any]:
        """The payload with the time of entry beside the date the thing happened, when the two differ (a letter
        received on Monday and typed in on Wednesday): limits count from ``when``, the timeline shows both."""
        now = self.now()
        if isinstance(when, DayOnly):  # only the day was given: kept so, and shown as a date
            payload = {**payload, "date_only": True}
        if abs((now - when).total_seconds()) > ENTRY_TOLERANCE_SECONDS:
            return {**payload, "entered_at": now.isoformat(timespec="seconds")}
        return payload

    def next_case_id(self, conn: sqlite3.Connection, year: int) -> str:
        """<station code>-<year>-<5-digit sequence>; numbers are never reused, since register events stay."""
        prefix = f"{self.require_station().code}-{year}-"
        # A range rather than LIKE, so the events_case index answers it from its last entry (LIKE scanned every
        # event: ~0.1 s at 100k cases, paid per case by a bulk import). Text order is number order while every
        # sequence has five digits, which is why the 99,999th case of a year is the last.
        row = conn.execute("SELECT max(case_id) FROM events WHERE kind = 'register' "
                           "AND case_id >= ? AND case_id < ?", (prefix, prefix + "~")).fetchone()
        last = int(row[0].rsplit("-", 1)[1]) if row and row[0] else 0
        if last >= MAX_SEQUENCE:
            raise DomainError(f"本站{year}年的案件编号已用到 {prefix}{MAX_SEQUENCE}，编号为五位，不能再登记；"
                              "请联系上级信访部门")
        return f"{prefix}{last + 1:05d}"

    def register_case(self, draft: CaseDraft, at: datetime | None = None) -> str:
        """Register a new case; returns its case number."""
        payload = draft.to_payload(self.domains, self.problem_types)
        when = self._when(at)
        with self._write({"cases"}, ()) as conn:
            case_id = self._register_in(conn, self._writer(conn), payload, when)
        return case_id

    def _register_in(self, conn: sqlite3.Connection, writer: ChainWriter, payload: dict[str, Any],
                     when: datetime) -> str:
        """Write one register event and its projection inside the caller's transaction (also used by
        app.ops.bulk, which registers many cases in one transaction)."""
        payload["repeat_of"] = self.repeat_chain(payload["repeat_of"], conn)
        case_id = self.next_case_id(conn, when.year)
        event = writer.make(case_id, "register", self._dated(payload, when), self.actor, when)
        eventlog.append(conn, [event])
        projection.write_case(conn, fold(case_id, [event]), self.limits)
        return case_id

    def repeat_chain(self, linked: list[str], conn: sqlite3.Connection | None = None) -> list[str]:
        """The earlier cases a new case repeats: those linked and, through them, the rounds before them, so that
        linking only the latest earlier case still counts the matter's third round (事不过二)."""
        conn = conn or self.conn
        chain: set[str] = set()
        for other in linked:
            row = conn.execute("SELECT repeat_of FROM cases WHERE case_id = ?", (other,)).fetchone()
            if not row:
                raise DomainError(f"要关联的案件不存在：{other}")
            chain.update([other, *json.loads(row[0])])
        return sorted(chain)

    def record(self, case_id: str, kind: str, payload: dict[str, Any] | None = None,
               at: datetime | None = None, approval: Approval | None = None) -> Event:
        """Record one step or change on a case, after the workflow has allowed it. A step the workflow allows
        only with a leader's approval records the approving account, checked here (app.ops.approval)."""
        when = self._when(at)
        payload = approve_step(self, case_id, kind, dict(payload or {}), when, approval)
        with self._write({"cases"}, (case_id,)) as conn:
            return self._record_in(conn, self._writer(conn), case_id, kind, payload, when)

    def _record_in(self, conn: sqlite3.Connection, writer: ChainWriter, case_id: str, kind: str,
                   payload: dict[str, Any], when: datetime) -> Event:
        """Check, write and project one event inside the caller's transaction (also used by app.ops.batch,
        which records one measure on many cases in one transaction)."""
        return self._record_steps_in(conn, writer, case_id, [(kind, payload)], when)[0][0]

    def _record_steps_in(self, conn: sqlite3.Connection, writer: ChainWriter, case_id: str,
                         steps: list[tuple[str, dict[str, Any]]], when: datetime,
                         held: tuple[list[Event], CaseState] | None = None) -> tuple[list[Event], CaseState]:
        """Check and write events on one case inside the caller's transaction, each checked against the case as
        the ones before it left it; the case is read and folded once (``held``: as the caller just read it in
        this transaction, ``_case_in``), each new event applied to it, and projected once (a paper and its
        notice). Returns the events and the case as they leave it."""
        refused = handover.refused_here(conn, self.require_station().code, case_id)
        if refused:  # this county handed the township over to another (app.sync.moves)
            raise DomainError(refused)
        events, state = held or self._case_in(conn, case_id)
        made: list[Event] = []
        for kind, given in steps:
            check(state, kind, given, self.limits, when.date())
            check_date(state, kind, when)
            if kind in ("dispatch", "accept", "no_longer_accept"):
                self._check_settled_matter(conn, state, kind)
            if kind == "dispatch" and given.get("stations"):
                StationTree.load(conn).require_below(list(given["stations"]))
            payload = self._dated(given, when)
            if kind in ALLOWED_FROM:
                # What this station held of the case, so the fold can tell a step made without seeing another
                # station's step (app.models.case.fold) from one made after it.
                payload = {**payload, "seen": payload.get("seen", seen_vector(events))}
            # Sort after every event of the case held now, including ones imported through another connection.
            self._clock.observe(max(e.hlc for e in events))
            made.append(writer.make(case_id, kind, payload, self.actor, when))
            events = [*events, made[-1]]
            if kind == "annul":
                state = fold(case_id, events)
            else:
                advance(state, made[-1])
        eventlog.append(conn, made)
        projection.write_case(conn, state, self.limits)
        return made, state

    def _check_settled_matter(self, conn: sqlite3.Connection, state: CaseState, kind: str) -> None:
        """After 复核 the same matter on the same facts and reasons is not accepted again (不再受理): a case linked
        to an earlier case whose 复核 was answered (the final opinion) is recorded as 不再受理, never dispatched or
        accepted."""
        settled = [r[0] for r in conn.execute(
            "SELECT case_id FROM cases WHERE case_id IN (SELECT value FROM json_each(?)) AND review_round >= 2 "
            "ORDER BY case_id", (json.dumps(state.repeat_of),))]
        if kind == "no_longer_accept" and not settled:
            raise DomainError("只有与已经复核的事项为同一事项（登记时已关联该案件）的，才能不再受理")
        if kind != "no_longer_accept" and settled:
            raise DomainError(f"本件与已经复核的案件 {settled[0]} 为同一事项，同一事实和理由不再受理，不能"
                              f"“{EVENT_LABELS[kind]}”；请记录“不再受理”并告知信访人")

    def classify(self, case_id: str, classification: dict[str, Any]) -> Event:
        """诉求分类 after registration: any of category, problem_type, purpose, first_time, legal_route."""
        check_problem_type(str(classification.get("problem_type") or ""), self.problem_types)
        return self.record(case_id, "classify", classification)

    def notify(self, case_id: str, notice: str, way: str, document: str = "", note: str = "",
               at: datetime | None = None) -> Event:
        """Record that the petitioner was told (告知): what (受理, 不予受理, 不再受理, 转送, 延期, 导入法定途径), how
        (当面, 邮寄, 短信, 电话), on which day (``at``) and, when a numbered paper was handed over, its number."""
        payload = {"notice": notice, "way": way, "document": document.strip(), "note": note.strip()}
        return self.record(case_id, "notify", payload, at)

    def _precheck(self, case_id: str, kind: str, payload: dict[str, Any]) -> None:
        """Refuse a step before its evidence is copied in (a 2 GB video need not be copied to be refused);
        ``record`` checks again inside its transaction."""
        check(self.case(case_id), kind, payload, self.limits, self.today())

    def store_evidence(self, paths: list[Path]) -> list[dict[str, Any]]:
        """Copy evidence files into the blob store; the references to put in an event's payload."""
        items = []
        for path in paths:
            sha, size = self.blobs.put_file(Path(path))
            items.append({"sha256": sha, "name": Path(path).name, "kind": kind_of(Path(path)), "size": size})
        return items

    def handle(self, case_id: str, note: str, evidence: list[Path] | None = None,
               at: datetime | None = None) -> Event:
        """Record a handling measure with its evidence files (办理措施)."""
        if evidence:
            self._precheck(case_id, "handle", {"note": note})
        items = self.store_evidence(list(evidence or []))
        return self.record(case_id, "handle", {"note": note, "evidence": items}, at)

    def attach(self, case_id: str, paths: list[Path], note: str = "") -> Event:
        if not paths:
            raise DomainError("请选择要补充的佐证材料文件")
        self._precheck(case_id, "attach", {"note": note})
        return self.record(case_id, "attach", {"note": note, "evidence": self.store_evidence(paths)})

    def set_checklist(self, case_id: str, key: str, done: bool, note: str = "") -> Event:
        """Tick (or untick) one 四定四包 item. Versioned like a field: a tick and an untick made at two stations
        without seeing each other become a conflict for a person to settle (app.models.case._concurrent)."""
        return self._versioned(case_id, "checklist", CHECKLIST_PREFIX + key, {"key": key, "done": done, "note": note})

    def _versioned(self, case_id: str, kind: str, field_name: str, payload: dict[str, Any]) -> Event:
        events = self.events(case_id)
        base = fold(case_id, events).versions.get(field_name) if events else None
        # "seen" lets the conflicts view tell changes made without seeing each other (app.models.concurrency).
        return self.record(case_id, kind, {**payload, "base": base, "seen": seen_vector(events)})

    def edit(self, case_id: str, field_name: str, value: Any) -> Event:
        """Correct a field; the old value stays in the timeline."""
        return self._versioned(case_id, "edit", field_name, {"field": field_name, "value": value})

    def set_leader(self, case_id: str, leader: str) -> Event:
        if not leader.strip():
            raise DomainError("请填写包案领导姓名")
        return self._versioned(case_id, "set_leader", "leader", {"leader": leader.strip()})

    def set_backlog(self, case_id: str, backlog: bool) -> Event:
        return self._versioned(case_id, "set_backlog", "backlog", {"backlog": backlog})

    def annul_last_step(self, case_id: str, reason: str) -> Event:
        """Undo the latest chain step by a recorded correction (the step stays in the log, marked annulled)."""
        steps = [s for s in self.case(case_id).steps if s.kind in ALLOWED_FROM]
        target = steps[-1].event_id if steps else ""
        return self.record(case_id, "annul", {"target": target, "reason": reason})

    # ----- reading ----------------------------------------------------------------------------------------------
    def case(self, case_id: str) -> CaseState:
        return fold(case_id, _registered_events(self.conn, case_id))

    def _case_in(self, conn: sqlite3.Connection, case_id: str) -> tuple[list[Event], CaseState]:
        """A case's events and the case they make, read inside the caller's transaction."""
        events = _registered_events(conn, case_id)
        return events, fold(case_id, events)

    def events(self, case_id: str) -> list[Event]:
        return eventlog.for_case(self.conn, case_id)

    def today(self) -> date:
        return self.now().date()

    def rebuild(self) -> int:
        """Write every projection again from the event log: the settings first, as the cases' limits come from
        them."""
        with self._write({"cases", "settings"}, ()) as conn:
            settings_log.rebuild(conn)
            self._settings_cache.clear()
            return projection.rebuild(conn, self.limits)
