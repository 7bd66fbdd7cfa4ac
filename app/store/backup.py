"""Backup and restore of a whole station: one file, as sealed as the station itself.

A backup is a zip (stored, not compressed: everything in it is encrypted already) holding

    manifest.json   what it is: station code and name, time, and the size of every other member
    station.db      a consistent copy of the store's file as it is on disk, sealed with the master key (and its -wal)
    keyring.json    the master key wrapped per account and by the recovery key (no key in clear)
    blobs/…         the sealed evidence files, as they are

So a backup opens with an admin's password or the recovery key, as the station does, and a finder reads nothing
in it. It is made while the program runs (the store's files copied in under a read transaction, see
``_write_store``; evidence files never change once written), under a temporary name; each member's CRC-32 is taken
from the backup file's own bytes as they are written (``_copy_member_data``); the file is flushed to the disk, its
listing read back and checked member by member (names, sizes, headers) and only then given its name. A restore
checks every byte against those CRCs before it writes anything.
"""

from __future__ import annotations

import contextlib
import errno
import json
import mmap
import os
import sqlite3
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from io import FileIO
from pathlib import Path
from typing import IO, Any

from app.models.errors import DomainError
from app.store import private
from app.store.db import DB_NAME
from app.store.files import os_error_message, output_file

FORMAT = "petition-desk-backup"
KEYRING = "keyring.json"
CHUNK = 1 << 20
BLOCK = 8 << 20  # a backup's copy and check go in blocks this large

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


def _copy_file_range(src: int, dst: int, src_at: int, dst_at: int, count: int) -> int:
    return os.copy_file_range(src, dst, count, src_at, dst_at)  # type: ignore[attr-defined,unused-ignore]


def _sendfile(src: int, dst: int, src_at: int, dst_at: int, count: int) -> int:
    os.lseek(dst, dst_at, os.SEEK_SET)
    return os.sendfile(dst, src, src_at, count)  # type: ignore[attr-defined,unused-ignore]


KernelCopy = Callable[[int, int, int, int, int], int]
# The backup's pages mapped for reading their CRC, all at once where the system can (Linux).
_MAPPED: dict[str, int] = {"flags": mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0), "prot": mmap.PROT_READ} if (
    hasattr(mmap, "PROT_READ")) else {"access": mmap.ACCESS_READ}
# Ways for the kernel to move a file's bytes into another (no copy through this process, as ``cp`` does):
# ``copy_file_range`` on one file system (a reflink where it has them), else ``sendfile`` (any two files, e.g.
# onto a FAT32 stick). Neither on Windows or macOS: there the bytes pass through one buffer of this process.
KERNEL_WAYS: tuple[KernelCopy, ...] = (_copy_file_range, _sendfile)
# Errors that mean "not between these two files" (another file system, no such call), not a failed copy.
_NOT_HERE = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.ENOTSOCK,
             errno.EBADF, errno.EPERM}


def _kernel_copy(ways: list[KernelCopy], src: int, dst: int, src_at: int, dst_at: int, count: int) -> int | None:
    """Up to ``count`` bytes of ``src`` from ``src_at`` into ``dst`` at ``dst_at`` by the first of ``ways`` that
    works between these files (those that do not are dropped from ``ways``); 0 at the end of ``src``, None when
    no way works. A real failure (a full stick, an I/O error) is raised: the backup fails and says why."""
    while ways:
        try:
            return ways[0](src, dst, src_at, dst_at, count)
        except (AttributeError, OSError) as err:
            if isinstance(err, OSError) and err.errno not in _NOT_HERE:
                raise
            ways.pop(0)
    return None


