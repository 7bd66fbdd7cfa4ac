"""Backup and restore of a whole station: one file, as sealed as the station itself.

A backup is a zip (stored, not compressed: everything in it is encrypted already) holding

    manifest.json   what it is: station code and name, time, and the size of every other member
    station.db      a consistent copy of the store's file as it is on disk, sealed with the master key (and its -wal)
    keyring.json    the master key wrapped per account and by the recovery key (no key in clear)
    blobs/…         the sealed evidence files, as they are

So a backup opens with an admin's password or the recovery key, as the station does, and a finder reads nothing
in it. It is made while the program runs (the store's files streamed in under a read transaction, see
``_write_store``; evidence files never change once written), under a temporary name, read back and checked member
by member (CRC-32 and size) after writing, and only then given its name.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.store import private
from app.store.db import DB_NAME
from app.store.files import os_error_message

FORMAT = "petition-desk-backup"
KEYRING = "keyring.json"
CHUNK = 1 << 20
BLOCK = 4 << 20  # a backup's copy and check read in blocks this large

try:  # ISA-L's CRC-32: several GB/s, where zlib's (zipfile's own) is about 0.7
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # pragma: no cover - a program installed without it is slower, not wrong
    from zlib import crc32 as _crc32
REMIND_DAYS = 7
Progress = Callable[[str, int, int], None]


@dataclass
class BackupResult:
    path: Path
    members: int
    size: int


def _add_stored(zf: zipfile.ZipFile, name: str, source: Path, progress: Callable[[int], None] = lambda n: None
                ) -> int:
    """``source`` as a stored member ``name``, streamed in large blocks; returns its size. The same bytes
    zipfile's own writer writes, but the CRC-32 from ISA-L when it is installed: zipfile computes it with zlib at
    about 0.7 GB/s, the slowest step of a backup. The local header is written first with room for 64-bit sizes,
    then rewritten in place with the real CRC and sizes (as zipfile itself does on a seekable file); this uses the
    zip object's file and lists, as zipfile's own member writer does."""
    fp = zf.fp
    assert fp is not None
    info = zipfile.ZipInfo(name, datetime.fromtimestamp(source.stat().st_mtime).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    info.CRC = info.file_size = info.compress_size = 0
    info.header_offset = fp.tell()
    fp.write(info.FileHeader(zip64=True))
    crc = size = 0
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    with source.open("rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            block = view[:count]
            crc = _crc32(block, crc)
            fp.write(block)
            size += count
            progress(size)
    info.CRC, info.file_size, info.compress_size = crc, size, size
    end = fp.tell()
    fp.seek(info.header_offset)
    fp.write(info.FileHeader(zip64=True))
    fp.seek(end)
    zf.start_dir = end
    zf.filelist.append(info)
    zf.NameToInfo[name] = info
    zf._didModify = True  # type: ignore[attr-defined]
    return size


def _write_store(conn: sqlite3.Connection, data_dir: Path, zf: zipfile.ZipFile, say: Progress
                 ) -> list[dict[str, Any]]:
    """The store's files into the backup as they are on disk (sealed: nothing is decrypted or encrypted again),
    consistent without stopping anyone: under a read transaction of ``conn``, the main file and then its
    write-ahead log are streamed straight into the zip.

    Why that is one consistent store: while a read transaction is open, a checkpoint copies into the main file
    only log frames the transaction can see, and the log is not restarted (its frames are not overwritten), so
    every page the copy of the main file may have caught half-way is in the copied log too. Frames a writer adds
    meanwhile are whole transactions or are dropped when the restored store opens (SQLite checks each frame's
    checksum and takes the log up to its last whole commit). No write lock is held: work goes on."""
    members = []
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts with a read
        sources = [p for p in (Path(data_dir) / DB_NAME, Path(data_dir) / f"{DB_NAME}-wal")
                   if p.exists() and p.stat().st_size]
        total, done = sum(p.stat().st_size for p in sources), 0
        for source in sources:
            def copied(size: int, before: int = done) -> None:
                say("复制数据库", min(before + size, total), total)

            size = _add_stored(zf, source.name, source, copied)
            done += size
            members.append({"name": source.name, "size": size})
    finally:
        conn.execute("ROLLBACK")
    return members


def make_backup(data_dir: Path, conn: sqlite3.Connection, key: bytes | None, station: dict[str, str],
                out: Path, now: datetime, progress: Progress | None = None) -> BackupResult:
    """Write the backup of the station in ``data_dir`` (its store open as ``conn``) to ``out``."""
    say = progress or (lambda stage, done, total: None)
    if key is None:
        raise DomainError("本站数据尚未加密（未登录），不能备份：请登录后再备份")
    out = Path(out)
    if out.is_dir():
        raise DomainError(f"{out} 是一个文件夹：请在其后写上备份文件名，如 {out / '信访工作台备份.zip'}")
    partial = out.with_name(f".{out.name}.part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sources = []
        keyring = Path(data_dir) / KEYRING
        if keyring.exists():
            sources.append((KEYRING, keyring))
        blobs = sorted(p for p in (Path(data_dir) / "blobs").rglob("*") if p.is_file() and not p.name.startswith("."))
        sources += [(p.relative_to(data_dir).as_posix(), p) for p in blobs]
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            members = _write_store(conn, data_dir, zf, say)
            for done, (name, source) in enumerate(sources, start=1):
                members.append({"name": name, "size": _add_stored(zf, name, source)})
                say("写入备份", done, len(sources))
            manifest = {"format": FORMAT, "version": 2, "station": station,
                        "created_at": now.isoformat(timespec="seconds"), "members": members}
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        check_backup(partial, say)
        os.replace(partial, out)
    except OSError as err:
        raise DomainError(f"备份失败，未写完的文件已删除：{os_error_message(err, out)}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return BackupResult(out, len(members), out.stat().st_size)


def _open(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise DomainError(f"找不到备份文件：{path}") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(f"不是信访工作台的备份文件，或文件已损坏、不完整：{path}") from None
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError):
        zf.close()
        raise DomainError(f"不是信访工作台的备份文件，或文件已损坏：{path}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("members"), list):
        zf.close()
        raise DomainError(f"不是信访工作台的备份文件：{path}")
    if manifest.get("version") not in (1, 2):
        zf.close()
        raise DomainError("备份文件是更新版本的程序生成的，请升级信访工作台后再恢复")
    return zf, manifest


def _safe_name(name: Any) -> str:
    """A member name that stays inside the data folder: the store, the keyring, or an evidence file."""
    if not isinstance(name, str) or not (name in (DB_NAME, f"{DB_NAME}-wal", KEYRING) or (
            name.startswith("blobs/") and all(part and part not in (".", "..") for part in name.split("/")[1:])
            and name.count("/") == 2)):
        raise DomainError(f"备份文件中有不属于备份的内容：{str(name)[:80]}")
    return name


def check_backup(path: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Every member is there, whole (its CRC-32), with the size the manifest says; returns the manifest. (The store
    and the evidence also carry their own authentication: SQLCipher's per-page HMAC, each file's AEAD tags.)"""
    say = progress or (lambda stage, done, total: None)
    zf, manifest = _open(path)
    with zf:
        names = {i.filename for i in zf.infolist()} - {"manifest.json"}
        listed = [m for m in manifest["members"] if isinstance(m, dict)]
        if names != {_safe_name(m.get("name")) for m in listed} or DB_NAME not in names:
            raise DomainError("备份文件不完整或被改动过（内容与清单不符）")
        for done, member in enumerate(listed, start=1):
            info = zf.getinfo(member["name"])
            try:
                crc, size = _stored_crc(path, info)
            except (zipfile.BadZipFile, OSError, EOFError):
                raise DomainError(f"备份文件已损坏或被改动过：{member['name']} 无法读取") from None
            if crc != info.CRC:
                raise DomainError(f"备份文件已损坏或被改动过：{member['name']} 校验不符")
            if size != member.get("size") or size != info.file_size:
                raise DomainError(f"备份文件已损坏或被改动过：{member['name']} 与清单不符")
            say("核对备份", done, len(listed))
    return manifest


