"""What a station trusts: the pinned root, the certificates it knows, revocations, and the station tree they make.

A bundle is trusted when its sender's certificate chains, link by link, up to the root this station pinned when
it installed its own certificate, every link was within its validity dates when the bundle was made, and no link
has been revoked. A revocation counts whatever time the bundle states: that time is the sender's own word, and a
station whose key was lost could otherwise set its clock back and sign on. A revoked county takes the townships it
certified with it, since a lost county key could have certified anything: they are certified again by the
county's new key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from app.models.divisions import certify_problem, root_problem
from app.models.errors import DomainError
from app.models.events import canonical_json
from app.sync import keys
from app.sync.certs import PARENT_LEVEL, Certificate, Revocation

MAX_CHAIN = 6


class TrustStore:
    """The sync tables about trust, read and written inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def root_key(self) -> str | None:
        row = self.conn.execute("SELECT value FROM sync_trust WHERE key = 'root'").fetchone()
        return str(row[0]) if row else None

    def pin_root(self, root: Certificate) -> None:
        pinned = self.root_key()
        if pinned is not None and pinned != root.key_id:
            raise DomainError("证书的根证书与本站已信任的根证书不同：本站只信任最初安装的市局根证书")
        self.conn.execute("INSERT OR IGNORE INTO sync_trust (key, value) VALUES ('root', ?)", (root.key_id,))

    def certificates(self) -> list[Certificate]:
        rows = self.conn.execute("SELECT document FROM sync_certificates ORDER BY code, issued_at")
        return [Certificate.parse(_loads(r[0])) for r in rows]

    def pool(self) -> dict[str, Certificate]:
        return {c.key_id: c for c in self.certificates()}

    def store_certificate(self, cert: Certificate) -> bool:
        """Keep a verified certificate; a renewal of the same key replaces an older one. True when new."""
        row = self.conn.execute("SELECT issued_at FROM sync_certificates WHERE fingerprint = ?",
                                (cert.key_id,)).fetchone()
        if row is not None and row[0] >= cert.issued_at:
            return False
        self.conn.execute(
            "INSERT OR REPLACE INTO sync_certificates (fingerprint, code, name, level, parent, public_key, issued_at, "
            "not_before, not_after, document) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (cert.key_id, cert.code, cert.name, cert.level, cert.parent, keys.b64(cert.public_key), cert.issued_at,
             cert.not_before, cert.not_after, canonical_json(cert.document())))
        return True

    def revocations(self) -> list[Revocation]:
        rows = self.conn.execute("SELECT document FROM sync_revocations ORDER BY revoked_at")
        return [Revocation.parse(_loads(r[0])) for r in rows]

    def store_revocation(self, revocation: Revocation) -> bool:
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO sync_revocations (fingerprint, code, revoked_at, by, reason, document) "
            "VALUES (?,?,?,?,?,?)",
            (revocation.key_id, revocation.code, revocation.revoked_at, revocation.by, revocation.reason,
             canonical_json(revocation.document())))
        return cursor.rowcount > 0


def _loads(text: str) -> object:
    import json

    return json.loads(text)


def when_text(stamp: str) -> str:
    """A certificate or revocation time as people read it: date and time."""
    return stamp[:19].replace("T", " ")


def _revoked_message(leaf: Certificate, link: Certificate, revoked_at: str) -> str:
    who = f"站点 {link.code}（{link.name}）"
    if link.key_id == leaf.key_id:
        return (f"{who}的密钥已于 {when_text(revoked_at)} 被吊销：此后由这把密钥签名的同步包一律不再接受，"
                "无论文件上写的生成时间是哪天。如该站点仍在正常使用，请为它重新认证：该站点换一把新密钥生成入网申请"
                "（“同步 → 站点与证书 → 生成入网申请 → 换一把新密钥”，命令行 enroll-request --new-key），"
                "由上级签发新证书并安装后重新导出。")
    return (f"站点 {leaf.code}（{leaf.name}）的证书链中，{who}的密钥已于 {when_text(revoked_at)} 被吊销："
            f"由这把密钥签发的下级证书（包括 {leaf.code} 的）一并失效，因为丢失的密钥可能被用来签发任何证书。"
            f"请 {link.code} 用新密钥重新入网后，由其新密钥为 {leaf.code} 等下级站点重新签发证书（重新认证），"
            "再重新导出。")