def _copy_member_data(fp: IO[bytes], source: FileIO, progress: Callable[[int], None]) -> tuple[int, int]:
    """``source`` from its start to its end copied into ``fp`` at its position; returns (CRC-32, size).

    The kernel moves the bytes where it can (``_kernel_copy``); a thread of its own meanwhile maps each block of
    the backup file, still in memory, for its CRC-32 (ISA-L) and starts writing it to the disk, so the final
    flush has little left to do. So the CRC is that of the bytes in the backup, whatever a checkpoint
    writes into the store meanwhile (see ``_write_store``). Where the kernel cannot, each block passes through
    one buffer of this process, its CRC taken from that same buffer."""
    fp.flush()
    dst, src, start = fp.fileno(), source.fileno(), fp.tell()
    ways = list(KERNEL_WAYS) if hasattr(os, "sendfile") else []

    def read_back(previous: Future[int] | None, at: int, count: int) -> int:
        crc = previous.result() if previous else 0
        base = at - at % mmap.ALLOCATIONGRANULARITY  # mapped, not copied: the pages the kernel just wrote
        with mmap.mmap(dst, at + count - base, offset=base, **_MAPPED) as pages, memoryview(pages) as mapped:
            with mapped[at - base:] as block:
                crc = _crc32(block, crc)
        if hasattr(os, "posix_fadvise"):  # written out now, and not kept in memory once it is
            os.posix_fadvise(dst, at, count, os.POSIX_FADV_DONTNEED)  # type: ignore[attr-defined,unused-ignore]
        return crc

    size, count, crc = 0, None, 0
    with ThreadPoolExecutor(1, "backup-check") as reader:
        pending: Future[int] | None = None
        while ways and (count := _kernel_copy(ways, src, dst, size, start + size, BLOCK)):
            if pending and pending.done():
                pending.result()  # a failed read stops the copy here
            pending = reader.submit(read_back, pending, start + size, count)  # the blocks in turn
            size += count
            progress(size)
        if pending:
            crc = pending.result()
    if count is None:  # no way in the kernel (any more): the rest through this process
        view = memoryview(bytearray(BLOCK))
        source.seek(size)
        fp.seek(start + size)
        while count := source.readinto(view):
            crc = _crc32(view[:count], crc)
            fp.write(view[:count])
            size += count
            progress(size)
    fp.seek(start + size)
    return crc, size


ALIGN = 4096  # a large member's bytes start on a page of the backup file: the kernel copies whole pages
ALIGN_FROM = 1 << 20
_PADDING = 0xD935  # the extra field's id zipalign uses for padding (readers skip ids they do not know)


def _padding(offset: int, name: str, size: int) -> bytes:
    """The local header's extra field that puts a member's bytes at a multiple of ``ALIGN`` (its header at
    ``offset``, written with a 64-bit sizes field), for members of ``ALIGN_FROM`` bytes and more."""
    if size < ALIGN_FROM:
        return b""
    before = offset + 30 + len(name.encode("utf-8")) + 20 + 6  # the header, its 64-bit field, this field's head
    fill = -before % ALIGN
    return _PADDING.to_bytes(2, "little") + (2 + fill).to_bytes(2, "little") + ALIGN.to_bytes(2, "little") + (
        b"\0" * fill)


