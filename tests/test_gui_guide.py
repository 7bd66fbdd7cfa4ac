"""A newcomer finds their way: the list opens on the cases in hand, saved views, an empty search that says what it
searched, the first steps of a new station, the F1 manual and 关于."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.demo.generator import generate_demo
from app.ops.desk import Desk
from app.store.queries import counts
from app.views.main_window import MainWindow
from app.views.new_case_dialog import NewCaseDialog
from app.views.qt import Qt, QtCore, QtGui, QtWidgets
from tests.gui_support import make_window, open_dialog


@pytest.fixture
def demo_window(qtbot, desk: Desk) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    generate_demo(desk, 200, seed=3)
    window = make_window(qtbot, desk)
    yield window
    window.close()


def rows(window: MainWindow) -> list[dict[str, object]]:
    return [window.model.row_data(r) for r in range(window.model.rowCount())]


def test_the_list_opens_on_the_cases_in_hand(demo_window: MainWindow, desk: Desk) -> None:
    assert demo_window.views.buttons["open"].isChecked()
    assert demo_window.model.rowCount() == counts(desk.conn, desk.today())["open"]
    assert demo_window.model.rowCount() and all(row["colour"] != "none" for row in rows(demo_window))


def test_each_built_in_view_is_one_click(qtbot, demo_window: MainWindow, desk: Desk) -> None:
    today = desk.today().isoformat()
    expected = {
        # A finished case still owing the notice of its end has its limit counted too (its deadline is set).
        "overdue": "SELECT count(*) FROM cases WHERE deadline < ?",
        "due_today": "SELECT count(*) FROM cases WHERE deadline = ?",
        "backlog": "SELECT count(*) FROM cases WHERE finished = 0 AND backlog = 1 AND ? != ''",
        "all": "SELECT count(*) FROM cases WHERE ? != ''",
        "mine": "SELECT count(*) FROM cases WHERE finished = 0 AND ? != '' AND case_id IN "
                "(SELECT case_id FROM steps WHERE actor = '张丽')",
    }
    for key, query in expected.items():
        demo_window.views.buttons[key].click()
        qtbot.waitUntil(lambda k=key: demo_window.views.buttons[k].isChecked())
        want = desk.conn.execute(query, (today,)).fetchone()[0]
        assert demo_window.model.rowCount() == want, key
        assert [b for b in demo_window.views.buttons.values() if b.isChecked()] == [demo_window.views.buttons[key]]
    assert desk.conn.execute(expected["mine"], (today,)).fetchone()[0] > 0  # the demo's handler has cases


def test_a_view_the_handler_arranged_is_saved_and_comes_back(qtbot, demo_window: MainWindow, desk: Desk) -> None:
    filters = demo_window.filters
    with qtbot.waitSignal(demo_window.model.refreshed):
        filters.domain.setCurrentIndex(filters.domain.findData("农业农村"))
    assert not any(b.isChecked() for b in demo_window.views.buttons.values())  # no saved view matches
    shown = demo_window.model.rowCount()
    dialog = demo_window.views.ask_save()
    dialog.setTextValue("农业在办")
    dialog.accept()
    assert demo_window.views.buttons["own:农业在办"].isChecked()
    demo_window.close()

    again = make_window(qtbot, desk)
    assert again.views.buttons["open"].isChecked()  # it still opens on 在办
    with qtbot.waitSignal(again.model.refreshed):
        again.views.buttons["own:农业在办"].click()
    assert again.model.rowCount() == shown and again.filters.domain.currentData() == "农业农村"
    again.views.remove_view("农业在办")
    again.close()
    third = make_window(qtbot, desk)
    assert "own:农业在办" not in third.views.buttons
    third.close()


def test_an_empty_search_says_what_was_searched_and_clears(qtbot, demo_window: MainWindow) -> None:
    with qtbot.waitSignal(demo_window.model.refreshed):
        demo_window.filters.search.setText("查无此人")
    note = demo_window.nothing_found
    assert demo_window.list_stack.currentWidget() is note
    assert "没有符合条件的案件" in note.note.text()
    assert "搜索“查无此人”" in note.note.text() and "状态：在办" in note.note.text()
    with qtbot.waitSignal(demo_window.model.refreshed):
        qtbot.mouseClick(note.clear_button, Qt.MouseButton.LeftButton)
    assert demo_window.list_stack.currentWidget() is demo_window.case_list
    assert demo_window.filters.search.text() == "" and demo_window.views.buttons["all"].isChecked()
    assert demo_window.model.rowCount() == 200


def test_a_new_station_shows_three_first_steps_each_one_click(qtbot, desk: Desk) -> None:
    window = make_window(qtbot, desk)
    steps = window.first_steps
    assert steps is not None and window.list_stack.currentWidget() is steps
    assert [b.text().splitlines()[0] for b in steps.buttons.values()] == ["登记第一件来访", "导入已有台账",
                                                                          "加入县级网络"]
    qtbot.mouseClick(steps.buttons["new"], Qt.MouseButton.LeftButton)
    open_dialog(window, NewCaseDialog).reject()
    qtbot.mouseClick(steps.buttons["import"], Qt.MouseButton.LeftButton)
    wizard = open_dialog(window, QtWidgets.QWizard)
    assert wizard.windowTitle() == "导入台账"
    wizard.reject()
    qtbot.mouseClick(steps.buttons["join"], Qt.MouseButton.LeftButton)
    stations = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                    if w.isVisible() and w.windowTitle() == "站点与证书")
    assert "生成入网申请" in stations.findChild(QtWidgets.QLabel, "stationHint").text()
    stations.close()
    window.close()


def test_f1_opens_the_manual_task_by_task(qtbot, demo_window: MainWindow) -> None:
    demo_window.case_list.setFocus()
    qtbot.keyClick(demo_window.case_list, Qt.Key.Key_F1)
    manual = demo_window.help_window
    assert manual is not None and manual.isVisible()
    chapters = [manual.chapters.item(i).text() for i in range(manual.chapters.count())]
    for task in ("登记一件来访", "记录办理", "四定四包", "打印", "同步", "抽查"):
        assert any(task in title for title in chapters), task
    manual.show_topic("记录办理")
    text = manual.page.toPlainText()
    assert "Ctrl+R" in text and "首先提供下一步" in text
    # Its pictures are the program's own, in the manual's folder, and the page shows them.
    html = manual.page.toHtml()
    assert "images/record-step.png" in html
    document = manual.page.document()
    image = document.resource(QtGui.QTextDocument.ResourceType.ImageResource,
                              document.baseUrl().resolved(QtCore.QUrl("images/record-step.png")))
    assert image is not None and not image.isNull() and image.width() > 400


def test_about_shows_version_data_folder_and_the_fonts_licence(demo_window: MainWindow, desk: Desk) -> None:
    about = demo_window.about()
    text = about.findChild(QtWidgets.QLabel, "aboutText").text()
    assert "版本" in text and str(desk.data_dir) in text
    assert "文泉驿微米黑" in text and "wqy-microhei-LICENSE.txt" in text and "Apache License 2.0" in text
    about.close()


def test_right_click_on_the_list_and_timeline_offers_the_toolbars_actions(qtbot, demo_window: MainWindow) -> None:
    view = demo_window.case_list
    row = 3
    position = view.visualRect(demo_window.model.index(row, 2)).center()
    view.customContextMenuRequested.emit(position)
    menu = demo_window.last_menu
    assert menu is not None and menu.isVisible()
    assert demo_window.current_case_id() == demo_window.model.case_id_at(row)  # the row under the pointer
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["记录办理", "附件", "办结"] and "修改信息…" in texts and "撤销上一步" in texts
    assert any(t.startswith("打印") for t in texts)
    closing = next(a for a in menu.actions() if a.text() == "办结")
    assert closing is demo_window.close_action  # the very action: enabled as the toolbar's is
    menu.close()
    timeline = demo_window.detail.timeline
    timeline.customContextMenuRequested.emit(QtCore.QPoint(5, 5))
    in_timeline = [a.text() for a in demo_window.last_menu.actions() if not a.isSeparator()]
    # The toolbar's actions, then the detail's own: the steps offered by name, 包案领导, 积案, 文书.
    assert in_timeline[:len(texts)] == texts and "包案领导…" in in_timeline and "文书" in in_timeline
    offered = [a.text() for a in demo_window.detail.action_bar.primary]
    assert offered and set(offered) <= set(in_timeline[len(texts):])
    demo_window.last_menu.close()


def test_files_dropped_on_a_case_open_its_evidence_dialog_with_them(qtbot, demo_window: MainWindow,
                                                                     tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.views.step_dialogs import StepDialog

    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    view = demo_window.case_list
    row = 2
    target = demo_window.model.case_id_at(row)
    position = view.visualRect(demo_window.model.index(row, 2)).center()
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(photo))])
    for make in (QtGui.QDragEnterEvent, QtGui.QDragMoveEvent):
        event = make(QtCore.QPointF(position), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(view.viewport(), event)
        assert event.isAccepted()
    before = len(demo_window.desk.case(target).steps)
    drop = QtGui.QDropEvent(QtCore.QPointF(position), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(view.viewport(), drop)
    dialog = open_dialog(demo_window, StepDialog)
    assert dialog.kind == "attach" and dialog.case_id == target == demo_window.current_case_id()
    assert dialog.page.value("files") == [photo]
    assert len(demo_window.desk.case(target).steps) == before  # nothing recorded by the drop alone
    dialog.page.fields["note"].setPlainText("现场照片")
    dialog.submit()
    assert demo_window.desk.case(target).steps[-1].kind == "attach"
    # A folder or a drag without files is refused.
    empty = QtCore.QMimeData()
    enter = QtGui.QDragEnterEvent(QtCore.QPointF(position), Qt.DropAction.CopyAction, empty, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()


def test_the_manual_is_also_a_pdf_with_its_pictures_and_font(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from app.views.manual_pictures import write_pdf

    out = tmp_path / "manual.pdf"
    write_pdf(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manual.pdf"]  # written beside, moved into place
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for chapter in ("登记一件来访", "记录办理", "四定四包", "打印", "同步", "抽查"):
        assert chapter in text, chapter
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYiMicroHei" in fonts and " yes " in fonts.splitlines()[2]  # embedded
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) - 2 >= 6  # every picture of the manual


def test_f1_in_a_dialog_opens_that_tasks_chapter_and_is_not_blocked_by_it(qtbot, demo_window: MainWindow) -> None:
    from app.views.help_window import topic_of

    dialog = demo_window.new_case()
    assert topic_of(dialog) == "登记"
    manual = demo_window.show_help(topic_of(dialog))
    assert manual.chapters.currentItem().text() == "登记一件来访"
    assert manual.parent() is None  # not under the main window, so the open dialog does not block it
    dialog.reject()
    demo_window.close()
    assert not manual.isVisible()  # closes with the main window


def test_the_demo_accounts_own_cases_are_in_its_my_open_cases(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The demo opened as the user opens it (its public account): 我的在办 lists the open cases its account
    registered or handled — a share of the demo's, the same ones each time the demo is made."""
    from app.demo.generator import DEMO_PASSWORD, DEMO_USER, create_demo_station
    from app.ops.session import open_station

    def made(folder: str) -> Desk:
        made = create_demo_station(tmp_path / folder)
        generate_demo(made, 300, seed=3)
        made.close()
        return open_station(tmp_path / folder, DEMO_USER, DEMO_PASSWORD)

    desk = made("demo")
    assert desk.actor == "张丽（demo）"
    window = make_window(qtbot, desk)
    with qtbot.waitSignal(window.model.refreshed):
        window.views.buttons["mine"].click()
    shown = {window.model.case_id_at(r) for r in range(window.model.rowCount())}
    handled = {r[0] for r in desk.conn.execute(
        "SELECT case_id FROM cases WHERE finished = 0 AND case_id IN (SELECT case_id FROM steps WHERE actor = ?)",
        (desk.actor,))}
    open_cases = desk.conn.execute("SELECT count(*) FROM cases WHERE finished = 0").fetchone()[0]
    assert shown == handled and 0.1 * open_cases < len(shown) < 0.4 * open_cases  # about one handler in five
    assert all(row["status"] != "closed" for row in rows(window))
    window.close()
    desk.close()

    again = made("again")  # the same demo, made again
    assert {r[0] for r in again.conn.execute("SELECT DISTINCT case_id FROM steps WHERE actor = ?",
                                             (again.actor,))} >= handled
    again.close()
