"""A small station tree for sync tests, spelled in administrative division codes: city 331000 (台州市), county
331002 (椒江区), townships 331002001 and 331002002, all enrolled."""

from __future__ import annotations

import io
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.models.errors import DomainError
from app.ops import sync
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.ops.station_setup import FIRST_ADMIN_SETTING, SETUP_EVENTS
from app.store import sealed, vault
from app.store.projection import fingerprint
from app.sync import keys, sealing, workbook
from app.sync.apply import row_hash
from app.sync.container import BundleWriter
from tests.conftest import FakeNow, make_draft, new_station

STATIONS = (("331000", "台州市信访局", "city", None), ("331002", "椒江区信访局", "county", "331000"),
            ("331002001", "新河镇信访办", "township", "331002"), ("331002002", "下陈街道信访办", "township", "331002"))

ALL_CODES = tuple(code for code, _name, _level, _parent in STATIONS)


def enroll(child: Desk, parent: Desk, folder: Path) -> None:
    code = child.require_station().code
    sync.enroll_request(child, folder / f"{code}.req")
    sync.certify(parent, folder / f"{code}.req", folder / f"{code}.cert")
    sync.install_cert(child, folder / f"{code}.cert")


Station = tuple[str, str, str, str | None]  # code, name, level, parent


def set_up(data_dir: Path, now: FakeNow, station: Station, parent: Desk | None, folder: Path) -> Desk:
    """One station set up in ``data_dir`` and enrolled under ``parent`` (the city: its own root)."""
    code, name, level, _parent = station
    desk = new_station(data_dir, code, name, level, now=now)
    if parent is not None:
        enroll(desk, parent, folder)
    else:
        sync.identity(desk)
    return desk


def set_up_again(folder: Path, now: FakeNow, code: str, parent: Desk, revoke: bool = True) -> Desk:
    """The station ``code`` set up again on a new computer (an empty data folder): the station above revokes the
    old key (the laptop was lost) and certifies the new one. The caller closes the desk."""
    if revoke:
        sync.revoke(parent, code, "电脑丢失")
    station = next(s for s in STATIONS if s[0] == code)
    data_dir = folder / f"{code}-new"
    while data_dir.exists():
        data_dir = data_dir.with_name(data_dir.name + "-new")
    return set_up(data_dir, now, station, parent, folder)


def as_earlier_version(desk: Desk) -> None:
    """A station just set up, made as a version before the set-up events would have left it (raw SQL, as no
    operation undoes them): none of its own events, its first admin named by a station setting. The events it
    records next come before its upgrade mark, which its next login writes (app.ops.station_setup)."""
    code = desk.require_station().code
    account = desk.account
    assert account is not None and desk.conn.execute("SELECT count(*) FROM events WHERE origin = ?",
                                                     (code,)).fetchone()[0] == SETUP_EVENTS
    for table in ("events", "checkpoints"):
        desk.conn.execute(f"DROP TRIGGER {table}_append_only_delete")
        desk.conn.execute(f"DELETE FROM {table} WHERE origin = ?", (code,))
        desk.conn.execute(f"CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table} "
                          f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END")
    desk.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (FIRST_ADMIN_SETTING, json.dumps(
        {"name": account.name, "display": account.display, "at": account.created_at}, ensure_ascii=False)))
    desk._settings_cache.clear()


@contextmanager
def station_tree(folder: Path, now: FakeNow, codes: tuple[str, ...] | None = ALL_CODES,
                 stations: tuple[Station, ...] = STATIONS) -> Iterator[dict[str, Desk]]:
    """The stations named (all of ``stations`` for None), set up and enrolled parent first."""
    desks: dict[str, Desk] = {}
    try:
        for code, name, level, parent in stations:
            if codes is not None and code not in codes:
                continue
            desks[code] = set_up(folder / code, now, (code, name, level, parent), desks.get(parent or ""), folder)
        yield desks
    finally:
        for desk in desks.values():
            desk.close()


