"""The main window around the list: filters, sorting by a header, counts, keeping the selection, a county's
station column, menus from other packages, first-start setup, refusal to open a newer file, and --screenshot."""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.demo import generate_demo
from app.ops.desk import Desk, Station
from app.store.db import DB_NAME
from app.store.queries import counts
from app.views import app as gui_app
from app.views import plugins
from app.views.common import real_folder
from app.views.login_dialog import LoginDialog
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtCore, QtGui, QtWidgets
from app.views.recovery_key_dialog import RecoveryKeyDialog
from app.views.setup_dialog import SetupDialog
from tests.conftest import ADMIN, LOGIN_VARIABLES, TEST_PASSWORD, FakeNow, demo_station, login, make_draft, new_station
from tests.gui_support import log_in_when_asked, make_window

ROOT = Path(__file__).resolve().parents[1]


def run_program(home: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``main.py --data-dir DIR ARGS…`` in a process of its own, offscreen, with ``home`` as its home folder."""
    return subprocess.run([sys.executable, "main.py", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(home),
                               **LOGIN_VARIABLES})


@pytest.fixture
def demo_window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    generate_demo(desk, 300, seed=5)
    w = make_window(qtbot, desk)
    yield w
    w.close()


def column_texts(window: MainWindow, key: str) -> list[str]:
    c = window.model.columns.index(key)
    return [window.model.data(window.model.index(r, c)) for r in range(window.model.rowCount())]


def test_the_list_filters_by_colour_and_the_counts_agree(qtbot, demo_window: MainWindow, desk: Desk) -> None:
    figures = counts(desk.conn, desk.today())
    assert demo_window.counts.labels["red"].text() == f"红 {figures['red']}"
    assert demo_window.counts.labels["open"].text() == f"在办 {figures['open']}"
    combo = demo_window.filters.colour
    with qtbot.waitSignal(demo_window.model.refreshed):
        combo.setCurrentIndex(combo.findData("red"))
    assert set(column_texts(demo_window, "colour")) == {"红"}
    assert demo_window.model.rowCount() == figures["red"]
    assert demo_window.counts.shown.text() == f"列表 {figures['red']} 件"
    with qtbot.waitSignal(demo_window.model.refreshed):
        qtbot.mouseClick(demo_window.counts.labels["yellow"], Qt.MouseButton.LeftButton)
    assert set(column_texts(demo_window, "colour")) == {"黄"}


def test_clicking_the_open_and_backlog_counts_lists_what_they_count(qtbot, demo_window: MainWindow,
                                                                    desk: Desk) -> None:
    figures = counts(desk.conn, desk.today())
    assert 0 < figures["backlog"] < figures["open"]
    with qtbot.waitSignal(demo_window.model.refreshed):
        demo_window.views.choose("all")
    assert demo_window.model.rowCount() > figures["open"]
    with qtbot.waitSignal(demo_window.model.refreshed):
        qtbot.mouseClick(demo_window.counts.labels["open"], Qt.MouseButton.LeftButton)
    assert demo_window.model.rowCount() == figures["open"]
    with qtbot.waitSignal(demo_window.model.refreshed):
        qtbot.mouseClick(demo_window.counts.labels["backlog"], Qt.MouseButton.LeftButton)
    assert demo_window.filters.backlog.isChecked()
    assert demo_window.counts.shown.text() == f"列表 {figures['backlog']} 件"
    assert all(demo_window.model.row_data(r)["backlog"] for r in range(demo_window.model.rowCount()))


def test_backlog_and_overdue_filters(qtbot, demo_window: MainWindow) -> None:
    with qtbot.waitSignal(demo_window.model.refreshed):
        demo_window.filters.backlog.setChecked(True)
    assert demo_window.model.rowCount() > 0
    assert all(demo_window.model.row_data(r)["backlog"] for r in range(demo_window.model.rowCount()))
    with qtbot.waitSignal(demo_window.model.refreshed):
        demo_window.filters.clear()
    with qtbot.waitSignal(demo_window.model.refreshed):
        demo_window.filters.overdue.setChecked(True)
    assert demo_window.model.rowCount() > 0
    assert all(t.startswith("逾期") for t in column_texts(demo_window, "days_left"))


def test_clicking_a_header_sorts_the_list(qtbot, demo_window: MainWindow) -> None:
    header = demo_window.case_list.horizontalHeader()
    section = demo_window.model.columns.index("case_id")
    point = QtCore.QPoint(header.sectionViewportPosition(section) + 10, header.height() // 2)
    with qtbot.waitSignal(demo_window.model.refreshed):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    first = column_texts(demo_window, "case_id")
    with qtbot.waitSignal(demo_window.model.refreshed):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    second = column_texts(demo_window, "case_id")
    assert {tuple(first), tuple(second)} == {tuple(sorted(first)), tuple(sorted(first, reverse=True))}


def test_the_selection_stays_on_its_case_when_the_list_refreshes(qtbot, demo_window: MainWindow,
                                                                 desk: Desk) -> None:
    demo_window.case_list.setCurrentIndex(demo_window.model.index(5, 0))
    chosen = demo_window.current_case_id()
    assert demo_window.selected_case_ids() == [chosen]
    with qtbot.waitSignal(demo_window.model.refreshed):
        desk.register_case(make_draft())  # a new case at the top shifts every row down
    assert demo_window.model.case_id_at(demo_window.case_list.currentIndex().row()) == chosen
    assert demo_window.selected_case_ids() == [chosen]


def test_a_county_window_shows_stations(qtbot, tmp_path: Path, now: FakeNow) -> None:
    county = new_station(tmp_path / "county", "TZX", "某县信访局", "county", now=now)
    generate_demo(county, 30, seed=2)
    window = make_window(qtbot, county)
    headers = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(window.model.columnCount())]
    assert "站点" in headers
    assert window.filters.origin is not None and window.filters.origin.findData("TZX") > 0
    assert window.counts.per_origin.text().startswith("各站点在办：本级 ")  # its own cases, by name
    window.close()
    county.close()


def test_menus_and_installers(qtbot, desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[MainWindow] = []
    monkeypatch.setattr(plugins, "installers", lambda: [seen.append])
    window = make_window(qtbot, desk)
    assert seen == [window]
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["文件(&F)", "案件(&C)", "帮助(&H)"]
    shortcuts = {a.objectName(): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["newCase"] == "Ctrl+N" and shortcuts["recordStep"] == "Ctrl+R"
    assert shortcuts["findCase"] == "Ctrl+F"
    window.close()


def test_setup_dialog_sets_up_the_station_with_its_first_admin(qtbot, tmp_path: Path) -> None:
    dialog = SetupDialog(tmp_path / "fresh")
    qtbot.addWidget(dialog)
    dialog.code.setText("台州")
    dialog.save()
    assert dialog.error.text() == ("站点代码须为2至20位字母或数字；要与上下级同步的站点用行政区划代码"
                                  "（县6位，乡镇9位），如 331002001")
    dialog.code.setText("TZ0102")
    dialog.name.setText("新河镇信访办")
    dialog.level.setCurrentIndex(dialog.level.findData("township"))
    dialog.admin.setText("zhangli")
    dialog.display.setText("张丽")
    dialog.password.setText("short")
    dialog.again.setText("short")
    dialog.save()
    assert dialog.error.text() == "密码至少8个字符"
    dialog.password.setText("xinhe-2026")
    dialog.save()
    assert dialog.error.text() == "两次输入的密码不一致"
    dialog.again.setText("xinhe-2026")
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    desk = dialog.desk
    assert desk is not None and desk.station is not None and desk.station.code == "TZ0102"
    assert desk.actor == "张丽（zhangli）" and len(dialog.recovery_key) == 64
    desk.close()
    shown = RecoveryKeyDialog(Station("TZ0102", "新河镇信访办", "township"), dialog.recovery_key)
    qtbot.addWidget(shown)
    assert shown.key.text() == dialog.recovery_key and shown.key.isReadOnly()
    shown.save_sheet(tmp_path / "sheet.pdf")
    assert "已保存" in shown.status.text() and (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
    login(tmp_path / "fresh", "zhangli", "xinhe-2026").close()


def test_setup_dialog_opens_a_demo_station_in_its_own_folder(qtbot, tmp_path: Path) -> None:
    dialog = SetupDialog(tmp_path / "station", demo_cases=20)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    demo = dialog.desk
    assert demo is not None and demo.data_dir == tmp_path / "station-demo"
    assert demo.station is not None and demo.station.code == "DEMO"
    assert demo.actor == "张丽（demo）"  # its public account, one of the demo's handlers
    assert demo.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 20
    assert not (tmp_path / "station").exists() or not any((tmp_path / "station").iterdir())  # untouched

    window = MainWindow(demo)
    qtbot.addWidget(window)
    assert window.windowTitle().startswith("【演示站点 — 数据与本站无关】")
    assert str(tmp_path / "station-demo") in window.windowTitle()
    leave = window.findChild(QtGui.QAction, "leaveDemo")
    window.show()
    leave.trigger()
    assert window.leaving_demo and not window.isVisible()
    assert real_folder(demo.data_dir) == tmp_path / "station"

    demo.close()
    again = SetupDialog(tmp_path / "station", demo_cases=20)  # a second visit opens the same demo, not a new one
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.accepted):
        again.open_demo()
    assert again.desk is not None and again.desk.data_dir == demo.data_dir
    again.desk.close()


def test_a_real_station_has_no_way_to_leave_a_demo(qtbot, desk: Desk) -> None:
    window = MainWindow(desk)
    qtbot.addWidget(window)
    assert window.findChild(QtGui.QAction, "leaveDemo") is None and "演示" not in window.windowTitle()


def test_the_login_dialog_opens_the_station_and_refuses_a_wrong_password(qtbot, tmp_path: Path) -> None:
    new_station(tmp_path / "station").close()
    dialog = LoginDialog(tmp_path / "station")
    qtbot.addWidget(dialog)
    assert dialog.findChild(QtWidgets.QLabel, "loginStation").text() == "站点：新河镇信访办（TZ01，乡镇）"
    dialog.user.setText(ADMIN)
    dialog.password.setText("wrong-password")
    dialog.log_in()
    assert dialog.error.text() == f"账号“{ADMIN}”的密码不正确" and dialog.password.text() == ""
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.log_in()
    assert dialog.desk is not None and dialog.desk.actor == ADMIN
    dialog.desk.close()


def test_the_program_asks_for_a_login_at_start(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new_station(tmp_path / "station").close()
    for name in LOGIN_VARIABLES:
        monkeypatch.delenv(name)
    seen: list[str] = []

    def close_the_window() -> None:
        windows = [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or not windows[0]._menus_installed:  # closed only once loaded, as a person would
            QtCore.QTimer.singleShot(20, close_the_window)
            return
        seen.append(windows[0].desk.actor)
        windows[0].close()

    log_in_when_asked(close_the_window)
    assert gui_app.run_gui(argparse.Namespace(data_dir=str(tmp_path / "station"), screenshot=None)) == 0
    assert seen == [ADMIN]


def test_a_file_from_a_newer_program_is_refused_in_chinese(qtbot, tmp_path: Path) -> None:
    Desk(tmp_path / "newer").close()
    conn = sqlite3.connect(tmp_path / "newer" / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    shown: list[str] = []

    def read_and_close() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        assert isinstance(box, QtWidgets.QMessageBox)
        shown.append(box.text())
        box.accept()

    QtCore.QTimer.singleShot(0, read_and_close)
    code = gui_app.run_gui(argparse.Namespace(data_dir=str(tmp_path / "newer"), screenshot=None))
    assert code == 1
    assert "更新版本的程序创建" in shown[0]


def test_screenshot_writes_the_filled_window(tmp_path: Path, now: FakeNow) -> None:
    desk = demo_station(tmp_path / "station", 40, 4, now=now)
    desk.close()
    shot = tmp_path / "shot.png"
    done = run_program(tmp_path, tmp_path / "station", "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr
    image = QtGui.QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)}
    assert len(colours) > 20, "a real window, not a blank image"


def test_screenshot_of_a_newer_file_says_why_on_stderr_instead_of_waiting_for_a_box(tmp_path: Path) -> None:
    Desk(tmp_path / "newer").close()
    conn = sqlite3.connect(tmp_path / "newer" / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    done = run_program(tmp_path, tmp_path / "newer", "--screenshot", str(tmp_path / "shot.png"))
    assert done.returncode == 1
    assert "更新版本的程序创建" in done.stderr


def test_the_shipped_font_is_the_application_font_and_draws_chinese(qapp) -> None:  # type: ignore[no-untyped-def]
    gui_app.setup_application(qapp)
    font = QtWidgets.QApplication.font()
    assert font.family() == "WenQuanYi Micro Hei"
    metrics = QtGui.QFontMetrics(font)
    assert all(metrics.inFontUcs4(ord(ch)) for ch in "信访工作台登记办结四定四包")


def test_screenshot_without_a_station_is_refused(tmp_path: Path) -> None:
    done = run_program(tmp_path, tmp_path / "empty", "--screenshot", str(tmp_path / "shot.png"))
    assert done.returncode == 1
    assert "尚未设置站点" in done.stderr
    assert not (tmp_path / "shot.png").exists()


def test_typing_a_search_queries_once_after_the_pause(qtbot, demo_window: MainWindow) -> None:
    from tests.gui_support import type_text

    runs: list[int] = []
    demo_window.model.refreshed.connect(runs.append)
    box = demo_window.findChild(QtWidgets.QLineEdit, "caseSearch")
    with qtbot.waitSignal(demo_window.model.refreshed, timeout=2000):
        type_text(box, "王建")
        assert runs == [], "nothing is queried while the handler is still typing"
    assert len(runs) == 1
    assert demo_window.model.case_filter.text == "王建"


def test_the_detail_keeps_its_steps_in_one_row_and_leaves_no_stray_buttons(qtbot, demo_window: MainWindow) -> None:
    """Case after case, the steps offered are one row of buttons (the rest in 更多), and the buttons of the case
    shown before are gone — none comes back as a window of its own."""
    bar = demo_window.detail.action_bar
    demo_window.resize(1000, 600)  # narrow: some steps wait in 更多
    for row in range(4):
        demo_window.case_list.setCurrentIndex(demo_window.model.index(row, 0))
        # A change arriving before the event loop turns (an import, a step recorded elsewhere) rebuilds the row
        # again: the buttons just made were still waiting for the layout to show them.
        demo_window.detail.reload()
        for _turn in range(3):  # what the event loop does next: layouts show their children, deferred deletes
            QtWidgets.QApplication.processEvents()
            QtWidgets.QApplication.sendPostedEvents()
        shown = [b for b in bar.buttons if b.isVisible()]
        assert shown and len({b.y() for b in shown}) == 1 and all(b.objectName().startswith("step_") for b in shown)
        assert bar.more.isVisible() and bar.more.y() == shown[0].y()
        strays = [w.objectName() for w in QtWidgets.QApplication.topLevelWidgets()
                  if isinstance(w, QtWidgets.QAbstractButton) and w.isVisible()]
        assert strays == [], strays


def test_enter_on_a_row_goes_to_its_first_step(qtbot, demo_window: MainWindow) -> None:
    demo_window.case_list.setFocus()
    demo_window.case_list.setCurrentIndex(demo_window.model.index(3, 0))
    qtbot.keyClick(demo_window.case_list, Qt.Key.Key_Return)
    focused = demo_window.detail.focusWidget()
    first = demo_window.detail.action_bar.buttons[0]
    assert focused is first and first.objectName().startswith("step_")


def test_screenshot_of_a_chosen_case_shows_it_and_an_unknown_case_is_refused(tmp_path: Path, now: FakeNow) -> None:
    desk = demo_station(tmp_path / "station", 40, 4, now=now)
    oldest = desk.conn.execute("SELECT case_id FROM cases ORDER BY registered_at LIMIT 1").fetchone()[0]
    desk.close()
    shot = tmp_path / "shot.png"
    done = run_program(tmp_path, tmp_path / "station", "--case", oldest.lower(), "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr
    assert QtGui.QImage(str(shot)).width() >= 800
    assert f"截图已保存：{shot}（显示案件 {oldest}）" in done.stdout

    missing = tmp_path / "missing.png"
    done = run_program(tmp_path, tmp_path / "station", "--case", "DEMO-2020-99999", "--screenshot", str(missing))
    assert done.returncode == 1
    assert "找不到案件：DEMO-2020-99999" in done.stderr
    assert not missing.exists()

