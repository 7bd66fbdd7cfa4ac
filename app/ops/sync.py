"""Operations of the trust chain: the station's key, enrollment, certificates, revocations, and who is who.

Setting up a county under a city (a township under its county is the same)::

    county: enroll-request --out county.req       → carried to the city (with the fingerprint read out by phone)
    city:   certify county.req --out county.cert  → carried back
    county: install-cert county.cert              (pins the city's root key)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models.divisions import certify_problem
from app.models.errors import DomainError
from app.models.vocab import LEVELS
from app.ops.desk import Desk
from app.store import eventlog
from app.sync import certs, keys, moves, tracking
from app.sync.certs import PARENT_LEVEL, Certificate, EnrollmentRequest, Revocation
from app.sync.trust import TrustStore, ancestors, valid_revocations, verify_chain, when_text

_CODE = re.compile(r"^[A-Z0-9]{2,20}$")


def now_text(desk: Desk) -> str:
    return desk.now().isoformat(timespec="seconds")


@dataclass
class Identity:
    """This station's key and, once installed, its certificate chain (own first, the root last)."""

    key: Ed25519PrivateKey
    chain: list[Certificate]

    @property
    def certificate(self) -> Certificate | None:
        return self.chain[0] if self.chain else None


def chain_of(cert: Certificate, pool: dict[str, Certificate]) -> list[Certificate]:
    return [cert, *(pool[k] for k in ancestors(cert, pool) if k in pool)]


def identity(desk: Desk) -> Identity:
    """The station's key (made on first use) and its chain. A city bureau is its own root: its self-signed
    certificate is made and pinned the first time it is needed."""
    station = desk.require_station()
    key = keys.load_or_create_key(desk.data_dir)
    key_id = keys.key_id(keys.raw_public(key))
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    if key_id not in pool and station.level == "city":
        root = certs.issue(key, None, station.code, station.name, "city", keys.raw_public(key), now_text(desk),
                           keys.raw_public_x(keys.load_or_create_encryption_key(desk.data_dir)))
        with desk._write({"stations"}, ()) as conn:
            TrustStore(conn).pin_root(root)
            TrustStore(conn).store_certificate(root)
        pool[root.key_id] = root
    own = pool.get(key_id)
    return Identity(key, chain_of(own, pool) if own else [])


def require_chain(desk: Desk) -> tuple[Identity, Certificate]:
    me = identity(desk)
    if me.certificate is None:
        raise DomainError("本站尚未安装上级签发的证书：请先生成入网申请（enroll-request），"
                          "由上级签发证书后安装（install-cert）")
    return me, me.certificate


def enroll_request(desk: Desk, out: Path, new_key: bool = False) -> EnrollmentRequest:
    """Write the request a new county or township carries to its parent. ``new_key`` first replaces the
    station's key (after the old one was revoked: a revoked key is never certified again)."""
    desk.require("enroll")
    station = desk.require_station()
    if station.level == "city":
        raise DomainError("市局站点是信任根，无需申请证书")
    # A new key is installed only once its request is written: a request that could not be saved (the stick
    # pulled out) leaves the station with the key it had.
    key = keys.new_key() if new_key else keys.load_or_create_key(desk.data_dir)
    sealing = keys.new_encryption_key() if new_key else keys.load_or_create_encryption_key(desk.data_dir)
    request = EnrollmentRequest(station.code, station.name, station.level, keys.raw_public(key), now_text(desk),
                                keys.raw_public_x(sealing))
    certs.write_document(out, request.document(key))
    if new_key:
        keys.replace_key(desk.data_dir, now_text(desk), key, sealing)
    return request


def read_request(path: Path) -> EnrollmentRequest:
    return EnrollmentRequest.parse(certs.read_document(path, "入网申请文件"))


