"""Rebuilding a station in the window: the county makes the recovery file from the stations view, the township set
up again imports it through 导入同步包 and reads what came back and what could not."""

from __future__ import annotations

from pathlib import Path

from app.views.qt import QtWidgets
from app.views.sync_dialogs import ImportSummary, start_import
from app.views.sync_stations import StationsView
from tests.conftest import FakeNow, own_seq
from tests.gui_support import make_window, open_dialog
from tests.sync_helpers import new_case, send, set_up_again, station_tree


def test_a_county_makes_a_recovery_file_and_the_new_laptop_imports_it(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        send(town, county, tmp_path / "up.zip")
        now.advance(days=1)
        fresh = set_up_again(tmp_path, now, "331002001", county)
        try:
            view = StationsView(county)
            qtbot.addWidget(view)
            view.show()
            assert view.buttons["recovery"].isVisible()
            assert view.make_recovery(out=tmp_path / "x.zip") is None  # no station chosen: says how
            assert "选中要恢复的站点" in view.error.text()
            rows = [view.child_table.item(r, 0).text() for r in range(view.child_table.rowCount())]
            view.child_table.selectRow(rows.index("331002001"))
            runner = view.make_recovery(out=tmp_path / "recovery.zip")
            assert runner is not None
            with qtbot.waitSignal(runner.done, timeout=20000):
                pass
            box = [b for b in view.findChildren(QtWidgets.QMessageBox) if b.isVisible()][-1]
            assert "已为 331002001（新河镇信访办）制作恢复文件" in box.text() and f"事件 {own_seq(1)} 个" in box.text()

            window = make_window(qtbot, fresh)
            runner = start_import(window.desk, tmp_path / "recovery.zip", window)
            with qtbot.waitSignal(runner.done, timeout=20000):
                pass
            summary = open_dialog(window, ImportSummary)
            text = summary.findChild(QtWidgets.QLabel, "importRecovery").text()
            assert "已从站点 331002 恢复本站数据：新增 1 件案件" in text and "无法恢复" in text
            assert summary.findChild(QtWidgets.QListWidget, "import_new_cases").item(0).text() == case_id
            qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
            summary.grab().save(str(tmp_path / "recovery-summary.png"))
            summary.close()
            window.close()  # before its desk is closed
        finally:
            fresh.close()
