"""What an account's role may not do is greyed where the window offers it, its tip the refusal's own sentence
naming the role needed; 切换用户 re-judges it at once. Restoring a backup stays open: the backup's own admin is
asked for, not the account signed in."""

from __future__ import annotations

from app.ops.accounts import add_account
from app.ops.desk import Desk
from app.views import account_menu
from app.views.main_window import MainWindow
from app.views.qt import QtGui, QtWidgets
from app.views.report_excel import LedgerExportDialog
from tests.conftest import ADMIN, TEST_PASSWORD
from tests.gui_support import make_window

LEADER_NEEDED = "需要领导或管理员账号登录操作"
ADMIN_NEEDED = "需要管理员账号登录操作"


def switch_to(qtbot, window: MainWindow, user: str) -> None:  # type: ignore[no-untyped-def]
    dialog = account_menu.switch(window)
    dialog.user.setText(user)
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.log_in()


def action(window: MainWindow, name: str) -> QtGui.QAction:
    found = window.findChild(QtGui.QAction, name)
    assert found is not None, name
    return found


def test_each_role_sees_what_it_may_not_do_greyed_with_the_role_it_needs(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    add_account(desk, "wangjz", "leader", TEST_PASSWORD, display="王局长")
    window = make_window(qtbot, desk)
    action(window, "supervise_spot_check").trigger()
    draw = window.supervise_windows["spot_check"].draw_button
    action(window, "sync_stations").trigger()
    stations = window.findChild(QtWidgets.QWidget, "stationsView") or next(
        w for w in window.findChildren(QtWidgets.QWidget) if hasattr(w, "buttons") and "certify" in w.buttons)
    certify = stations.buttons["certify"]
    backup, settings, users, restore = (action(window, n) for n in ("backupAction", "stationSettings",
                                                                     "account_users", "restoreAction"))
    assert all(a.isEnabled() for a in (backup, settings, users, draw, certify)), "an admin may do all of it"

    switch_to(qtbot, window, "lina")
    for target, what, needed in ((backup, "备份本站数据", LEADER_NEEDED), (draw, "抽取督查案件", LEADER_NEEDED),
                                 (settings, "修改本站设置", ADMIN_NEEDED), (users, "管理账号", ADMIN_NEEDED),
                                 (certify, "为下级站点签发证书", ADMIN_NEEDED)):
        assert not target.isEnabled(), what
        assert f"当前账号“李娜（lina）”是经办人，无权{what}：{needed}" in target.toolTip()
    for menu in ("fileMenu", "accountMenu"):
        assert window.menuBar().findChild(QtWidgets.QMenu, menu).toolTipsVisible(), menu
    export = LedgerExportDialog(desk, window)
    assert not export.full_id.isEnabled()
    assert f"无权打印或导出完整身份证号：{LEADER_NEEDED}" in export.full_id.toolTip()
    export.close()
    assert restore.isEnabled(), "a restore is judged by the backup's own admin"

    switch_to(qtbot, window, "wangjz")
    assert backup.isEnabled() and draw.isEnabled() and "无权" not in backup.toolTip() + draw.toolTip()
    assert not settings.isEnabled() and f"是领导，无权修改本站设置：{ADMIN_NEEDED}" in settings.toolTip()
    export = LedgerExportDialog(desk, window)
    assert export.full_id.isEnabled()
    export.close()

    switch_to(qtbot, window, ADMIN)
    assert all(a.isEnabled() for a in (settings, users, certify, backup))
    assert "无权" not in settings.toolTip() + users.toolTip() + certify.toolTip()
    window.close()