def certify(desk: Desk, request_path: Path, out: Path) -> Certificate:
    """Issue a certificate for a child station's request and write it, with our chain, for the child."""
    desk.require("certify")
    me, mine = require_chain(desk)
    request = read_request(request_path)
    if PARENT_LEVEL.get(request.level) != mine.level:
        wanted = LEVELS.get(PARENT_LEVEL.get(request.level, ""), "上一级")
        raise DomainError(f"{LEVELS.get(request.level, request.level)}站点 {request.code} 的证书应由"
                          f"{wanted}站点签发，本站是{LEVELS[mine.level]}")
    if not _CODE.match(request.code) or request.code == mine.code:
        raise DomainError(f"申请中的站点代码不正确：{request.code}")
    problem = certify_problem(mine.code, mine.level, request.code, request.level)
    if problem:
        raise DomainError(problem)
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    revoked = valid_revocations(trust.revocations(), pool)
    requested = keys.key_id(request.public_key)
    if requested in revoked:
        raise DomainError(f"站点 {request.code} 的这把密钥已于 {when_text(revoked[requested])} 被吊销，不能再为它签发"
                          "证书：请该站点换一把新密钥生成入网申请（“站点与证书 → 生成入网申请 → 换一把新密钥”，"
                          "命令行 enroll-request --new-key）后再来认证")
    for other in pool.values():
        if other.code == request.code and other.key_id != requested \
                and other.key_id not in revoked:
            raise DomainError(f"站点 {request.code} 已有一份有效证书（另一把密钥）：如该站点换了电脑或密钥丢失，"
                              f"请先吊销旧证书（revoke {request.code}）再签发")
    cert = certs.issue(me.key, mine, request.code, request.name, request.level, request.public_key, now_text(desk),
                       request.encryption_key)
    with desk._write({"stations"}, ()) as conn:
        TrustStore(conn).store_certificate(cert)
    revocations = trust.revocations()
    # The revoked stations' certificates travel with their revocations, so that a station that never knew them
    # (a county set up again on a new computer) can check the revocations and refuse what the old keys signed.
    certs.write_document(out, {"type": certs.CERT_FILE_TYPE, "chain": [c.document() for c in [cert, *me.chain]],
                               "revocations": [r.document() for r in revocations],
                               "certificates": [pool[r.key_id].document() for r in revocations if r.key_id in pool],
                               # How many of the station's own events this one holds already: a station set up
                               # again must get them back (a recovery file) before it numbers anything new.
                               "held": eventlog.head(desk.conn, request.code)[0]})
    return cert


def install_cert(desk: Desk, path: Path) -> Certificate:
    """Install the certificate our parent issued; its root becomes the one root this station trusts."""
    desk.require("install_cert")
    station = desk.require_station()
    key = keys.load_key(desk.data_dir)
    if key is None:
        raise DomainError("本机还没有生成密钥：请先生成入网申请（enroll-request）")
    doc = certs.read_document(path, "证书文件")
    if not isinstance(doc, dict) or doc.get("type") != certs.CERT_FILE_TYPE or not isinstance(doc.get("chain"), list):
        raise DomainError("不是信访工作台的证书文件")
    chain = [Certificate.parse(d) for d in doc["chain"]]
    if not chain:
        raise DomainError("证书文件中没有证书")
    leaf, root = chain[0], chain[-1]
    if leaf.key_id != keys.key_id(keys.raw_public(key)):
        raise DomainError("这份证书不是签发给本机的（证书中的公钥与本机密钥不符）")
    if leaf.encryption_key and keys.key_id(leaf.encryption_key) not in keys.encryption_keys(desk.data_dir):
        raise DomainError("这份证书不是签发给本机的（证书中的加密公钥与本机密钥不符）")
    if (leaf.code, leaf.level) != (station.code, station.level):
        raise DomainError(f"证书签发给站点 {leaf.code}（{LEVELS.get(leaf.level, leaf.level)}），"
                          f"与本站 {station.code}（{LEVELS[station.level]}）不符")
    if not root.is_root:
        raise DomainError("证书文件不完整：缺少市局根证书")
    trust = TrustStore(desk.conn)
    pinned = trust.root_key()
    if pinned is not None and pinned != root.key_id:
        raise DomainError("证书的根证书与本站已信任的根证书不同：本站只信任最初安装的市局根证书")
    revoked_certs = [Certificate.parse(d) for d in doc.get("certificates", []) if isinstance(d, dict)]
    pool = {**{c.key_id: c for c in revoked_certs}, **trust.pool(), **{c.key_id: c for c in chain}}
    revocations = [r for r in (Revocation.parse(d) for d in doc.get("revocations", []) if isinstance(d, dict))
                   if r.key_id in valid_revocations([r], pool)]
    at = now_text(desk)
    verify_chain(leaf, pool, root.key_id, valid_revocations([*trust.revocations(), *revocations], pool), at)
    previous = trust.pool().get(leaf.key_id)
    with desk._write({"stations", "sync"}, ()) as conn:
        store = TrustStore(conn)
        store.pin_root(root)
        for cert in chain:
            store.store_certificate(cert)
        for revocation in revocations:
            store.store_revocation(revocation)
            target = pool[revocation.key_id]
            if _checks_out(target, pool, root.key_id, at):
                store.store_certificate(target)
        if previous is not None and previous.issuer_key != leaf.issuer_key:
            # Certified again by a new key of the parent (a county set up again): what the old one acknowledged
            # may be lost with it, so the next export carries everything again (duplicates do no harm).
            conn.execute("DELETE FROM sync_acked WHERE peer = ?", (leaf.parent,))
        held = doc.get("held", 0)
        if type(held) is int and held > eventlog.head(conn, station.code)[0]:
            tracking.record_acks(conn, leaf.parent, {station.code: held})
    return leaf


