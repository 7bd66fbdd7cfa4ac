"""What takes the case list's place when it has no rows: on a station with no case yet, the three first steps
(register a first case, import an existing ledger, join the county), each one click; on a search or filter that
found nothing, what was searched and a button to clear the filters."""

from __future__ import annotations

from collections.abc import Callable

from app.views.common import escape
from app.views.qt import Qt, QtWidgets

TEXTS = {
    "welcome": "<h2>欢迎使用信访工作台</h2><p>本站还没有案件。从下面任选一步开始：</p>",
    "new": "登记第一件来访\n（Ctrl+N）",
    "new_tip": "信访人来了、来信或来电：填信访人、诉求和事权单位，保存即编号",
    "import": "导入已有台账\n（Excel 信访事项台账）",
    "import_tip": "把本站以前用 Excel 登记的台账一次导入，编号、办理过程随之建立",
    "join": "加入县级网络\n（生成入网申请）",
    "join_tip": "生成入网申请交县信访局签发证书，之后即可与县里用 U 盘交换同步包",
    "help": "不清楚怎么做？按 F1 打开使用手册。",
    "nothing": "没有符合条件的案件。<br>当前条件：{what}",
    "nothing_plain": "没有符合条件的案件。",
    "clear": "清除筛选，显示全部案件",
}


class FirstSteps(QtWidgets.QWidget):
    """The three first steps of a new station."""

    def __init__(self, steps: dict[str, Callable[[], object]], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstSteps")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addStretch(1)
        welcome = QtWidgets.QLabel(TEXTS["welcome"])
        welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        welcome.setWordWrap(True)
        layout.addWidget(welcome)
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for key in ("new", "import", "join"):
            button = QtWidgets.QPushButton(TEXTS[key])
            button.setObjectName(f"firstStep_{key}")
            button.setToolTip(TEXTS[f"{key}_tip"])
            button.setMinimumHeight(button.fontMetrics().height() * 4)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("中") * 10)
            button.clicked.connect(lambda _checked=False, k=key: steps[k]())
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        hint = QtWidgets.QLabel(TEXTS["help"])
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        layout.addStretch(2)


class NothingFound(QtWidgets.QWidget):
    """A search or filter that found no case: what was asked, and a way back to every case."""

    def __init__(self, clear: Callable[[], object], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nothingFound")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addStretch(1)
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("nothingFoundNote")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.clear_button = QtWidgets.QPushButton(TEXTS["clear"])
        self.clear_button.setObjectName("nothingFoundClear")
        self.clear_button.clicked.connect(lambda _checked=False: clear())
        layout.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)

    def show_search(self, what: str) -> None:
        self.note.setText(TEXTS["nothing"].format(what=escape(what)) if what else TEXTS["nothing_plain"])
