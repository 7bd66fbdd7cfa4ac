"""Backup and restore, the reminder, the backup on exit, and a damaged store found at start."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path

import pytest

from app.cli.main import main
from app.models.errors import DomainError
from app.ops import backup as backup_ops
from app.ops.desk import Desk
from app.store import backup
from app.store.db import DB_NAME
from tests.conftest import FakeNow, make_draft

NAME, ID_NUMBER = "欧阳秘密", "11010519491231002X"


@pytest.fixture
def sealed_desk(desk: Desk) -> Desk:
    return desk  # every station is sealed with its master key from the start


@pytest.fixture
def key(sealed_desk: Desk) -> bytes:
    return sealed_desk.require_master_key()


def _photo(tmp_path: Path) -> Path:
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"photo of " + NAME.encode() * 100)
    return photo


def test_a_backup_made_while_the_station_works_restores_it_whole(sealed_desk: Desk, tmp_path: Path,
                                                                 now: FakeNow, key: bytes) -> None:
    desk = sealed_desk
    case_id = desk.register_case(make_draft(name=NAME, id_number=ID_NUMBER))
    sha, _ = desk.blobs.put_file(_photo(tmp_path))
    out = tmp_path / "stick" / "备份.zip"
    result = backup_ops.make(desk, out)
    assert result.path == out and result.members >= 2
    assert backup_ops.reminder(desk) is None
    data = out.read_bytes()
    for text in (NAME, ID_NUMBER):
        for encoding in ("utf-8", "utf-16-le"):
            assert text.encode(encoding) not in data  # a finder of the stick reads nothing
    desk.register_case(make_draft(name="李四"))  # after the backup: not in it
    desk.close()
    target = tmp_path / "restored"
    manifest = backup.restore(out, target)
    assert manifest["station"] == {"code": "TZ01", "name": "新河镇信访办"}
    # Numbering waits for what the station above may hold of it (app.ops.recovery; test_sync_recovery).
    assert (target / "restored-from-backup").stat().st_mode & 0o077 == 0
    again = Desk(target, now=now, master_key=key)
    try:
        assert again.case(case_id).petitioners[0].name == NAME
        assert again.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
        assert b"".join(again.blobs.read_chunks(sha)) == _photo(tmp_path).read_bytes()
    finally:
        again.close()
    with pytest.raises(DomainError, match="密钥不对"):
        Desk(tmp_path / "restored", now=now, master_key=os.urandom(32))


def test_a_changed_or_cut_backup_and_a_folder_in_use_are_refused(sealed_desk: Desk, tmp_path: Path) -> None:
    sealed_desk.register_case(make_draft())
    out = backup_ops.make(sealed_desk, tmp_path / "b.zip").path
    cut = tmp_path / "cut.zip"
    cut.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    with pytest.raises(DomainError, match="不是信访工作台的备份文件，或文件已损坏"):
        backup.restore(cut, tmp_path / "r1")
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo(DB_NAME)
    damaged = bytearray(out.read_bytes())
    damaged[info.header_offset + 30 + len(info.filename) + len(info.extra) + 5000] ^= 1  # a bit gone bad on the stick
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(damaged))
    with pytest.raises(DomainError, match=f"已损坏或被改动过：{DB_NAME}"):
        backup.restore(changed, tmp_path / "r2")
    assert not (tmp_path / "r2" / DB_NAME).exists()
    with pytest.raises(DomainError, match="不是空的"):
        backup.restore(out, sealed_desk.data_dir)


def test_a_station_not_sealed_is_not_backed_up(tmp_path: Path) -> None:
    plain = Desk(tmp_path / "plain")  # a store as a program before accounts left it
    plain.init_station("TZ01", "新河镇信访办", "township")
    with pytest.raises(DomainError, match="尚未加密|请先登录"):
        backup_ops.make(plain, tmp_path / "b.zip")
    plain.close()
    assert not list(tmp_path.glob("*b.zip*"))


def test_a_backup_changed_on_purpose_and_zipped_again_does_not_open(sealed_desk: Desk, tmp_path: Path,
                                                                     now: FakeNow, key: bytes) -> None:
    sealed_desk.register_case(make_draft())
    out = backup_ops.make(sealed_desk, tmp_path / "b.zip").path
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():  # a new CRC for the changed member: the zip itself looks whole
            data = bytearray(source.read(info))
            if info.filename.startswith(DB_NAME):
                for page in range(0, len(data) - 2100, 4096):
                    data[page + 2000] ^= 1  # a changed byte in every page (of the store and of its log)
            target.writestr(info, bytes(data))
    backup.restore(changed, tmp_path / "r")
    with pytest.raises(DomainError, match="密钥不对，或数据文件已损坏"):  # SQLCipher's HMAC of every page
        Desk(tmp_path / "r", now=now, master_key=key)


def test_a_full_disk_during_a_backup_leaves_no_file(sealed_desk: Desk, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sealed_desk.blobs.put_file(_photo(tmp_path))

    real = backup._add_stored
    written: list[str] = []

    def full(zf: zipfile.ZipFile, name: str, *args: object) -> int:
        if written:  # the store went in; the stick fills up on the next member
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(name)
        return real(zf, name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(backup, "_add_stored", full)
    stick = tmp_path / "stick"
    with pytest.raises(DomainError, match="备份失败，未写完的文件已删除：磁盘空间不足"):
        backup_ops.make(sealed_desk, stick / "b.zip")
    assert list(stick.iterdir()) == []
    assert sealed_desk.setting(backup_ops.LAST_BACKUP) is None


def test_the_reminder_and_the_backup_on_exit_keeping_the_last_ones(sealed_desk: Desk, tmp_path: Path,
                                                                   now: FakeNow) -> None:
    desk = sealed_desk
    assert backup_ops.reminder(desk) is None  # nothing to lose yet
    desk.register_case(make_draft())
    assert "本站还没有备份过" in (backup_ops.reminder(desk) or "")
    folder = tmp_path / "auto"
    backup_ops.set_auto(desk, folder, keep=2)
    for _ in range(3):
        now.advance(minutes=1)
        assert backup_ops.on_exit(desk) is not None
    assert len(list(folder.glob("*.zip"))) == 2
    assert backup_ops.reminder(desk) is None
    now.advance(days=8)
    assert "已超过 7 天" in (backup_ops.reminder(desk) or "")


def test_a_damaged_store_is_told_at_start_with_the_way_back_and_left_as_it_was(sealed_desk: Desk,
                                                                              now: FakeNow, key: bytes) -> None:
    for number in range(30):
        sealed_desk.register_case(make_draft(name=f"王{number}"))
    sealed_desk.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sealed_desk.close()
    path = sealed_desk.data_dir / DB_NAME
    data = bytearray(path.read_bytes())
    data[4096 * 3: 4096 * 4] = os.urandom(4096)  # one page overwritten
    path.write_bytes(bytes(data))
    with pytest.raises(DomainError, match="数据文件已损坏.*可以从备份恢复.*恢复文件"):
        Desk(sealed_desk.data_dir, now=now, master_key=key)
    assert path.read_bytes() == bytes(data)


def test_restore_on_the_command_line(sealed_desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sealed_desk.register_case(make_draft())
    out = backup_ops.make(sealed_desk, tmp_path / "b.zip").path
    target = tmp_path / "new"
    assert main(["--data-dir", str(target), "restore", str(out)]) == 0
    assert "已把 TZ01 新河镇信访办" in capsys.readouterr().out
    assert (target / DB_NAME).exists()
    assert main(["--data-dir", str(target), "restore", str(out)]) == 1
    assert "不是空的" in capsys.readouterr().err


def test_the_window_backs_up_off_its_thread_and_reminds(qtbot, sealed_desk: Desk,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.views import backup_actions
    from app.views.qt import QtWidgets

    told: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "information", lambda parent, title, text: told.append(text))
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("文件")
    backup_actions.install(window, sealed_desk, menu)
    assert [a.text() for a in menu.actions()] == ["备份…", "从备份恢复…"]
    sealed_desk.register_case(make_draft())
    assert "本站还没有备份过" in (backup_actions.remind(window, sealed_desk) or "")
    assert "本站还没有备份过" in window.statusBar().currentMessage()
    runner = backup_actions.start_backup(window, sealed_desk, tmp_path / "b.zip")
    assert runner is not None
    with qtbot.waitSignal(runner.done, timeout=20000):
        pass
    assert (tmp_path / "b.zip").exists() and told and "已备份到" in told[0]
    assert backup_actions.remind(window, sealed_desk) is None


def test_work_goes_on_while_the_store_is_copied_and_the_copy_restores_whole(sealed_desk: Desk, tmp_path: Path,
                                                                          now: FakeNow, key: bytes,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from app.store.integrity import verify
    from tests.conftest import reopen

    monkeypatch.setattr(backup, "BLOCK", 4096)  # many pieces: a case is registered between two of them
    desk = sealed_desk
    for number in range(10):
        desk.register_case(make_draft(name=f"王{'一二三四五六七八九十'[number]}"))
    other = reopen(desk)  # another program on the same station
    other.conn.execute("PRAGMA busy_timeout = 100")  # a writer kept waiting would fail at once
    written: list[str] = []

    def say(stage: str, done: int, total: int) -> None:
        if stage == "复制数据库" and 0 < done < total and not written:
            written.append(other.register_case(make_draft(name="李四")))
            # and the log folded into the main file while it is being copied, as far as the copy's reader allows
            other.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    backup_ops.make(desk, tmp_path / "b.zip", say)
    assert written  # the copy held no lock that kept the other program from registering
    other.close()
    desk.close()
    backup.restore(tmp_path / "b.zip", tmp_path / "r")
    again = Desk(tmp_path / "r", now=now, master_key=key)
    try:
        assert again.conn.execute("SELECT count(*) FROM cases").fetchone()[0] in (10, 11)
        report = verify(again.conn, again.limits, again.blobs, own_public=again.public_key())
        assert report.ok, report.problem
    finally:
        again.close()
