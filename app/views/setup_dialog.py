"""First start: set this computer up as a station, or open a demo station to try the program."""

from __future__ import annotations

from app.demo import generate_demo
from app.models.errors import DomainError
from app.models.vocab import LEVELS
from app.ops.desk import Desk
from app.views.common import demo_folder, error_label, show_error
from app.views.qt import Qt, QtWidgets

DEMO_CASES = 300
TEXTS = {
    "title": "信访工作台 — 设置站点",
    "intro": "本机尚未设置站点。请填写本站点的信息（设置后站点代码不能更改，它是本站所有案件编号的开头），"
             "或者先打开演示站点试用。",
    "code": "站点代码",
    "code_hint": "行政区划代码，如 331002001（县6位，乡镇9位）",
    "name": "站点名称",
    "name_hint": "如 新河镇信访办",
    "level": "级别",
    "handler": "经办人",
    "handler_hint": "您的姓名，记入每一步办理",
    "save": "设置站点(&S)",
    "demo": "打开演示站点(&D)",
    "quit": "退出",
    "progress": "正在生成演示站点（{n} 件案件）…",
    "demo_tip": "演示站点放在单独的文件夹（{folder}），与本站数据互不相干；随时可从“文件 → 离开演示站点”回来",
}


class SetupDialog(QtWidgets.QDialog):
    """Accepted once the desk has a station (set up here, or the demo station)."""

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None, demo_cases: int = DEMO_CASES) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle(TEXTS["title"])
        self.desk = desk
        self.demo_cases = demo_cases
        intro = QtWidgets.QLabel(TEXTS["intro"])
        intro.setWordWrap(True)
        self.code = QtWidgets.QLineEdit()
        self.code.setObjectName("codeField")
        self.code.setPlaceholderText(TEXTS["code_hint"])
        self.name = QtWidgets.QLineEdit()
        self.name.setObjectName("nameField")
        self.name.setPlaceholderText(TEXTS["name_hint"])
        self.level = QtWidgets.QComboBox()
        self.level.setObjectName("levelField")
        for code, label in LEVELS.items():
            self.level.addItem(label, code)
        self.handler = QtWidgets.QLineEdit()
        self.handler.setObjectName("handlerField")
        self.handler.setPlaceholderText(TEXTS["handler_hint"])
        form = QtWidgets.QFormLayout()
        for key, widget in (("code", self.code), ("name", self.name), ("level", self.level),
                            ("handler", self.handler)):
            form.addRow(TEXTS[key] + "：", widget)
        self.error = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.demo_button = buttons.addButton(TEXTS["demo"], QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setAutoDefault(False)
        self.demo_button.setToolTip(TEXTS["demo_tip"].format(folder=demo_folder(desk.data_dir)))
        self.opened: Desk | None = None  # the demo station's desk, when the handler chose it
        buttons.addButton(TEXTS["quit"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.demo_button.clicked.connect(self.open_demo)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.code.setFocus()

    def save(self) -> None:
        try:
            self.desk.init_station(self.code.text().strip(), self.name.text(), str(self.level.currentData()),
                                   self.handler.text())
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.accept()

    def open_demo(self) -> None:
        """Open the demo station in its own folder beside this one (``opened``), generating it the first time
        with progress shown (the work runs in this thread, in one transaction). This desk stays untouched."""
        demo = Desk(demo_folder(self.desk.data_dir))
        if demo.station is not None:
            self.opened = demo
            self.accept()
            return
        progress = QtWidgets.QProgressDialog(TEXTS["progress"].format(n=self.demo_cases), "", 0, self.demo_cases,
                                             self)
        progress.setObjectName("demoProgress")
        progress.setCancelButton(None)  # type: ignore[arg-type]
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setValue(0)

        def report(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)

        try:
            generate_demo(demo, self.demo_cases, progress=report)
        except DomainError as err:
            demo.close()
            show_error(self.error, str(err))
            return
        finally:
            progress.close()
        self.opened = demo
        self.accept()