def _stored_crc(path: Path, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The CRC-32 and length of a stored member's bytes, read where its local header says they are."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise zipfile.BadZipFile(info.filename)
    with Path(path).open("rb", buffering=0) as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(info.filename)
        handle.seek(info.header_offset + 30 + int.from_bytes(local[26:28], "little")
                    + int.from_bytes(local[28:30], "little"))
        crc = size = 0
        left = info.compress_size
        buffer = bytearray(BLOCK)
        view = memoryview(buffer)
        while left > 0:
            count = handle.readinto(view[:min(BLOCK, left)])
            if not count:
                raise EOFError(info.filename)
            crc = _crc32(view[:count], crc)
            size += count
            left -= count
    return crc, size


def restore(path: Path, data_dir: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Put a backup's files into an empty (or new) data folder, checked first; returns the manifest. The store
    opens at the next login with a password of the backup's accounts, or with the recovery key."""
    say = progress or (lambda stage, done, total: None)
    data_dir = Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise DomainError(f"恢复的目标文件夹不是空的：{data_dir}。为了不覆盖现有数据，请指定一个新的或空的文件夹")
    manifest = check_backup(path, say)
    written: list[Path] = []
    try:
        private.secure_folder(data_dir)
        with zipfile.ZipFile(path) as zf:
            for done, member in enumerate(manifest["members"], start=1):
                target = data_dir / member["name"]
                if target.parent != data_dir:
                    private.secure_folder(target.parent)
                private.create_private_file(target)
                written.append(target)
                with zf.open(member["name"]) as source, target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        out.write(chunk)
                say("恢复文件", done, len(manifest["members"]))
    except OSError as err:
        for target in written:
            target.unlink(missing_ok=True)
        raise DomainError(f"恢复失败，已写入的文件已删除：{os_error_message(err, data_dir)}") from None
    # The station numbers nothing until it has what the station above holds of it (app.ops.recovery).
    mark = data_dir / "restored-from-backup"
    private.create_private_file(mark)
    mark.write_text(str(manifest.get("created_at", "")), encoding="utf-8")
    return manifest