def _add_stored(zf: zipfile.ZipFile, name: str, source: Path, progress: Callable[[int], None] = lambda n: None
                ) -> int:
    """``source`` as a stored member ``name``; returns its size. The same bytes zipfile's own writer writes, but
    copied by the kernel where it can, with ISA-L's CRC-32 (``_copy_member_data``) and a large member's bytes
    on a page boundary (``_padding``, in the local header only). The local header is written first with room for
    64-bit sizes, then rewritten in place with the real CRC and sizes (as zipfile itself does on a seekable
    file); this uses the zip object's file and lists, as zipfile's own member writer does."""
    fp = zf.fp
    assert fp is not None
    stat = source.stat()
    info = zipfile.ZipInfo(name, datetime.fromtimestamp(stat.st_mtime).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    info.CRC = info.file_size = info.compress_size = 0
    info.header_offset = fp.tell()
    info.extra = _padding(info.header_offset, name, stat.st_size)
    fp.write(info.FileHeader(zip64=True))
    with source.open("rb", buffering=0) as handle:
        crc, size = _copy_member_data(fp, handle, progress)
    info.CRC, info.file_size, info.compress_size = crc, size, size
    end = fp.tell()
    fp.seek(info.header_offset)
    fp.write(info.FileHeader(zip64=True))
    fp.seek(end)
    info.extra = b""  # the padding is the local header's alone
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
    # Written with no name until whole where the system can (app.store.files.output_file): a backup killed
    # half-way leaves no half gigabyte on the stick.
    with output_file(out) as partial:
        try:
            sources = []
            keyring = Path(data_dir) / KEYRING
            if keyring.exists():
                sources.append((KEYRING, keyring))
            blobs = sorted(p for p in (Path(data_dir) / "blobs").rglob("*")
                           if p.is_file() and not p.name.startswith("."))
            sources += [(p.relative_to(data_dir).as_posix(), p) for p in blobs]
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                members = _write_store(conn, data_dir, zf, say)
                for done, (name, source) in enumerate(sources, start=1):
                    members.append({"name": name, "size": _add_stored(zf, name, source)})
                    say("写入备份", done, len(sources))
                manifest = {"format": FORMAT, "version": 2, "station": station,
                            "created_at": now.isoformat(timespec="seconds"), "members": members}
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            say("写入磁盘", 0, 1)
            with partial.open("rb+") as handle:
                os.fsync(handle.fileno())  # on the disk, not only in memory: a backup the disk lost is none
            say("写入磁盘", 1, 1)
            check_backup(partial, say, whole=False)
        except OSError as err:
            raise DomainError(f"备份失败，未写完的文件已删除：{os_error_message(err, out)}") from None
    _sync_folder(out.parent)
    return BackupResult(out, len(members), out.stat().st_size)


def _sync_folder(folder: Path) -> None:
    """The folder's entry for a file just renamed in it flushed to the disk too (not on Windows: no need)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


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


def check_backup(path: Path, progress: Progress | None = None, *, whole: bool = True) -> dict[str, Any]:
    """Every member is there, with the size the manifest says, its local header where the listing says and its
    bytes inside the file, and (``whole``) the CRC-32 of those bytes as the listing says; returns the manifest.
    Restore checks the whole backup. Right after writing one, ``whole=False``: its CRCs were taken from the
    backup file's own bytes as they were written (``_copy_member_data``), so reading the gigabyte again would
    only find what a restore finds anyway. (The store and the evidence also carry their own authentication:
    SQLCipher's per-page HMAC, each file's AEAD tags.)"""
    say = progress or (lambda stage, done, total: None)
    zf, manifest = _open(path)
    with zf:
        names = {i.filename for i in zf.infolist()} - {"manifest.json"}
        listed = [m for m in manifest["members"] if isinstance(m, dict)]
        if names != {_safe_name(m.get("name")) for m in listed} or DB_NAME not in names:
            raise DomainError("备份文件不完整或被改动过（内容与清单不符）")
        with Path(path).open("rb", buffering=0) as handle:
            end = handle.seek(0, os.SEEK_END)
            for done, member in enumerate(listed, start=1):
                info = zf.getinfo(member["name"])
                if member.get("size") != info.file_size:
                    raise DomainError(f"备份文件已损坏或被改动过：{member['name']} 与清单不符")
                try:
                    start = _member_data(handle, info)
                    if start + info.compress_size > end:
                        raise EOFError(info.filename)
                    if whole and _stored_crc(handle, start, info.compress_size) != info.CRC:
                        raise DomainError(f"备份文件已损坏或被改动过：{member['name']} 校验不符")
                except (zipfile.BadZipFile, OSError, EOFError):
                    raise DomainError(f"备份文件已损坏或被改动过：{member['name']} 无法读取") from None
                say("核对备份", done, len(listed))
    return manifest


def _member_data(handle: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes start, from its local header (which must be there and name it)."""
    if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
        raise zipfile.BadZipFile(info.filename)
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    name_size = int.from_bytes(local[26:28], "little")
    if handle.read(name_size) != info.orig_filename.encode("utf-8"):
        raise zipfile.BadZipFile(info.filename)
    return info.header_offset + 30 + name_size + int.from_bytes(local[28:30], "little")


def _stored_crc(handle: IO[bytes], start: int, length: int) -> int:
    """The CRC-32 of ``length`` bytes of the file from ``start``."""
    handle.seek(start)
    crc = 0
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    while length > 0:
        count = handle.readinto(view[:min(BLOCK, length)])  # type: ignore[attr-defined]
        if not count:
            raise EOFError(start)
        crc = _crc32(view[:count], crc)
        length -= count
    return crc


def require_empty(data_dir: Path) -> None:
    """A restore goes only into a new or empty folder: nothing there is ever overwritten."""
    if data_dir.exists() and any(data_dir.iterdir()):
        raise DomainError(f"恢复的目标文件夹不是空的：{data_dir}。为了不覆盖现有数据，请指定一个新的或空的文件夹")


def describe(path: Path) -> dict[str, Any]:
    """The manifest of a backup (whose station, made when), read without checking its members."""
    zf, manifest = _open(path)
    zf.close()
    return manifest


def restore(path: Path, data_dir: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Put a backup's files into an empty (or new) data folder, checked first; returns the manifest. The store
    opens at the next login with a password of the backup's accounts, or with the recovery key."""
    say = progress or (lambda stage, done, total: None)
    data_dir = Path(data_dir)
    require_empty(data_dir)
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