@contextmanager
def handled_tree(folder: Path, now: FakeNow, codes: tuple[str, ...] = ALL_CODES,
                 photo_bytes: int = 5000) -> Iterator[dict[str, Desk]]:
    """A station tree whose township 331002001 holds one case taken up to a measure with a photo as evidence."""
    with station_tree(folder, now, codes) as desks:
        town = desks["331002001"]
        case_id = new_case(town)
        town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
        town.record(case_id, "accept", {})
        town.record(case_id, "contact", {"note": "电话联系"})
        photo = folder / "photo.png"
        photo.write_bytes(os.urandom(photo_bytes))
        town.handle(case_id, "现场核查", [photo])
        yield desks


def import_refused(desk: Desk, path: Path) -> str:
    """Import a file that must be refused; the store must be exactly as before. Returns the message."""
    before = store_state(desk)
    with pytest.raises(DomainError) as err:
        transfer.import_bundle(desk, path)
    assert store_state(desk) == before
    return str(err.value)


def send(source: Desk, target: Desk, path: Path) -> transfer.ImportResult:
    transfer.export_bundle(source, target.require_station().code, path)
    return transfer.import_bundle(target, path)


def snapshot(desk: Desk) -> tuple[dict[str, str], int, list[tuple[object, ...]]]:
    """What must not change when an import is refused: projections, event count, sync bookkeeping."""
    conn = desk.conn
    sync_rows = [tuple(r) for table in ("sync_certificates", "sync_revocations", "sync_trust", "sync_acked",
                                        "sync_coverage", "sync_log")
                 for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
    return fingerprint(conn), conn.execute("SELECT count(*) FROM events").fetchone()[0], sync_rows


def new_case(desk: Desk, name: str = "王小明") -> str:
    return desk.register_case(make_draft(name=name))


Row = tuple[str, str, str, int, str, str, str, str, str, str, str]


def store_state(desk: Desk) -> tuple[object, ...]:
    """Everything a refused import must leave as it was: ``snapshot``, the row count of every table, every event
    as stored, and the evidence folder's files (an empty folder for them is not a file)."""
    conn = desk.conn
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    events = conn.execute("SELECT * FROM events ORDER BY origin, seq").fetchall()
    blobs = sorted(str(p.relative_to(desk.blobs.root)) for p in desk.blobs.root.rglob("*") if not p.is_dir()) \
        if desk.blobs.root.exists() else []
    return snapshot(desk), counts, events, blobs


CLEAR_FIELDS = ("format", "version", "bundle_id", "direction", "sender", "sender_name", "sender_key", "receiver",
                "receiver_name", "receiver_key", "created_at", "created_ms", "encryption", "sealed", "members")


def _receiver_key(manifest: dict[str, Any]) -> X25519PrivateKey:
    """The private key a sealed bundle was sealed to, from whichever station of the test holds it open."""
    wanted = manifest["encryption"]["recipient_key"]
    for data_dir in list(vault._open):
        _SEEN.update(keys.encryption_keys(data_dir))
    if wanted not in _SEEN:
        raise AssertionError("no station of this test holds the key this bundle was sealed to")
    return _SEEN[wanted]


_SEEN: dict[str, X25519PrivateKey] = {}  # keys of stations a test has closed meanwhile (a child process imports)


def unpack(path: Path) -> tuple[dict[str, Any], dict[str, bytes], X25519PrivateKey]:
    """A bundle as its receiver reads it: the whole manifest (clear and sealed parts), every member in clear
    (evidence under ``evidence/<sha256>``), and the receiver's key."""
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        members = {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "manifest.json"}
    receiver = _receiver_key(manifest)
    key = sealing.open_from(manifest["encryption"], {keys.key_id(keys.raw_public_x(receiver)): receiver})
    assert key is not None
    manifest.update(sealing.open_manifest(key, manifest["sealed"]))
    names = {sealing.evidence_member(key, sha): f"evidence/{sha}" for sha in manifest["evidence"]}
    plain = {}
    for name, data in members.items():
        opened = data
        if name == "data.xlsx" or name in names:
            opened = b"".join(sealed.unseal(io.BytesIO(data), key, sealing.member_purpose(name)))
        plain[names.get(name, name)] = opened
    return manifest, plain, receiver


def repack(target: Path, signer: Desk, manifest: dict[str, Any], members: dict[str, bytes],
           receiver: X25519PrivateKey) -> None:
    """Seal ``members`` (as ``unpack`` gives them) to ``receiver`` again and sign with ``signer``'s real key."""
    key, encryption = sealing.seal_to(keys.raw_public_x(receiver))
    evidence = sorted(n.split("/", 1)[1] for n in members if n.startswith("evidence/"))
    contents = {k: v for k, v in manifest.items() if k not in CLEAR_FIELDS}
    contents.setdefault("evidence", evidence)
    clear = {k: v for k, v in manifest.items() if k in CLEAR_FIELDS and k != "members"}
    clear.update(encryption=encryption, sealed=sealing.seal_manifest(key, contents))
    writer = BundleWriter(target)
    for name, data in members.items():
        if name == "data.xlsx":
            writer.add_sealed(name, io.BytesIO(data), len(data), key)
        elif name.startswith("evidence/"):
            writer.add_sealed(sealing.evidence_member(key, name.split("/", 1)[1]), io.BytesIO(data), len(data), key)
        else:
            writer.add_bytes(name, data)
    signing = keys.load_key(signer.data_dir)
    assert signing is not None
    writer.finish(clear, signing)


def bundle_events(path: Path) -> list[Row]:
    """The event rows of a bundle, as import reads them."""
    manifest, members, _ = unpack(path)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "data.xlsx"
        book.write_bytes(members["data.xlsx"])
        return list(workbook.read_events(book, manifest["counts"]["events"]))


def sealed_row(row: Row, **changes: object) -> Row:
    """An event row with some fields changed and its own hash computed again: a well-formed event, so only the
    check aimed at the change can refuse it."""
    names = ("id", "case_id", "origin", "seq", "hlc", "at", "actor", "kind", "payload", "prev_hash", "hash")
    values = dict(zip(names, row, strict=True))
    values.update(changes)
    fresh: Row = tuple(values[n] for n in names)  # type: ignore[assignment]
    return (*fresh[:10], row_hash(fresh))  # type: ignore[return-value]


def resign(source: Path, target: Path, signer: Desk, *, events: list[Row] | None = None,
           manifest: dict[str, object] | None = None, drop: tuple[str, ...] = (),
           replace: dict[str, bytes] | None = None) -> None:
    """The bundle again, changed, and signed with the real sender's key: what a faulty or compromised station
    could send. ``events`` writes a new workbook with those rows (the manifest's event count follows);
    ``manifest`` overrides fields; ``drop`` leaves members out. A new bundle id unless ``manifest`` gives one."""
    replace = dict(replace or {})
    old, members, receiver = unpack(source)
    changed = {**old, "bundle_id": uuid.uuid4().hex, **(manifest or {})}
    if events is not None:
        with tempfile.TemporaryDirectory() as tmp:
            book = Path(tmp) / "data.xlsx"
            longest = max((len(r[8]) for r in events), default=1)
            workbook.write_workbook(book, [("说明", "测试")], [], events, len(events), longest, [], [])
            replace["data.xlsx"] = book.read_bytes()
        changed["counts"] = {**old["counts"], "events": len(events)}
    changed.pop("members")
    kept = {name: replace.get(name, data) for name, data in members.items() if name not in drop}
    if any(name.startswith("evidence/") for name in drop):
        changed["evidence"] = sorted(n.split("/", 1)[1] for n in kept if n.startswith("evidence/"))
    repack(target, signer, changed, kept, receiver)


def vouched(rows: list[Row], signer: Desk) -> dict[str, bytes]:
    """The checkpoints member for ``rows``, signed with ``signer``'s real key at the last event of each origin:
    what a station that signs changed events of its own would send (pass as ``resign(..., replace=...)``)."""
    from app.store import signatures

    key = keys.load_key(signer.data_dir)
    assert key is not None
    last: dict[str, Row] = {}
    for row in rows:
        if row[2] not in last or row[3] > last[row[2]][3]:
            last[row[2]] = row
    lines = [json.dumps(list(signatures.sign(key, r[2], r[3], r[10]).row())) for r in last.values()]
    return {"checkpoints.jsonl": "".join(f"{line}\n" for line in lines).encode()}
