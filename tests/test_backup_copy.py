"""How a backup's bytes get into it: moved by the kernel where it can (copy_file_range, else sendfile), through
the program elsewhere; each way gives a backup that a standard zip reader accepts and that restores whole; a
full stick mid-copy leaves nothing; the check right after writing refuses a backup cut short."""

from __future__ import annotations

import errno
import os
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import backup as backup_ops
from app.ops.desk import Desk
from app.store import backup
from app.store.db import DB_NAME
from tests.conftest import FakeNow, make_draft

NAME = "欧阳秘密"


def _station_with_a_large_photo(desk: Desk, tmp_path: Path) -> tuple[str, str, bytes]:
    case_id = desk.register_case(make_draft(name=NAME))
    photo = tmp_path / "现场.jpg"
    content = os.urandom(1_500_000)  # sealed, over ALIGN_FROM: its bytes start on a page of the backup
    photo.write_bytes(content)
    sha, _ = desk.blobs.put_file(photo)
    return case_id, sha, content


def _counted(way: backup.KernelCopy, calls: list[str]) -> backup.KernelCopy:
    def counted(*args: int) -> int:
        calls.append(way.__name__)
        return way(*args)
    return counted


def _refused(*args: int) -> int:
    raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))  # as copy_file_range onto another file system


WAYS: dict[str, Callable[[list[str]], tuple[backup.KernelCopy, ...]]] = {
    "copy_file_range": lambda calls: (_counted(backup._copy_file_range, calls),),
    "sendfile after copy_file_range refused": lambda calls: (_refused, _counted(backup._sendfile, calls)),
    "through the program": lambda calls: (),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_each_way_of_copying_gives_a_whole_backup_a_zip_reader_accepts(desk: Desk, tmp_path: Path, now: FakeNow,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        way: str) -> None:
    calls: list[str] = []
    monkeypatch.setattr(backup, "KERNEL_WAYS", WAYS[way](calls))
    monkeypatch.setattr(backup, "BLOCK", 64 * 1024)  # several blocks per member
    case_id, sha, content = _station_with_a_large_photo(desk, tmp_path)
    key = desk.require_master_key()
    out = backup_ops.make(desk, tmp_path / "stick" / "备份.zip").path
    assert bool(calls) == (way != "through the program")
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None  # every member's CRC-32 as the listing says
        stored = desk.blobs.path(sha).relative_to(desk.data_dir).as_posix()
        photo = zf.getinfo(stored)
        with out.open("rb") as handle:
            start = backup._member_data(handle, photo)
        assert start % backup.ALIGN == 0 and photo.file_size > backup.ALIGN_FROM
    listing = subprocess.run(["unzip", "-t", str(out)], check=False, capture_output=True, text=True)
    assert listing.returncode == 0 and "No errors detected" in listing.stdout, listing.stdout + listing.stderr
    desk.close()
    backup.restore(out, tmp_path / "restored")
    again = Desk(tmp_path / "restored", now=now, master_key=key)
    try:
        assert again.case(case_id).petitioners[0].name == NAME
        assert b"".join(again.blobs.read_chunks(sha)) == content
    finally:
        again.close()


def test_a_stick_full_during_the_kernel_copy_leaves_nothing(desk: Desk, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _station_with_a_large_photo(desk, tmp_path)

    def full(*args: int) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(backup, "KERNEL_WAYS", (full, backup._sendfile))  # a real failure: no other way tried
    stick = tmp_path / "stick"
    with pytest.raises(DomainError, match="备份失败，未写完的文件已删除：磁盘空间不足"):
        backup_ops.make(desk, stick / "b.zip")
    assert list(stick.iterdir()) == []
    assert desk.setting(backup_ops.LAST_BACKUP) is None


def test_the_check_after_writing_refuses_a_backup_cut_short_and_restore_refuses_a_changed_one(
        desk: Desk, tmp_path: Path) -> None:
    desk.register_case(make_draft(name=NAME))
    out = backup_ops.make(desk, tmp_path / "b.zip").path
    assert backup.check_backup(out, whole=False)["station"]["code"] == "TZ01"
    with zipfile.ZipFile(out) as zf:
        info = max(zf.infolist(), key=lambda i: i.file_size)  # the store or its log
    assert info.filename.startswith(DB_NAME) and info.file_size > 3 * 4096
    with out.open("rb") as handle:
        start = backup._member_data(handle, info)
    data = out.read_bytes()
    # The store's bytes cut short, the listing after it kept (as a copy stopped half-way and then finished).
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[:start + 4096] + data[start + info.file_size - 4096:])
    with pytest.raises(DomainError, match="不是信访工作台的备份文件|已损坏或被改动过"):
        backup.check_backup(cut, whole=False)
    changed = bytearray(data)
    changed[start + 4096] ^= 0xFF
    (tmp_path / "changed.zip").write_bytes(bytes(changed))
    backup.check_backup(tmp_path / "changed.zip", whole=False)  # the listing is whole: only the bytes tell
    with pytest.raises(DomainError, match=f"已损坏或被改动过：{info.filename} 校验不符"):
        backup.restore(tmp_path / "changed.zip", tmp_path / "r")
    assert not (tmp_path / "r" / DB_NAME).exists()
