"""Actions a role may not use, shown greyed with the refusal's own sentence as their tip.

One rule for every role-gated action of the window (its menus, dialogs and right-click menus): an account
without the right sees the action greyed, its tip naming the role needed (``accounts.refusal``), instead of an
action that is refused only on click. The operations layer still checks every right; this only says so early.
``gate`` registers an action or button with the window so that 切换用户 (``MainWindow.account_changed``)
re-judges it at once through ``regate``.
"""

from __future__ import annotations

from typing import Any

from app.ops.accounts import Account, refusal
from app.ops.desk import Desk
from app.views.qt import QtCore, QtGui, QtWidgets

Gated = QtGui.QAction | QtWidgets.QAbstractButton


def show_right(target: Gated, account: Account | None, right: str, tip: str, usable: bool = True) -> str:
    """Enable ``target`` when ``usable`` and the account has ``right``; its tip is ``tip`` and, when refused, the
    refusal's sentence on a line of its own. Returns the refusal ("" when allowed)."""
    refused = refusal(account, right)
    target.setEnabled(usable and not refused)
    target.setToolTip("\n".join(t for t in (tip, refused) if t))
    return refused


def gate(window: Any, target: Gated, right: str, desk: Desk | None = None) -> None:
    """Judge ``target`` for ``right`` now and again whenever another account signs in to ``window`` (whose
    ``desk`` is the one judged unless another is given)."""
    desk = desk or window.desk
    tip = target.toolTip()
    if isinstance(target, QtGui.QAction) and tip == target.text().replace("&", ""):
        tip = ""  # Qt's tip when none was set: the text itself, already shown in the menu
    gates: list[tuple[Gated, str, str, Desk]] = getattr(window, "role_gates", None) or []
    window.role_gates = gates
    gates.append((target, right, tip, desk))
    if isinstance(target, QtCore.QObject):
        target.destroyed.connect(lambda _obj=None, entry=gates[-1]: gates.remove(entry) if entry in gates else None)
    show_right(target, desk.account, right, tip)


def regate(window: Any) -> None:
    """Judge every gated action again for the account now signed in."""
    for target, right, tip, desk in getattr(window, "role_gates", []):
        show_right(target, desk.account, right, tip)


def tips_shown(menu: QtWidgets.QMenu) -> QtWidgets.QMenu:
    """A menu whose greyed entries say why when pointed at."""
    menu.setToolTipsVisible(True)
    return menu
