"""Exporting and importing bundles: the operations behind ``export``, ``import`` and ``verify-bundle``.

Import checks everything it can before writing anything (certificate chain up to the pinned root, revocations,
the signature over every byte, the receiver, every member's digest), then applies the bundle in one transaction:
certificates and revocations, events, evidence, projections, coverage and acknowledgements. Any failure leaves the
store as it was; evidence files added for a failed import are removed again.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.ops.sync import chain_of, now_text, require_chain
from app.sync import bundle, tracking, workbook
from app.sync.apply import ApplyReport, apply_events, refresh
from app.sync.certs import Certificate, Revocation
from app.sync.container import OpenedBundle, open_bundle
from app.sync.trust import TrustStore, parents, subtree, valid_revocations, verify_chain

Progress = Callable[[str, int, int], None]


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


@dataclass
class _Checked:
    info: BundleInfo
    sender: Certificate
    certificates: list[Certificate]
    revocations: list[Revocation]
    scope: Callable[[str, str], str | None]


def _info(manifest: dict[str, Any]) -> BundleInfo:
    return BundleInfo(manifest["bundle_id"], manifest["sender"], str(manifest.get("sender_name", "")),
                      manifest["receiver"], str(manifest.get("receiver_name", "")),
                      str(manifest.get("direction", "")), manifest["created_at"],
                      {k: int(v) for k, v in dict(manifest.get("counts", {})).items()})


def _check(desk: Desk, opened: OpenedBundle, say: Progress, require_receiver: bool = True) -> _Checked:
    """Authenticate a bundle: everything but the receiver and the member digests. Raises DomainError."""
    station = desk.require_station()
    manifest = opened.manifest
    info = _info(manifest)
    trust = TrustStore(desk.conn)
    root = trust.root_key()
    if root is None:
        raise DomainError("本站尚未安装证书（install-cert），还不能验证和导入同步包")
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
    trusted = []
    for cert in carried:
        try:
            # Revocation gates who may sign a bundle, not which stations exist: events a revoked township made
            # before it was revoked still travel up, relayed (and vouched for) by its county.
            verify_chain(cert, pool, root, {}, info.created_at)
            trusted.append(cert)
        except DomainError:
            continue  # a certificate we cannot check is simply not kept
    tree = parents([*trust.certificates(), *trusted])
    mine = subtree(tree, station.code)
    if sender.parent == station.code:
        theirs = subtree(tree, sender.code)

        def scope(origin: str, case_id: str) -> str | None:
            return None if origin in theirs else f"下级站点 {sender.code} 的同步包只能携带其本站及其下级站点的事件"
    elif tree.get(station.code) == sender.code:
        def scope(origin: str, case_id: str) -> str | None:
            if origin in mine:
                return "上级下发的同步包不应包含本站或本站下级产生的事件"
            if case_id.split("-", 1)[0] not in mine:
                return "上级下发的事件不属于本站的案件"
            return None
    elif require_receiver:
        raise DomainError(f"同步包来自站点 {sender.code}（{sender.name}），它不是本站的上级或直属下级")
    else:
        def scope(origin: str, case_id: str) -> str | None:
            return "只核验，不导入"
    valid_revs = [r for r in carried_revocations if r.key_id in valid_revocations([r], pool)]
    return _Checked(info, sender, trusted, valid_revs, scope)


def verify_bundle(desk: Desk, path: Path) -> BundleInfo:
    """Check a bundle without importing it. Never raises for a bad file: ``problem`` says what is wrong."""
    try:
        opened = open_bundle(path)
    except DomainError as err:
        return BundleInfo(problem=str(err))
    try:
        checked = _check(desk, opened, lambda *a: None, require_receiver=False)
        opened.check_members()
        return checked.info
    except DomainError as err:
        info = _info(opened.manifest)
        info.genuine = False
        info.problem = str(err)
        return info
    finally:
        opened.close()


@dataclass
class ImportResult:
    info: BundleInfo
    report: ApplyReport
    evidence_added: int


def import_bundle(desk: Desk, path: Path, progress: Progress | None = None) -> ImportResult:
    """Import a bundle in one transaction; DomainError (and nothing changed) when anything is wrong."""
    say = progress or (lambda stage, done, total: None)
    desk.require_station()
    say("读取同步包", 0, 1)
    opened = open_bundle(path)
    try:
        checked = _check(desk, opened, say)
        info = checked.info
        row = desk.conn.execute("SELECT at FROM sync_log WHERE bundle_id = ?", (info.bundle_id,)).fetchone()
        if row:
            raise DomainError(f"此同步包已于 {row[0].replace('T', ' ')} 导入过，本次未作任何改动")
        say("核对文件内容", 0, 1)
        opened.check_members()
        with tempfile.TemporaryDirectory(prefix="import-", dir=desk.data_dir) as tmp:
            book = Path(tmp) / "data.xlsx"
            opened.extract("data.xlsx", book)
            added = _put_evidence(desk, opened, say)
            try:
                report = _apply(desk, opened, checked, book, say)
            except BaseException:
                for sha in added:
                    desk.blobs.path(sha).unlink(missing_ok=True)
                raise
    finally:
        opened.close()
    if report.max_hlc:
        desk._clock.observe(report.max_hlc)
    return ImportResult(info, report, len(added))


def _put_evidence(desk: Desk, opened: OpenedBundle, say: Progress) -> list[str]:
    """Copy the bundle's evidence files into the blob store (content-addressed, so an extra file is harmless; a
    failed import removes the ones it added). Flushed to disk together at the end, not one fsync per file."""
    names = [m["name"] for m in opened.manifest["members"] if m["name"].startswith("evidence/")]
    added: list[str] = []
    try:
        for done, name in enumerate(names, start=1):
            sha = name.split("/", 1)[1]
            target = desk.blobs.path(sha)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f".incoming-{sha}")
                opened.extract(name, partial)  # its digest was checked against the signed manifest
                os.replace(partial, target)
                added.append(sha)
            say("保存佐证材料", done, len(names))
        _flush([desk.blobs.path(sha) for sha in added])
    except OSError as err:
        for sha in added:
            desk.blobs.path(sha).unlink(missing_ok=True)
        raise DomainError(f"保存佐证材料失败：{err.strerror or err}") from None
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


def _apply(desk: Desk, opened: OpenedBundle, checked: _Checked, book: Path, say: Progress) -> ApplyReport:
    info, manifest = checked.info, opened.manifest
    total = info.counts.get("events", 0)
    own = desk.require_station().code
    with desk._write({"cases", "sync", "conflicts", "stations"}, ()) as conn:
        store = TrustStore(conn)
        for cert in checked.certificates:
            store.store_certificate(cert)
        for revocation in checked.revocations:
            store.store_revocation(revocation)
        rows = workbook.read_events(book, total)
        report = apply_events(conn, rows, checked.scope, lambda done: say("导入事件", done, total))
        missing = sorted(s for s in report.evidence if not desk.blobs.has(s))
        if missing:
            raise DomainError(f"同步包缺少 {len(missing)} 个佐证材料文件（如 {missing[0][:12]}…），不予导入")
        cases = len(report.changed_cases)
        refresh(conn, report, desk.limits, lambda done: say("更新案件", done, cases))
        claims = {str(o): (int(r[0]), int(r[1])) for o, r in dict(manifest.get("coverage", {})).items()}
        tracking.extend_coverage(conn, own, claims)
        tracking.record_acks(conn, info.sender, {str(o): int(s) for o, s in dict(manifest.get("acks", {})).items()})
        summary = {"new_cases": len(report.new_cases), "changed_cases": len(report.changed_cases),
                   "conflicts": len(report.conflicts), "duplicates": report.duplicates}
        conn.execute("INSERT INTO sync_log (bundle_id, direction, peer, created_at, at, events, new_events, file, "
                     "summary) VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?)",
                     (info.bundle_id, info.sender, info.created_at, now_text(desk), report.events,
                      report.new_events, str(opened.path), json.dumps(summary)))
    return report


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
        if cert.issuer_key == mine.key_id and cert.key_id not in revoked:
            if cert.code not in children or cert.issued_at > children[cert.code].issued_at:
                children[cert.code] = cert
    result += [(children[c], "down") for c in sorted(children)]
    return result


def export_bundle(desk: Desk, to_code: str, out: Path, progress: Progress | None = None) -> bundle.ExportResult:
    """Write a bundle for the parent or a child: everything it has not acknowledged yet."""
    me, mine = require_chain(desk)
    to_code = to_code.strip().upper()
    match = [(c, d) for c, d in peers(desk) if c.code == to_code]
    if not match:
        raise DomainError(f"站点 {to_code} 不是本站的上级或直属下级（或已被吊销），不能向其导出同步包")
    receiver, direction = match[0]
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    tree = parents(pool.values())
    own_subtree = subtree(tree, mine.code)
    extra = [c for c in pool.values() if c.code in own_subtree and c.code != mine.code] if direction == "up" else []
    conn = desk.conn
    conn.execute("BEGIN")  # one snapshot for every query of the export
    try:
        plan = bundle.plan_export(conn, mine.code, to_code, direction, own_subtree, subtree(tree, to_code))
        result = bundle.write_bundle(conn, plan, out, bundle.Identity(chain_of(mine, pool), me.key), receiver,
                                     extra, trust.revocations(), desk.blobs, now_text(desk), progress)
    finally:
        conn.execute("ROLLBACK")
    counts = result.manifest["counts"]
    with desk._write({"sync"}, ()) as conn:
        conn.execute("INSERT INTO sync_log (bundle_id, direction, peer, created_at, at, events, new_events, file, "
                     "summary) VALUES (?, 'out', ?, ?, ?, ?, 0, ?, ?)",
                     (result.bundle_id, to_code, result.manifest["created_at"], now_text(desk), counts["events"],
                      str(out), json.dumps(counts)))
    return result
