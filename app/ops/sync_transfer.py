"""Exporting and importing bundles: the operations behind ``export``, ``import`` and ``verify-bundle``.

Import checks everything it can before writing anything (certificate chain up to the pinned root, revocations,
the signature over every byte, the receiver, every member's digest), then applies the bundle in one transaction:
certificates and revocations, events, evidence, projections, coverage and acknowledgements. Any failure leaves the
store as it was; evidence files added for a failed import are removed again.

A bundle's time is never earlier than the clock of any event it carries (the sender's hybrid clock has seen them
all), so a station cannot backdate a bundle by setting its computer's clock back; a bundle claiming otherwise is
refused. Imports and exports of one station run one at a time (a lock file the system releases even when the
program is killed), and each starts by removing what a killed one left in the data folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from app.models.errors import DomainError
from app.models.events import HybridClock
from app.ops import station_setup
from app.ops.desk import Desk
from app.ops.sync import chain_of, now_text, require_chain
from app.store import eventlog
from app.store.db import bounded_cache
from app.store.oserrors import os_reason
from app.store.private import open_private, try_lock
from app.sync import bundle, fence, keys, moves, tracking, workbook
from app.sync.apply import ApplyReport, apply_events, refresh
from app.sync.authority import RECOVERED_TOP, Border, check_claims, held_dispatches
from app.sync.certs import Certificate, Revocation
from app.sync.checkpoints import check_checkpoints
from app.sync.container import OpenedBundle, not_ours, open_bundle
from app.sync.trust import TrustStore, ancestors, parents, rival, subtree, valid_revocations, verify_chain

Progress = Callable[[str, int, int], None]
# How far an event's clock may be ahead of the time its bundle states: rounding, and bundles written before the
# bundle's time followed the clock. Honest bundles are never ahead at all.
CLOCK_SKEW_MS = 5 * 60 * 1000
LOCK_FILE = "sync.lock"
_PARTIAL_PREFIX = ".incoming-sync-"
# The working folders tempfile makes for an import or export ("import-" or "bundle-" and 8 characters of its
# own): only those are removed, never a folder of the user's that happens to start the same way.
_LEFTOVER_DIR = re.compile(r"^(import|bundle)-[a-z0-9_]{8}$")


@dataclass
class BundleInfo:
    """What ``verify-bundle`` tells, and what an import checked."""

    bundle_id: str = ""
    sender: str = ""
    sender_name: str = ""
    receiver: str = ""
    receiver_name: str = ""
    direction: str = ""
    created_at: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    fingerprint: str = ""
    genuine: bool = False
    for_us: bool = False
    problem: str = ""
    checked: bool = True  # False: this station cannot check bundles yet (no certificate installed)
    unreadable: str = ""  # genuine, but sealed to another station: whose it is, and that it cannot be read here


@dataclass
class _Checked:
    info: BundleInfo
    sender: Certificate
    certificates: list[Certificate]
    revocations: list[Revocation]
    scope: Callable[[str, str], str | None]
    tree: dict[str, str] = field(default_factory=dict)  # station → its parent, as certificates and moves say
    relation: str = ""  # what the sender is to this station: "child", "parent" or "recovery"
    moves: list[moves.Move] = field(default_factory=list)  # every move record known, held and carried
    # From the parent: cases registered outside this station's part of the tree that the file brings events of;
    # each must be dispatched to a station here once the file's events are in (``_check_routed``).
    routed: set[str] = field(default_factory=set)


NO_CERTIFICATE = ("本站尚未安装上级签发的证书，还没有可信的根证书，无法核对同步包的证书链和签名：请先完成入网"
                  "（“同步 → 站点与证书”：生成入网申请，由上级签发证书后安装；命令行 enroll-request、install-cert）")


def _info(manifest: dict[str, Any]) -> BundleInfo:
    # The manifest's field types were checked when the bundle was opened (container._check_manifest).
    return BundleInfo(manifest["bundle_id"], manifest["sender"], manifest.get("sender_name", ""),
                      manifest["receiver"], manifest.get("receiver_name", ""), manifest.get("direction", ""),
                      manifest["created_at"], dict(manifest.get("counts", {})))


def _bundle_ms(manifest: dict[str, Any]) -> int:
    """The bundle's stated time in the events' clock units; from its text for bundles that do not state it."""
    if manifest.get("created_ms") is not None:
        return int(manifest["created_ms"])
    try:
        return int(datetime.fromisoformat(manifest["created_at"]).timestamp() * 1000)
    except ValueError:
        raise DomainError(f"同步包的生成时间格式不正确：{manifest['created_at'][:40]}") from None


def _clock_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="seconds")


def bundle_time(desk: Desk) -> tuple[str, int]:
    """The time an export states: now, or, when this computer's clock is behind the clock of events already
    held (set back, or events from a station whose clock is ahead), the latest of those."""
    wall = desk.now()
    wall_ms = int(wall.timestamp() * 1000)
    last = eventlog.last_hlc(desk.conn)
    held_ms = HybridClock.parse(last)[0] if last else 0
    if held_ms > wall_ms:
        return _clock_text(held_ms).replace(" ", "T"), held_ms
    return wall.isoformat(timespec="seconds"), wall_ms


def _check(desk: Desk, opened: OpenedBundle, say: Progress, require_receiver: bool = True) -> _Checked:
    """Authenticate a bundle: everything but the receiver and the member digests. Raises DomainError."""
    station = desk.require_station()
    manifest = opened.manifest
    info = _info(manifest)
    trust = TrustStore(desk.conn)
    root = trust.root_key()
    if root is None:
        raise DomainError(NO_CERTIFICATE)
    try:
        carried = [Certificate.parse(doc) for doc in opened.certificates]
        carried_revocations = [Revocation.parse(doc) for doc in opened.revocations]
    except DomainError as err:
        raise DomainError(f"同步包中的证书或吊销记录格式不正确：{err}") from None
    pool = {**{c.key_id: c for c in carried}, **trust.pool()}
    revoked = valid_revocations([*trust.revocations(), *carried_revocations], pool)
    sender = pool.get(str(manifest.get("sender_key", "")))
    if sender is None or sender.code != info.sender:
        raise DomainError(f"同步包来自未知站点 {info.sender}：本站不认识其证书")
    verify_chain(sender, pool, root, revoked, info.created_at)
    info.fingerprint = sender.fingerprint
    say("核对签名", 0, 1)
    if not opened.check_signature(sender.public_key):
        raise DomainError("同步包的签名不正确：文件在生成后被改动过（哪怕一个字节），或已损坏，不予导入")
    say("核对签名", 1, 1)
    info.genuine = True
    info.for_us = info.receiver == station.code
    if require_receiver and not info.for_us:
        raise DomainError(f"此同步包是发给站点 {info.receiver}（{info.receiver_name}）的，不是本站"
                          f"（{station.code}），不予导入")
    if info.for_us:  # the signature holds: open what was sealed to us
        opened.unseal(keys.encryption_keys(desk.data_dir))
        info.counts = dict(opened.manifest.get("counts", {}))
    elif opened.sealed:
        info.unreadable = not_ours(manifest)
    trusted = []
    for cert in carried:
        try:
            # Revocation gates who may sign a bundle, not which stations exist: events a revoked township made
            # before it was revoked still travel up, relayed (and vouched for) by its county.
            verify_chain(cert, pool, root, {}, info.created_at)
            trusted.append(cert)
        except DomainError:
            continue  # a certificate we cannot check is simply not kept
    held = trust.certificates()
    for cert in trusted:
        other = rival(cert, held, pool, revoked, info.created_at)
        if other is not None:
            raise DomainError(
                f"同步包带来站点 {cert.code}（{cert.name}）的另一份证书（密钥指纹 {cert.fingerprint}），而本站已有"
                f"它的一份有效证书（密钥指纹 {other.fingerprint}，由 {other.parent} 签发，未被吊销）：同一站点代码"
                "不能有两份有效证书，整个同步包不予导入。如该站点确已换了密钥，须先由其上级吊销旧证书。")
    try:
        carried_moves = moves.trusted([moves.Move.parse(doc) for doc in opened.moves], pool.get(root))
    except DomainError as err:
        raise DomainError(f"同步包中的{err}") from None
    known = list(moves.by_code([*carried_moves, *moves.held(desk.conn)]).values())
    tree = moves.apply(parents([*held, *trusted]), known)
    mine = subtree(tree, station.code)
    moved = moves.by_code(known)
    # Townships moved in below, with every laptop of theirs: their history comes from above.
    moved_in = {code for code in mine if moves.covering(code, moved) is not None}
    routed: set[str] = set()
    if info.direction == "recovery" and require_receiver:
        # A recovery file (app.ops.recovery) from a station above: this station's own part of the tree, and what
        # was done anywhere about its cases.
        if sender.code == station.code or station.code not in subtree(tree, sender.code):
            raise DomainError(f"恢复文件只能由本站的上级站点制作，{sender.code} 不是本站的上级")

        def scope(origin: str, case_id: str) -> str | None:
            registrar = case_id.split("-", 1)[0]
            if origin in mine or registrar in mine or moves.one_township(origin, station.code, moved) \
                    or moves.one_township(registrar, station.code, moved):  # the township's other laptops too
                return None
            return "恢复文件中的事件不属于本站或本站下级，也不是关于其案件的"
    elif sender.parent == station.code:
        # A county that handed a township over still passes up what reaches it of the township's history.
        theirs = subtree(tree, sender.code)

        def scope(origin: str, case_id: str) -> str | None:
            if origin in theirs or moves.given_by(origin, sender.code, moved):
                return None
            return f"下级站点 {sender.code} 的同步包只能携带其本站及其下级站点的事件"
    elif tree.get(station.code) == sender.code:
        def scope(origin: str, case_id: str) -> str | None:
            if origin in mine and origin not in moved_in:
                return "上级下发的同步包不应包含本站或本站下级产生的事件"
            if moves.one_township(origin, station.code, moved) or origin in moved_in:
                return None  # another laptop of this township, or a township moved in: its whole history
            if not case_id:
                return "上级下发的事件不属于本站的案件"
            registrar = case_id.split("-", 1)[0]
            if registrar not in mine and not moves.one_township(registrar, station.code, moved):
                routed.add(case_id)  # a case dispatched here, if a dispatch says so (checked once all are in)
            return None
    elif require_receiver:
        raise DomainError(f"同步包来自站点 {sender.code}（{sender.name}），它不是本站的上级或直属下级")
    else:
        def scope(origin: str, case_id: str) -> str | None:
            return "只核验，不导入"
    valid_revs = [r for r in carried_revocations if r.key_id in valid_revocations([r], pool)]
    relation = ("recovery" if info.direction == "recovery" else "child" if sender.parent == station.code
                else "parent" if tree.get(station.code) == sender.code else "")
    return _Checked(info, sender, trusted, valid_revs, scope, tree, relation, known, routed)


def save_workbook(desk: Desk, path: Path, out: Path) -> BundleInfo:
    """Save the workbook of a bundle sent to this station as a readable .xlsx at ``out`` (a person's choice: what
    it holds is then as readable as any file they write). Checked as an import checks it; nothing is imported."""
    from app.ops.outputs import may_output, record_output
    from app.store.files import output_file

    may_output(desk, full_id=True)  # the bundle's workbook holds ID numbers in full
    with bundle_workbook(desk, path) as (info, book), output_file(out) as temp, temp.open("wb") as target:
        shutil.copyfileobj(book, target, 1 << 20)
    record_output(desk, "bundle_workbook", out, cases=int((info.counts or {}).get("cases", 0)), people=None,
                  full_id=True)
    return info


@contextmanager
def bundle_workbook(desk: Desk, path: Path) -> Iterator[tuple[BundleInfo, BinaryIO]]:
    """The workbook of a bundle sent to this station, checked as an import checks it, as a seekable file read in
    place from its sealed member (never written out in clear). Nothing is imported."""
    with sync_lock(desk):
        opened = open_bundle(path)
        try:
            checked = _check(desk, opened, lambda *a: None)
            opened.check_members()
            with contextlib.closing(opened.member_view("data.xlsx")) as book:
                yield checked.info, book
        except OSError as err:
            raise DomainError(f"读取同步包失败：{os_reason(err)}（{err.filename or path}）") from None
        finally:
            opened.close()


def verify_bundle(desk: Desk, path: Path) -> BundleInfo:
    """Check a bundle without importing it. Never raises for a bad file: ``problem`` says what is wrong."""
    try:
        opened = open_bundle(path)
    except DomainError as err:
        return BundleInfo(problem=str(err))
    try:
        if TrustStore(desk.conn).root_key() is None:
            info = _info(opened.manifest)
            info.checked, info.problem = False, NO_CERTIFICATE
            return info
        checked = _check(desk, opened, lambda *a: None, require_receiver=False)
        opened.check_members()
        return checked.info
    except (DomainError, OSError) as err:
        info = _info(opened.manifest)
        info.genuine = False
        info.problem = str(err) if isinstance(err, DomainError) else f"读取同步包失败：{os_reason(err)}"
        return info
    finally:
        opened.close()


@dataclass
class ImportResult:
    info: BundleInfo
    report: ApplyReport
    evidence_added: int
    recovery_message: str = ""  # for a recovery file: what came back and what could not (app.ops.recovery)


def import_bundle(desk: Desk, path: Path, progress: Progress | None = None) -> ImportResult:
    """Import a bundle in one transaction; DomainError (and nothing changed) when anything is wrong."""
    say = progress or (lambda stage, done, total: None)
    desk.require_station()
    say("读取同步包", 0, 1)
    with sync_lock(desk):
        opened = open_bundle(path)
        try:
            result = _import(desk, opened, say)
        except OSError as err:  # the USB stick removed while reading, the station's disk full…
            raise DomainError(f"导入失败：{os_reason(err)}（{err.filename or path}）") from None
        finally:
            opened.close()
    if result.report.max_hlc:
        desk._clock.observe(result.report.max_hlc)
    return result


def _import(desk: Desk, opened: OpenedBundle, say: Progress) -> ImportResult:
    checked = _check(desk, opened, say)
    info = checked.info
    row = desk.conn.execute("SELECT at FROM sync_log WHERE bundle_id = ?", (info.bundle_id,)).fetchone()
    if row:
        raise DomainError(f"此同步包已于 {row[0].replace('T', ' ')} 导入过，本次未作任何改动")
    from app.ops import recovery  # it builds on this module

    recovery_data = recovery.check_recovery_manifest(opened.manifest)
    own_before = eventlog.head(desk.conn, desk.require_station().code)[0]
    say("核对文件内容", 0, 1)
    opened.check_members()
    # The workbook is read in place, its sealed chunks opened as the reader reaches them: never written out in clear.
    with contextlib.closing(opened.member_view("data.xlsx")) as book:
        added = _put_evidence(desk, opened, say)
        try:
            report = _apply(desk, opened, checked, book, say)
        except BaseException:
            for sha in added:
                desk.blobs.path(sha).unlink(missing_ok=True)
            raise
    result = ImportResult(info, report, len(added))
    if recovery_data is not None:
        recovery.after_recovery(desk)
        result.recovery_message = recovery.message(recovery.summarize(desk, own_before, result, recovery_data),
                                                   info.sender)
    return result


@contextmanager
def sync_lock(desk: Desk) -> Iterator[None]:
    """One import or export of this station at a time. The lock is the system's, so a killed program never
    leaves it held; once it is ours, whatever a killed import or export left behind is removed. While it is held
    the store's page cache is kept small (``bounded_cache``): the job passes over a whole station's pages once."""
    try:
        handle = open_private(desk.data_dir / LOCK_FILE)
    except OSError as err:
        raise DomainError(f"无法打开数据文件夹：{os_reason(err)}（{desk.data_dir}）") from None
    try:
        if not try_lock(handle):
            raise DomainError("本站的另一个同步操作（导入或导出）正在进行，请等它完成后再试")
        _remove_leftovers(desk)
        with bounded_cache(desk.conn):
            yield
    finally:
        handle.close()  # releases the lock


def _remove_leftovers(desk: Desk) -> None:
    """Temporary folders of a killed import or export (a copy of a workbook with personal data) and evidence
    files it had half copied. Complete evidence files stay: they are named by their content, and the next import
    of the same bundle uses them."""
    for folder in desk.data_dir.glob("*-*"):  # where an older program made them
        if _LEFTOVER_DIR.match(folder.name) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
    if desk.blobs.root.is_dir():
        for partial in desk.blobs.root.glob(f"{_PARTIAL_PREFIX}*"):
            partial.unlink(missing_ok=True)


def _put_evidence(desk: Desk, opened: OpenedBundle, say: Progress) -> list[str]:
    """Copy the bundle's evidence files into the blob store (content-addressed, so an extra file is harmless; a
    failed import removes the ones it added). Flushed to disk together at the end, not one fsync per file."""
    names = opened.evidence_members()
    added: list[str] = []
    try:
        for done, (sha, name) in enumerate(names, start=1):
            if not desk.blobs.has(sha):
                with opened.open_member(name) as source:  # its digest was checked against the signed manifest
                    stored, _size = desk.blobs.put_stream(source, prefix=_PARTIAL_PREFIX, sync=False)
                added.append(stored)
                if stored != sha:
                    raise DomainError(f"佐证材料 {name} 的内容与其哈希不符")
            say("保存佐证材料", done, len(names))
        _flush([desk.blobs.path(sha) for sha in added])
    except OSError as err:
        for sha in added:
            desk.blobs.path(sha).unlink(missing_ok=True)
        raise DomainError(f"保存佐证材料失败：{os_reason(err)}，本站数据未作任何改动") from None
    except DomainError as err:
        for sha in added:
            desk.blobs.path(sha).unlink(missing_ok=True)
        raise DomainError(f"{err}，本站数据未作任何改动") from None
    except BaseException:
        for sha in added:
            desk.blobs.path(sha).unlink(missing_ok=True)
        raise
    return added


def _flush(paths: list[Path]) -> None:
    """Evidence must be on disk before the events that name it are committed."""
    if not paths:
        return
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:  # Windows: no os.sync
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())


def _apply(desk: Desk, opened: OpenedBundle, checked: _Checked, book: BinaryIO, say: Progress) -> ApplyReport:
    info, manifest = checked.info, opened.manifest
    total = info.counts.get("events", 0)
    own = desk.require_station().code
    with desk._write({"cases", "sync", "conflicts", "stations"}, ()) as conn:
        store = TrustStore(conn)
        for cert in checked.certificates:
            store.store_certificate(cert)
        for revocation in checked.revocations:
            store.store_revocation(revocation)
        for move in checked.moves:
            moves.store(conn, move)
        rows = workbook.read_events(book, total)
        fenced = fence.tops(conn, list(fence.fences(conn)))
        border = Border(conn, checked.tree, desk.now(), moves.by_code(checked.moves))
        kept = station_setup.set_aside(conn, own) if info.direction == "recovery" else []
        if kept:
            desk._chain_base = 0
        report = apply_events(conn, rows, checked.scope, lambda done: say("导入事件", done, total), border)
        _check_routed(conn, checked, own)
        check_checkpoints(conn, opened, report.first_new, own, desk.public_key())
        _check_clock(report, manifest, info)
        fence.check(conn, manifest, fenced)
        if info.direction == "recovery":
            fence.remember_recovery(conn, info.bundle_id)
        missing = sorted(s for s in report.evidence if not desk.blobs.has(s))
        if missing:
            raise DomainError(f"同步包缺少 {len(missing)} 个佐证材料文件（如 {missing[0][:12]}…），不予导入")
        cases = len(report.changed_cases)
        say("更新案件", 0, cases)  # the last chance to cancel: the events are in, the transaction still open
        refresh(conn, report, desk.limits, lambda done: say("更新案件", done, cases))
        _sign_routed(desk, conn, [case for case, made in border.dispatches.items() if any(s for _o, s in made)])
        claims = {str(o): (int(r[0]), int(r[1])) for o, r in dict(manifest.get("coverage", {})).items()}
        acks = {str(o): int(s) for o, s in dict(manifest.get("acks", {})).items()}
        _check_claims(conn, own, checked, acks, claims)
        tracking.extend_coverage(conn, own, claims)
        tracking.record_acks(conn, info.sender, acks)
        if info.direction == "recovery":
            conn.execute("INSERT OR REPLACE INTO sync_trust (key, value) VALUES (?, ?)",
                         (RECOVERED_TOP, json.dumps(eventlog.head(conn, own)[0])))
        station_setup.record_again(desk, conn, kept)  # after the history, numbered on from it
        summary = {"new_cases": len(report.new_cases), "changed_cases": len(report.changed_cases),
                   "conflicts": len(report.conflicts), "duplicates": report.duplicates}
        conn.execute("INSERT INTO sync_log (bundle_id, direction, peer, created_at, at, events, new_events, file, "
                     "summary) VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?)",
                     (info.bundle_id, info.sender, info.created_at, now_text(desk), report.events,
                      report.new_events, str(opened.path), json.dumps(summary)))
    return report


def _check_routed(conn: sqlite3.Connection, checked: _Checked, own: str) -> None:
    """Events from the parent about a case registered outside this station's part of the tree come in only when
    that case was dispatched to a station here (by a dispatch held now, this file's included)."""
    mine = subtree(checked.tree, own)
    for case_id in sorted(checked.routed):
        if not held_dispatches(conn, case_id, checked.tree) & mine:
            raise DomainError(f"案件 {case_id}：上级下发的事件不属于本站的案件，该案也没有派发到本站，"
                              "整个同步包不予导入")


def _check_claims(conn: sqlite3.Connection, own: str, checked: _Checked, acks: dict[str, int],
                  claims: dict[str, tuple[int, int]]) -> None:
    """What the sender says it holds and what the file says it carries, against what this station holds
    (app.sync.authority). A recovery file speaks for the station above that rebuilds this one: not checked."""
    moved = moves.by_code(checked.moves)
    if checked.relation == "child":
        theirs = subtree(checked.tree, checked.sender.code)
        check_claims(conn, own, checked.sender.code, False,
                     lambda origin: origin not in theirs and not moves.given_by(origin, checked.sender.code, moved),
                     acks, claims)
    elif checked.relation == "parent":
        # A moved-in township's history (every laptop of it) comes from above.
        mine = {c for c in subtree(checked.tree, own) if moves.covering(c, moved) is None}
        check_claims(conn, own, checked.sender.code, True, lambda origin: origin in mine, acks, claims)


def _check_clock(report: ApplyReport, manifest: dict[str, Any], info: BundleInfo) -> None:
    """No event may be later than the bundle that carries it: such a bundle states a time earlier than it was
    made (a clock set back, or an edited file) and could pass the certificate checks it should fail."""
    if not report.max_hlc:
        return
    latest = HybridClock.parse(report.max_hlc)[0]
    stated = _bundle_ms(manifest)
    if latest > stated + CLOCK_SKEW_MS:
        raise DomainError(f"同步包中有事件的时间（{_clock_text(latest)}）晚于同步包自己写的生成时间"
                          f"（{_clock_text(stated)}）：发送站点 {info.sender} 的电脑时间被调回过，或文件被改动过，"
                          f"不予导入。请 {info.sender} 把电脑时间调准后重新导出。")


def peers(desk: Desk) -> list[tuple[Certificate, str]]:
    """The stations this one exchanges bundles with: its parent ("up") and its children not revoked ("down")."""
    _me, mine = require_chain(desk)
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    revoked = valid_revocations(trust.revocations(), pool)
    result = []
    if not mine.is_root and mine.issuer_key in pool:
        result.append((pool[mine.issuer_key], "up"))
    children: dict[str, Certificate] = {}
    for cert in pool.values():
        if cert.issued_by(mine) and cert.key_id not in revoked:
            if cert.code not in children or cert.issued_at > children[cert.code].issued_at:
                children[cert.code] = cert
    result += [(children[c], "down") for c in sorted(children)]
    return result


def export_bundle(desk: Desk, to_code: str, out: Path, progress: Progress | None = None,
                  part_size: int | None = None) -> bundle.ExportResult:
    """Write a bundle for the parent or a child: everything it has not acknowledged yet (in numbered parts when it
    is larger than ``part_size``, by default what a FAT32 stick holds in one file)."""
    me, mine = require_chain(desk)
    to_code = to_code.strip().upper()
    match = [(c, d) for c, d in peers(desk) if c.code == to_code]
    if not match:
        raise DomainError(f"站点 {to_code} 不是本站的上级或直属下级（或已被吊销），不能向其导出同步包")
    receiver, direction = match[0]
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    known_moves = moves.held(desk.conn)
    tree = moves.apply(parents(pool.values()), known_moves)
    own_subtree = subtree(tree, mine.code)
    peer_subtree = subtree(tree, to_code)
    moved = moves.by_code(known_moves)
    if direction == "up":
        extra = [c for c in pool.values() if c.code != mine.code and (
            c.code in own_subtree or moves.given_by(c.code, mine.code, moved))]
    else:
        # A laptop checks the signatures of its township's other laptops over the history it is passed; a county
        # (or township) those of a township moved in below it, whose chain runs through its old county.
        extra = [c for c in pool.values() if c.code != to_code and moves.one_township(c.code, to_code, moved)
                 or c.code in peer_subtree and c.code != to_code]
        extra += [pool[k] for c in list(extra) for k in ancestors(c, pool) if k in pool]
    revocations = trust.revocations()
    extra += [pool[r.key_id] for r in revocations if r.key_id in pool]  # so the receiver can check them
    conn = desk.conn
    desk.sign_head()  # a file from before checkpoints: its own events are vouched for from this export on
    with sync_lock(desk):
        created_at, created_ms = bundle_time(desk)
        conn.execute("BEGIN")  # one snapshot for every query of the export
        try:
            plan = bundle.plan_export(conn, mine.code, to_code, direction, own_subtree, peer_subtree, known_moves)
            result = bundle.write_bundle(conn, plan, out, bundle.Identity(chain_of(mine, pool), me.key), receiver,
                                         extra, revocations, desk.blobs, created_at, progress, created_ms,
                                         extra_manifest=fence.recovered_from(conn), part_size=part_size,
                                         moves=known_moves)
        finally:
            conn.execute("ROLLBACK")
    with desk._write({"sync"}, ()) as conn:
        log_export(desk, conn, result, to_code, out)
    return result


def _sign_routed(desk: Desk, conn: sqlite3.Connection, cases: list[str]) -> None:
    """Inside an import: of the cases it brought a dispatch to another station for (a dispatch made above of a
    case registered here, perhaps in a bulk import signed only at its end), which travel there alone, each of
    this station's events on them gets a checkpoint of its own, after checking that this station's history is
    still the one it signed."""
    from app.store import signatures

    code = desk.require_station().code
    unsigned = signatures.routed_unsigned(conn, code, set(cases))
    if not unsigned:
        return
    key = keys.load_or_create_key(desk.data_dir)
    head = eventlog.head(conn, code)[0]
    problem = signatures.check_head(conn, code, head, signatures.keyring(conn, code, keys.raw_public(key)))
    if problem:
        raise DomainError(f"本站事件记录与签名不符（事件 {problem.event_id}：{problem.reason}），不予导入："
                          "请运行“校验”（verify）查看，并联系上级信访部门")
    signatures.store(conn, [signatures.sign(key, code, seq, digest) for seq, digest in sorted(unsigned.items())])


def log_export(desk: Desk, conn: sqlite3.Connection, result: bundle.ExportResult, peer: str, out: Path,
               **summary: object) -> None:
    """The sync log's row for a file this station wrote (an export, or a recovery file for a station below)."""
    counts = result.manifest["counts"]
    # What the file told the peer it now holds completely, per origin: the furthest the peer may acknowledge
    # (app.sync.tracking.sent).
    sent = {str(o): int(r[1]) for o, r in dict(result.manifest.get("coverage", {})).items()}
    conn.execute("INSERT INTO sync_log (bundle_id, direction, peer, created_at, at, events, new_events, file, "
                 "summary) VALUES (?, 'out', ?, ?, ?, ?, 0, ?, ?)",
                 (result.bundle_id, peer, result.manifest["created_at"], now_text(desk), counts["events"], str(out),
                  json.dumps({**counts, **summary, "sent": sent})))
