"""First start: set this computer up as a station with its first admin account (the recovery key is shown once),
or open a demo station to try the program. A station set up before accounts existed gets its first admin here."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.demo import DEMO_PASSWORD, DEMO_USER
from app.models.errors import DomainError
from app.models.vocab import LEVELS
from app.ops import long_jobs
from app.ops.desk import Desk, Station
from app.ops.job_process import ProcessJob
from app.ops.session import create_station, has_accounts, open_station
from app.store.files import os_error_message
from app.views.common import demo_folder, error_label, show_error
from app.views.jobs import JobRunner, run_job
from app.views.qt import QtWidgets

DEMO_CASES = 300
DEMO_WORK_SUFFIX = ".part"  # a mark beside the demo's folder while the demo is being made
TEXTS = {
    "title": "信访工作台 — 设置站点",
    "intro": "本机尚未设置站点。请填写本站点的信息（设置后站点代码不能更改，它是本站所有案件编号的开头）"
             "和第一个管理员账号，或者先打开演示站点试用。",
    "intro_existing": "站点 {code}（{name}）尚未设置账号。请设置第一个管理员账号，以后每一步办理都记在登录的账号名下。",
    "code": "站点代码",
    "code_hint": "行政区划代码，如 331002001（县6位，乡镇9位）",
    "code_tip": "同一乡镇有两台以上电脑办理时，第一台用乡镇代码，第二台起在乡镇代码后加两位电脑编号，"
                "如 33100200102（第2台），各自向县里入网认证、各自编号，通过县里同步后彼此看得到对方的案件。",
    "name": "站点名称",
    "name_hint": "如 新河镇信访办",
    "level": "级别",
    "admin": "管理员账号",
    "admin_hint": "登录用的账号，如 zhangli",
    "display": "显示名",
    "display_hint": "记入每一步办理的姓名，如 张丽",
    "password": "密码",
    "password_hint": "至少8个字符",
    "again": "再输一次",
    "mismatch": "两次输入的密码不一致",
    "save": "设置站点(&S)",
    "demo": "打开演示站点(&D)",
    "demo_tip": "演示站点放在单独的文件夹（{folder}），与本站数据互不相干；随时可从“文件 → 离开演示站点”回来",
    "quit": "退出",
    "progress": "正在生成演示站点（{n} 件案件）…",
}


class SetupDialog(QtWidgets.QDialog):
    """Accepted once the data folder holds a station with accounts; ``desk`` is it, the admin signed in, and
    ``recovery_key`` the text to show once (empty for the demo station)."""

    def __init__(self, data_dir: Path, parent: QtWidgets.QWidget | None = None, demo_cases: int = DEMO_CASES,
                 existing: Station | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle(TEXTS["title"])
        self.data_dir, self.demo_cases, self.existing = Path(data_dir), demo_cases, existing
        self.desk: Desk | None = None
        self.recovery_key = ""
        intro = QtWidgets.QLabel(TEXTS["intro_existing"].format(code=existing.code, name=existing.name)
                                 if existing else TEXTS["intro"])
        intro.setWordWrap(True)
        self.code = self._line("codeField", "code_hint")
        self.code.setToolTip(TEXTS["code_tip"])
        self.name = self._line("nameField", "name_hint")
        self.level = QtWidgets.QComboBox()
        self.level.setObjectName("levelField")
        for code, label in LEVELS.items():
            self.level.addItem(label, code)
        self.admin = self._line("adminField", "admin_hint")
        self.display = self._line("displayField", "display_hint")
        self.password = self._line("passwordField", "password_hint", secret=True)
        self.again = self._line("againField", "", secret=True)
        form = QtWidgets.QFormLayout()
        rows: list[tuple[str, QtWidgets.QWidget]] = [("admin", self.admin), ("display", self.display),
                                                     ("password", self.password), ("again", self.again)]
        if existing is None:
            rows = [("code", self.code), ("name", self.name), ("level", self.level), *rows]
        for key, widget in rows:
            form.addRow(TEXTS[key] + "：", widget)
        self.error = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.demo_button = buttons.addButton(TEXTS["demo"], QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setAutoDefault(False)
        self.demo_button.setVisible(existing is None)
        self.demo_button.setToolTip(TEXTS["demo_tip"].format(folder=demo_folder(self.data_dir)))
        buttons.addButton(TEXTS["quit"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.demo_button.clicked.connect(self.open_demo)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.runner: JobRunner | None = None
        (self.admin if existing else self.code).setFocus()

    @staticmethod
    def _line(name: str, hint: str, *, secret: bool = False) -> QtWidgets.QLineEdit:
        line = QtWidgets.QLineEdit()
        line.setObjectName(name)
        if hint:
            line.setPlaceholderText(TEXTS[hint])
        if secret:
            line.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        return line

    def save(self) -> None:
        if self.password.text() != self.again.text():
            show_error(self.error, TEXTS["mismatch"])
            return
        station = self.existing
        code, name, level = ((station.code, station.name, station.level) if station else
                             (self.code.text().strip(), self.name.text(), str(self.level.currentData())))
        try:
            self.desk, self.recovery_key = create_station(self.data_dir, code, name, level, self.admin.text(),
                                                          self.password.text(), self.display.text())
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.accept()

    def open_demo(self) -> None:
        """Open the demo station in its own folder beside this one (``desk``, signed in with the demo's public
        account), generating it the first time as a job with progress and 取消. While it is made a mark lies beside
        its folder: 取消 or a fault remove the folder, and a folder found with its mark (the program was killed
        while making it) is made again, so there is never a half-made demo (which would open empty). This folder
        stays untouched."""
        folder = demo_folder(self.data_dir)
        mark = folder.with_name(folder.name + DEMO_WORK_SUFFIX)
        try:
            if mark.exists():  # what a killed program left of an earlier try
                _remove_folder(folder)
                mark.unlink()
            if has_accounts(folder):
                self._open_made_demo(folder)
                return
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()
        except DomainError as err:
            show_error(self.error, str(err))
            return
        except OSError as err:
            show_error(self.error, os_error_message(err, folder))
            return
        cases, label = self.demo_cases, TEXTS["progress"].format(n=self.demo_cases)

        def done(_count: int) -> None:
            mark.unlink(missing_ok=True)
            self._open_made_demo(folder)

        def abandon() -> None:
            _remove_folder(folder)
            mark.unlink(missing_ok=True)

        def refused(text: str) -> None:
            abandon()
            show_error(self.error, text)

        # Made whole in a process of its own (the station's keys, its store, 100,000 cases), opened when done.
        self.runner = run_job(None, label, ProcessJob(long_jobs.new_demo, folder, cases, label), parent=self,
                              done=done, failed=refused, log_dir=self.data_dir)
        self.runner.cancelled.connect(abandon)

    def _open_made_demo(self, folder: Path) -> None:
        try:
            self.desk = open_station(folder, DEMO_USER, DEMO_PASSWORD)
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.accept()


def _remove_folder(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
