"""Unexpected errors: logged under <data dir>/logs and told in Chinese while the window goes on; in --screenshot
mode the process exits 1 instead of hanging; evidence copies left by a killed run are removed at start."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from app.ops.desk import Desk
from app.views import app as gui_app
from app.views import main_window
from app.views.errors import ErrorReporter
from app.views.evidence_files import clean_stale_exports
from app.views.qt import QtCore, QtWidgets
from tests.conftest import LOGIN_VARIABLES, FakeNow, demo_station, new_station
from tests.gui_support import make_window

ROOT = Path(__file__).resolve().parents[1]


def test_an_error_in_a_slot_is_logged_and_told_in_chinese(qtbot, desk: Desk) -> None:
    window = make_window(qtbot, desk)
    reporter = ErrorReporter(desk.data_dir)
    before = sys.excepthook
    reporter.install()
    try:
        def broken_slot() -> None:
            raise RuntimeError("列表刷新失败")

        with qtbot.waitSignal(reporter.shown, timeout=3000) as shown:
            QtCore.QTimer.singleShot(0, broken_slot)
        box = shown.args[0]
        assert isinstance(box, QtWidgets.QMessageBox) and box.isVisible()
        assert box.windowTitle() == "程序出现意外错误"
        assert box.button(QtWidgets.QMessageBox.StandardButton.Ok).text() == "确定"  # Qt's own texts in Chinese
        log = desk.data_dir / "logs" / f"error-{time.strftime('%Y%m%d')}.log"
        assert box.text().startswith("程序出现意外错误，刚才的操作可能没有完成。")
        assert str(log) in box.text() and "您的数据已保存" in box.text()
        written = log.read_text(encoding="utf-8")
        assert "in broken_slot" in written and "RuntimeError（说明" in written

        # A second error while the box is open is logged and counted in the same box, not a second box.
        with qtbot.waitSignal(reporter._report, timeout=3000):
            QtCore.QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: "此后又出现 1 次错误" in box.text(), timeout=3000)
        assert log.read_text(encoding="utf-8").count("RuntimeError（说明") == 2
        assert window.isVisible(), "the window goes on"
        box.accept()
    finally:
        reporter.uninstall()
    assert sys.excepthook is before
    window.close()


def test_an_error_in_a_worker_thread_is_shown_by_the_window(qtbot, tmp_path: Path) -> None:
    reporter = ErrorReporter(tmp_path)
    reporter.install()
    try:
        def work() -> None:
            raise ValueError("导入线程出错")

        with qtbot.waitSignal(reporter.shown, timeout=3000) as shown:
            worker = threading.Thread(target=work)
            worker.start()
            worker.join()
        box = shown.args[0]  # made in the GUI thread (the signal is queued): a widget made in the worker would crash
        assert isinstance(box, QtWidgets.QMessageBox) and str(reporter.last_log) in box.text()
        assert "ValueError（说明" in reporter.last_log.read_text(encoding="utf-8")
        box.accept()
    finally:
        reporter.uninstall()


def test_an_error_while_building_the_window_is_told_and_exits_1(qtbot, tmp_path: Path, now: FakeNow,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    desk = new_station(tmp_path / "station", "TZ01", "新河镇信访办", "township", now=now)
    desk.close()

    def broken(*_args: object) -> None:
        raise KeyError("mainSplitter")

    monkeypatch.setattr(main_window, "MainWindow", broken)
    shown: list[str] = []

    def read_and_close() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        assert isinstance(box, QtWidgets.QMessageBox)
        shown.append(box.text())
        box.accept()

    QtCore.QTimer.singleShot(0, read_and_close)  # logged in by the test's PETITION_DESK_USER / _PASSWORD
    before = sys.excepthook
    code = gui_app.run_gui(argparse.Namespace(data_dir=str(tmp_path / "station"), screenshot=None))
    assert code == 1
    assert sys.excepthook is before
    assert "程序出现意外错误" in shown[0] and "logs" in shown[0]
    assert "KeyError（说明" in next((tmp_path / "station" / "logs").glob("error-*.log")).read_text("utf-8")


CHILD = textwrap.dedent("""
    import sys
    from app.views import plugins

    def broken_menu(window):
        raise RuntimeError("菜单安装失败")

    plugins.installers = lambda: [broken_menu]
    from app.cli.main import main
    sys.exit(main(sys.argv[1:]))
""")


def test_an_error_during_a_screenshot_exits_1_instead_of_hanging(tmp_path: Path, now: FakeNow) -> None:
    desk = demo_station(tmp_path / "station", 20, 3, now=now)
    desk.close()
    temp = tmp_path / "tmp"
    stale, fresh = temp / "petition-desk-old1", temp / "petition-desk-now1"
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "照片.png").write_bytes(b"personal")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    shot = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-c", CHILD, "--data-dir", str(tmp_path / "station"), "--screenshot",
                           str(shot)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                               "TMPDIR": str(temp), "PYTHONPATH": str(ROOT), **LOGIN_VARIABLES})
    assert done.returncode == 1, done.stderr
    assert "截图过程中程序出现意外错误" in done.stderr
    assert not shot.exists()
    logs = list((tmp_path / "station" / "logs").glob("error-*.log"))
    assert len(logs) == 1 and "RuntimeError（说明" in logs[0].read_text(encoding="utf-8")
    assert not stale.exists() and fresh.exists(), "evidence copies of a killed run go; a running one's stay"


def test_clean_stale_exports_leaves_other_folders(tmp_path: Path) -> None:
    old = time.time() - 3 * 86400
    for name in ("petition-desk-a", "other-b"):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (old, old))
    (tmp_path / "petition-desk-file").write_text("x")
    os.utime(tmp_path / "petition-desk-file", (old, old))
    assert clean_stale_exports(tmp_path) == [tmp_path / "petition-desk-a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-b", "petition-desk-file"]

