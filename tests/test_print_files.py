"""Output files (PDF, ledgers, reports) are written whole or not at all; folders are made; a file that cannot be
written is explained in Chinese the same way by the command line and the program."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from app.cli.main import main
from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store.files import output_file, write_bytes
from app.views.qt import QtWidgets
from app.views.report_excel import LedgerExportDialog
from app.views.report_print import PrintPreview
from tests.conftest import make_draft
from tests.gui_support import make_window, open_dialog


def refuse_replace(monkeypatch: pytest.MonkeyPatch, err: OSError) -> None:
    """The moment the finished file would take the target's place fails (Windows: the target is open in Excel)."""
    def replace(src: Any, dst: Any) -> None:
        raise err
    monkeypatch.setattr(os, "replace", replace)


def test_a_failed_write_leaves_the_old_file_and_no_part_file(tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(DomainError, match="磁盘空间不足"), output_file(target) as temp:
        temp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]


def test_folders_are_made_and_a_folder_is_not_a_file(tmp_path: Path) -> None:
    write_bytes(tmp_path / "新" / "三月" / "a.pdf", b"%PDF")
    assert (tmp_path / "新" / "三月" / "a.pdf").read_bytes() == b"%PDF"
    with pytest.raises(DomainError, match="是一个文件夹"):
        write_bytes(tmp_path / "新", b"x")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(DomainError, match="不是文件夹"):
        write_bytes(tmp_path / "plain" / "a.pdf", b"x")


@pytest.mark.parametrize("command", [["print", "TZ01-2026-00001"], ["ledger"], ["report", "daily"]])
def test_every_command_makes_missing_folders(desk: Desk, tmp_path: Path, command: list[str]) -> None:
    desk.register_case(make_draft())
    out = tmp_path / "没有的文件夹" / "子文件夹" / ("out.pdf" if command[0] == "print" else "out.xlsx")
    assert main(["--data-dir", str(desk.data_dir), *command, "--out", str(out)]) == 0
    assert out.stat().st_size > 1000


@pytest.mark.parametrize("command", [["print", "TZ01-2026-00001"], ["ledger"], ["report", "daily"]])
def test_every_command_explains_a_locked_file(desk: Desk, tmp_path: Path, command: list[str],
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    desk.register_case(make_draft())
    out = tmp_path / ("out.pdf" if command[0] == "print" else "out.xlsx")
    refuse_replace(monkeypatch, PermissionError(errno.EACCES, "Permission denied"))
    assert main(["--data-dir", str(desk.data_dir), *command, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "文件被占用或无权写入" in err and "Excel/WPS" in err and "Permission" not in err
    assert list(tmp_path.glob("*.part")) == [] and not out.exists()


def test_export_dialog_explains_a_locked_file_and_gives_the_cursor_back(
        qtbot: Any, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk.register_case(make_draft())
    window = make_window(qtbot, desk)
    dialog = LedgerExportDialog(desk, window)
    dialog.show()
    dialog.save.edit.setText(str(tmp_path / "台账.xlsx"))
    refuse_replace(monkeypatch, PermissionError(errno.EACCES, "Permission denied"))
    dialog.accept()
    with qtbot.waitSignal(dialog.runner.finished, timeout=10000):  # written as a job
        pass
    assert QtWidgets.QApplication.overrideCursor() is None  # no wait cursor left behind
    assert dialog.isVisible()  # still open, to choose another file
    box = open_dialog(dialog, QtWidgets.QMessageBox)
    assert "文件被占用或无权写入，请先在 Excel/WPS" in box.text() and "Permission" not in box.text()
    box.close()
    monkeypatch.undo()
    with qtbot.waitSignal(dialog.finished, timeout=10000):
        dialog.accept()
    assert (tmp_path / "台账.xlsx").exists() and not dialog.isVisible()


def test_export_dialog_explains_an_unexpected_os_error(qtbot: Any, desk: Desk, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = LedgerExportDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save.edit.setText(str(tmp_path / "x.xlsx"))

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EIO, "Input/output error", str(tmp_path / "x.xlsx"))
    monkeypatch.setattr(dialog, "job", lambda: (tmp_path / "x.xlsx", broken))
    dialog.accept()
    with qtbot.waitSignal(dialog.runner.failed, timeout=10000):
        pass
    assert QtWidgets.QApplication.overrideCursor() is None
    box = open_dialog(dialog, QtWidgets.QMessageBox)
    assert "无法写入" in box.text() and "Input/output" not in box.text()


def test_preview_save_explains_a_full_disk(qtbot: Any, desk: Desk, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    preview = PrintPreview(desk, [desk.register_case(make_draft())])
    qtbot.addWidget(preview)
    preview.show()
    refuse_replace(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    assert not preview.save_to(tmp_path / "out" / "a.pdf")
    box = open_dialog(preview, QtWidgets.QMessageBox)
    assert "磁盘空间不足" in box.text()
    assert list((tmp_path / "out").iterdir()) == []  # no half-written PDF, no temporary file
