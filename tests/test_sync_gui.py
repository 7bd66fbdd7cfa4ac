"""The 同步 menu as a person uses it: import with a summary, export with progress, settle a conflict, read the
stations view."""

from __future__ import annotations

from pathlib import Path

from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.views.qt import Qt, QtWidgets
from app.views.sync_conflicts import ConflictsView
from app.views.sync_dialogs import ExportDialog, ImportSummary, start_import
from app.views.sync_stations import StationsView
from tests.conftest import FakeNow, new_station
from tests.gui_support import make_window, open_dialog
from tests.sync_helpers import new_case, station_tree


def test_import_shows_what_came_in_and_the_list_refreshes(qtbot, tmp_path: Path, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        case_id = new_case(d["331002001"])
        transfer.export_bundle(d["331002001"], "331002", tmp_path / "up.zip")
        window = make_window(qtbot, d["331002"])
        assert window.model.rowCount() == 0
        menu = window.findChild(QtWidgets.QMenu, "syncMenu")
        assert [a.text() for a in menu.actions()] == ["导出同步包…", "导入同步包…", "修改冲突…", "站点与证书…"]
        runner = start_import(window.desk, tmp_path / "up.zip", window)
        with qtbot.waitSignal(runner.done, timeout=20000):
            pass
        summary = open_dialog(window, ImportSummary)
        assert "新案件 1 件" in summary.findChild(QtWidgets.QLabel, "importFigures").text()
        assert summary.findChild(QtWidgets.QListWidget, "import_new_cases").item(0).text() == case_id
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
        summary.close()

        runner = start_import(window.desk, tmp_path / "up.zip", window)  # the same file again
        with qtbot.waitSignal(runner.failed, timeout=20000) as failed:
            pass
        assert "导入过" in failed.args[0]
        box = [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()][-1]
        assert "本站数据未作任何改动" in box.text()


def test_export_to_a_chosen_child_with_progress(qtbot, tmp_path: Path, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    with station_tree(tmp_path, now, ("331000", "331002", "331002001", "331002002")) as d:
        case_id = new_case(d["331002001"])
        transfer.import_bundle(d["331002"], transfer.export_bundle(d["331002001"], "331002", tmp_path / "up.zip").path)
        supervision.supervise(d["331002"], case_id, "2026-03-31", "请限期化解")
        window = make_window(qtbot, d["331002"])
        dialog = ExportDialog(window.desk, window)
        qtbot.addWidget(dialog)
        items = [dialog.peer.itemText(i) for i in range(dialog.peer.count())]
        assert items == ["上级：331000 台州市信访局", "下级：331002001 新河镇信访办", "下级：331002002 下陈街道信访办"]
        dialog.peer.setCurrentIndex(1)
        assert Path(dialog.path.text()).name.startswith("同步包_331002_至_331002001_")
        dialog.path.setText(str(tmp_path / "down.zip"))
        dialog.ok.click()
        assert dialog.runner is not None
        with qtbot.waitSignal(dialog.runner.done, timeout=20000):
            pass
        assert dialog.result.manifest["counts"]["events"] == 1
        result = transfer.import_bundle(d["331002001"], tmp_path / "down.zip")
        assert result.report.changed_cases == [case_id]
        assert d["331002001"].case(case_id).steps[-1].origin == "331002"


def test_a_conflict_is_settled_in_the_conflicts_view(qtbot, tmp_path: Path, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "1.zip").path)
        supervision.assign_leader(county, case_id, "陈副县长")
        now.advance(minutes=3)
        supervision.assign_leader(town, case_id, "周镇长")
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "2.zip").path)
        view = ConflictsView(county)
        qtbot.addWidget(view)
        view.show()
        assert view.hard.rowCount() == 1 and view.hard.item(0, 1).text() == "包案领导"
        texts = [view.choices.itemText(i) for i in range(view.choices.count())]
        assert texts[0].startswith("[1] 陈副县长（331002") and texts[1].startswith("[2] 周镇长（331002001")
        view.choices.setCurrentIndex(1)
        # Side by side: ours and theirs, what, when, who.
        headers = [view.compare.horizontalHeaderItem(c).text() for c in range(view.compare.columnCount())]
        assert headers == ["[1] 本站（331002）", "[2] 对方（331002001）"]
        column = [view.compare.item(r, 1).text() for r in range(view.compare.rowCount())]
        assert column[0] == "周镇长" and column[3] == "331002001" and column[1][:4].isdigit()
        view.apply.click()
        box = view.findChild(QtWidgets.QMessageBox, "confirmBox")
        assert "“包案领导”将定为" in box.text() and "周镇长" in box.text()
        qtbot.mouseClick(box.button(QtWidgets.QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        assert view.hard.rowCount() == 0
        assert county.case(case_id).leader == "周镇长" and county.case(case_id).conflicts == []
        view.grab().save(str(tmp_path / "conflicts.png"))


def test_the_stations_view_shows_fingerprints_children_and_revocations(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001", "331002002")) as d:
        view = StationsView(d["331002"])
        qtbot.addWidget(view)
        from app.ops import sync

        text = view.me.text()
        assert "331002 椒江区信访局" in text and sync.stations(d["331002"])["self"]["fingerprint"] in text
        assert "331000 台州市信访局" in view.parent_label.text()
        children = [view.child_table.item(r, 0).text() for r in range(view.child_table.rowCount())]
        assert children == ["331002001", "331002002"]
        view.revoke("331002002", "电脑丢失")
        assert view.child_table.item(1, 5).text().startswith("已吊销")
        assert view.revocations.rowCount() == 1 and view.revocations.item(0, 3).text() == "电脑丢失"
        view.show()
        view.grab().save(str(tmp_path / "stations-view.png"))


def _stations_column(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.detail.timeline_model
    return [model.data(model.index(r, 3)) for r in range(model.rowCount())]


def test_the_timeline_marks_steps_from_above_as_the_viewing_station_sees_them(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county, city = d["331002001"], d["331002"], d["331000"]
        case_id = new_case(town)
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "1.zip").path)
        transfer.import_bundle(city, transfer.export_bundle(county, "331000", tmp_path / "2.zip").path)
        now.advance(minutes=1)
        supervision.supervise(county, case_id, "2026-03-31", "请限期化解")
        now.advance(minutes=1)
        supervision.assign_leader(city, case_id, "陈副市长")
        transfer.import_bundle(county, transfer.export_bundle(city, "331002", tmp_path / "3.zip").path)
        transfer.import_bundle(town, transfer.export_bundle(county, "331002001", tmp_path / "4.zip").path)
        transfer.import_bundle(city, transfer.export_bundle(county, "331000", tmp_path / "5.zip").path)
        seen = {}
        for code, desk in d.items():
            window = make_window(qtbot, desk)
            window.select_case(case_id)
            seen[code] = _stations_column(window)
            window.close()
        assert seen["331002001"] == ["331002001", "331002（上级）", "331000（上级）"]
        assert seen["331002"] == ["331002001", "331002（本站）", "331000（上级）"]  # its own order is not "from above"
        assert seen["331000"] == ["331002001", "331002", "331000（本站）"]


def test_the_stations_view_fits_each_level(qtbot, tmp_path: Path, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        shown = {}
        for code, desk in d.items():
            view = StationsView(desk)
            qtbot.addWidget(view)
            view.show()
            shown[code] = {k for k, b in view.buttons.items() if b.isVisible()}
            if code == "331000":  # the root signs its own certificate: it is not its own child
                assert [view.child_table.item(r, 0).text() for r in range(view.child_table.rowCount())] == ["331002"]
            if code == "331002001":
                assert not view.child_table.isVisible()
                assert "最近导入：" in view.parent_label.text()
            assert not view.hint.isVisible()
            assert not any(b.autoDefault() or b.isDefault() for b in view.buttons.values())
        assert shown == {"331000": {"certify", "revoke", "recovery", "move"},
                         "331002": {"enroll", "install", "certify", "revoke", "recovery", "move"},
                         "331002001": {"enroll", "install"}}
        lone = new_station(tmp_path / "331002009", "331002009", "某镇信访办", "township", now=now)
        view = StationsView(lone)
        qtbot.addWidget(view)
        view.show()
        assert view.hint.isVisible() and "生成入网申请" in view.hint.text()
        view.enroll(tmp_path / "331002009.req", new_key=True, confirmed=True)
        assert (tmp_path / "331002009.req").exists()
        for box in [b for b in view.findChildren(QtWidgets.QMessageBox) if b.isVisible()]:
            box.close()
        lone.close()


def test_an_export_refusal_is_shown_whole(qtbot, tmp_path: Path, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        dialog = ExportDialog(d["331002001"])
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.path.setText(str(tmp_path / "no" / "such" / "folder" / "同步包.zip"))
        dialog.ok.click()
        assert dialog.runner is not None
        with qtbot.waitSignal(dialog.runner.failed, timeout=20000):
            pass
        qtbot.waitUntil(dialog.error.isVisible)
        text = dialog.error.text()
        assert text.startswith("导出失败：找不到要保存到的文件夹") and text.endswith("同步包未导出")
        assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())  # not cut off
        lone = new_station(tmp_path / "331002009", "331002009", "某镇信访办", "township", now=now)
        empty = ExportDialog(lone)
        qtbot.addWidget(empty)
        assert "同步 → 站点与证书" in empty.error.text() and "install-cert" not in empty.error.text()
        lone.close()


def test_the_conflict_line_of_a_case_opens_the_conflicts_view(qtbot, tmp_path: Path, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    from tests.gui_support import make_window

    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "1.zip").path)
        supervision.assign_leader(county, case_id, "陈副县长")
        now.advance(minutes=3)
        supervision.assign_leader(town, case_id, "周镇长")
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "2.zip").path)
        window = make_window(qtbot, county)
        window.select_case(case_id)
        warning = window.detail.warning
        assert warning.isVisible() and "有 1 处修改冲突待处理：包案领导" in warning.text()
        assert 'href="conflicts"' in warning.text()
        warning.linkActivated.emit("conflicts")
        view = window.findChild(ConflictsView)
        assert view is not None and view.isVisible() and view.hard.rowCount() == 1
        view.close()
        window.close()


def test_a_window_banner_counts_the_conflicts_opens_the_view_and_goes_when_settled(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                                  now: FakeNow) -> None:
    from app.views.qt import QtCore
    from tests.gui_support import make_window

    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        first, second = new_case(town), new_case(town, "李四")
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "1.zip").path)
        window = make_window(qtbot, county)
        banner = window.conflict_banner
        assert not banner.isVisible()  # nothing to settle: no banner
        for case_id in (first, second):
            supervision.assign_leader(county, case_id, "陈副县长")
        now.advance(minutes=3)
        for case_id in (first, second):
            supervision.assign_leader(town, case_id, "周镇长")
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "2.zip").path)
        qtbot.waitUntil(banner.isVisible)  # the import itself shows it, whatever case is on screen
        assert "本站有 2 处修改冲突待处理" in banner.text()
        banner.setFocus()
        qtbot.keyClick(banner, QtCore.Qt.Key.Key_Space)  # keyboard as well as the mouse
        view = window.findChild(ConflictsView)
        assert view is not None and view.isVisible() and view.hard.rowCount() == 2
        for _ in range(2):
            view.hard.selectRow(0)
            view.apply.click()
            box = view.findChild(QtWidgets.QMessageBox, "confirmBox")
            qtbot.mouseClick(box.button(QtWidgets.QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
            if view.hard.rowCount():
                qtbot.waitUntil(lambda: "本站有 1 处" in banner.text())
        qtbot.waitUntil(lambda: not banner.isVisible())
        view.close()
        window.close()