def verify_chain(leaf: Certificate, pool: dict[str, Certificate], root_key: str | None,
                 revoked: dict[str, str], at: str) -> list[Certificate]:
    """The chain from ``leaf`` to the pinned root, checked link by link: validity dates at time ``at``, and no
    link in ``revoked`` at all (whatever ``at`` says). DomainError naming the first broken link otherwise."""
    if root_key is None:
        raise DomainError("本站尚未安装证书（install-cert），还不能验证其他站点的文件")
    chain = [leaf]
    current = leaf
    for _ in range(MAX_CHAIN):
        who = f"站点 {current.code}（{current.name}）"
        if current.key_id in revoked:
            raise DomainError(_revoked_message(leaf, current, revoked[current.key_id]))
        if not current.valid_at(at):
            raise DomainError(f"{who}的证书在 {when_text(at)} 不在有效期内（{when_text(current.not_before)} 至 "
                              f"{when_text(current.not_after)}）")
        if current.is_root:
            if not current.signed_by(current.public_key):
                raise DomainError(f"{who}的根证书签名不正确")
            if current.key_id != root_key:
                raise DomainError(f"{who}的证书不是由本站信任的市局根证书签发的（未知站点）")
            problem = root_problem(current.code)
            if problem:
                raise DomainError(problem)
            return chain
        if current.level == "city" or len(chain) > len(PARENT_LEVEL):
            # Only the root is a city: township → county → city is the whole tree.
            raise DomainError(f"{who}的证书链过长：市局证书只能是根证书，不是本程序签发的证书链")
        issuer = pool.get(current.issuer_key)
        if issuer is None:
            raise DomainError(f"{who}不是本站已知的站点：找不到签发其证书的上级证书（未知站点）")
        if not current.signed_by(issuer.public_key):
            raise DomainError(f"{who}的证书签名不正确（证书被改动或伪造）")
        if issuer.code != current.parent or PARENT_LEVEL.get(current.level) != issuer.level:
            raise DomainError(f"{who}的证书签发关系不正确（应由其上一级站点签发）")
        problem = certify_problem(issuer.code, issuer.level, current.code, current.level)
        if problem:
            raise DomainError(f"{who}的证书不可信：{problem}")
        chain.append(issuer)
        current = issuer
    raise DomainError("证书链过长，不是本程序签发的证书")


def valid_revocations(revocations: Iterable[Revocation], pool: dict[str, Certificate]) -> dict[str, str]:
    """key id → revoked_at, for revocations signed by an ancestor of the revoked key (others are ignored)."""
    result: dict[str, str] = {}
    for revocation in revocations:
        target = pool.get(revocation.key_id)
        signer = pool.get(revocation.by_key)
        if target is None or signer is None or not revocation.signed_by(signer.public_key):
            continue
        if signer.key_id in ancestors(target, pool):
            at = result.get(revocation.key_id)
            result[revocation.key_id] = min(at, revocation.revoked_at) if at else revocation.revoked_at
    return result


def ancestors(cert: Certificate, pool: dict[str, Certificate]) -> list[str]:
    """Key ids above a certificate, nearest first (the root last)."""
    found: list[str] = []
    current = cert
    for _ in range(MAX_CHAIN):
        if current.is_root:
            break
        issuer = pool.get(current.issuer_key)
        if issuer is None or issuer.key_id in found:
            break
        found.append(issuer.key_id)
        current = issuer
    return found


def parents(certs: Iterable[Certificate]) -> dict[str, str]:
    """Station code → its parent's code, from the latest certificate of each station."""
    latest: dict[str, Certificate] = {}
    for cert in certs:
        if cert.code not in latest or cert.issued_at >= latest[cert.code].issued_at:
            latest[cert.code] = cert
    return {code: cert.parent for code, cert in latest.items()}


def subtree(tree: dict[str, str], code: str) -> set[str]:
    """A station and every station below it."""
    result = {code}
    changed = True
    while changed:
        changed = False
        for child, parent in tree.items():
            if parent in result and child not in result:
                result.add(child)
                changed = True
    return result


def rival(cert: Certificate, held: Iterable[Certificate], pool: dict[str, Certificate], revoked: dict[str, str],
          at: str) -> Certificate | None:
    """A certificate held here for the same code under another key that still stands at time ``at`` (neither it
    nor a link above it revoked, not expired): a second certificate for that code is refused wherever it
    arrives, so that no parent can hand a station's code to an impostor."""
    def stands(c: Certificate) -> bool:
        return c.valid_at(at) and c.key_id not in revoked and not any(k in revoked for k in ancestors(c, pool))

    if not stands(cert):  # a revoked certificate travels so that its revocation can be checked: no rival
        return None
    for other in held:
        if other.code == cert.code and other.key_id != cert.key_id and stands(other):
            return other
    return None