def _checks_out(cert: Certificate, pool: dict[str, Certificate], root_key: str, at: str) -> bool:
    try:
        verify_chain(cert, pool, root_key, {}, max(at, cert.not_before))
    except DomainError:
        return False
    return True


def revoke(desk: Desk, code: str, reason: str = "") -> list[Revocation]:
    """Stop trusting a station below us (a lost laptop): files it signs from now on are refused everywhere the
    revocation reaches — it travels in our next bundles, up and down."""
    desk.require("revoke")
    me, mine = require_chain(desk)
    code = code.strip().upper()
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    revoked = valid_revocations(trust.revocations(), pool)
    targets = [c for c in pool.values() if c.code == code and mine.key_id in ancestors(c, pool)]
    if not targets:
        raise DomainError(f"站点 {code} 不在本站之下，或本站不知道它的证书，不能吊销")
    fresh = [c for c in targets if c.key_id not in revoked]
    if not fresh:
        raise DomainError(f"站点 {code} 的证书已全部吊销")
    made = [Revocation.make(me.key, mine, c, reason.strip() or "密钥丢失或设备失窃", now_text(desk)) for c in fresh]
    with desk._write({"stations"}, ()) as conn:
        for revocation in made:
            TrustStore(conn).store_revocation(revocation)
    return made


def _cert_info(cert: Certificate, revoked: dict[str, str]) -> dict[str, Any]:
    return {"code": cert.code, "name": cert.name, "level": cert.level, "level_label": LEVELS.get(cert.level, ""),
            "parent": cert.parent, "fingerprint": cert.fingerprint, "key_id": cert.key_id,
            "issued_at": cert.issued_at, "not_before": cert.not_before, "not_after": cert.not_after,
            "revoked_at": revoked.get(cert.key_id)}


def stations(desk: Desk) -> dict[str, Any]:
    """Who we are, our parent and children, the other stations we know, revocations, and sync history."""
    station = desk.require_station()
    me = identity(desk)
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    revoked = valid_revocations(trust.revocations(), pool)
    mine = me.certificate
    own_public = keys.raw_public(me.key)
    root_key = trust.root_key()
    data: dict[str, Any] = {
        "self": {"code": station.code, "name": station.name, "level": station.level,
                 "level_label": LEVELS[station.level], "fingerprint": keys.fingerprint(own_public),
                 "key_id": keys.key_id(own_public), "certificate": _cert_info(mine, revoked) if mine else None},
        "root": _cert_info(pool[root_key], revoked) if root_key and root_key in pool else None,
        "parent": _cert_info(me.chain[1], revoked) if len(me.chain) > 1 else None,
        "children": sorted((_cert_info(c, revoked) for c in pool.values() if mine and c.issued_by(mine)),
                           key=lambda c: (c["code"], c["issued_at"])),
        "others": sorted((_cert_info(c, revoked) for c in pool.values()
                          if c not in me.chain and not (mine and c.issued_by(mine))),
                         key=lambda c: (c["level"] != "city", c["code"])),
        "revocations": [{"code": r.code, "key_id": r.key_id, "revoked_at": r.revoked_at, "by": r.by,
                         "reason": r.reason} for r in trust.revocations()],
        "moves": [{"code": m.code, "successor": m.successor, "old_county": m.old_county,
                   "new_county": m.new_county, "moved_at": m.moved_at, "reason": m.reason}
                  for m in moves.held(desk.conn)],
    }
    history: dict[str, dict[str, Any]] = {}
    for direction, peer, at, events, new_events in desk.conn.execute(
            "SELECT direction, peer, at, events, new_events FROM sync_log ORDER BY at"):
        slot = "last_export" if direction == "out" else "last_import"
        history.setdefault(peer, {})[slot] = {"at": at, "events": events, "new_events": new_events}
    data["sync"] = history
    return data
