"""One dialog for every handling step: the fields each kind needs, and the refusal shown inline in Chinese.

The dialog is non-blocking (``open()``) and stays open when the desk refuses a step, so the handler can correct
the input; on success it closes and the change bus refreshes every view. Enter saves (Shift+Enter for a new line
in a note); with several possible steps, the first field is a choice of step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.models.events import minute_text
from app.models.vocab import (
    CATEGORIES,
    CHECKLIST_ITEMS,
    DEFAULT_PROBLEM_TYPES,
    DISPATCH_MODES,
    EVENT_LABELS,
    LEGAL_ROUTES,
    NOTICE_WAYS,
    NOTICES,
    PURPOSES,
    RATINGS,
    STATUSES,
    TERMINATION_GROUNDS,
)
from app.models.workflow import ALLOWED_FROM, fitting_notices
from app.ops.approval import Approval
from app.ops.desk import Desk
from app.store.stations import StationTree
from app.views.approval_box import ApprovalBox
from app.views.common import ScrollArea, error_label, fitted, grow_to_hint, show_error
from app.views.qt import Qt, QtCore, QtGui, QtWidgets, Signal

# kind → fields (key, label, widget). Widgets: text (note), line, check, rating, days, files.
FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "dispatch": [("mode", "派发方式", "combo"), ("due", "办结报告期限", "date"),
                 ("unit1", "事权单位（属地）", "line"), ("double", "一事双交：同时交市级主管部门", "check"),
                 ("unit2", "市级主管部门", "line"), ("station", "派发到下级站点", "combo"),
                 ("note", "交办意见", "text")],
    "accept": [("unit", "受理单位", "line"), ("note", "受理意见", "text")],
    "object": [("unit", "提出异议的单位", "line"), ("reason", "异议理由及应办单位", "text")],
    "decline": [("reason", "不予受理理由", "text")],
    "agree_objection": [("reason", "审核意见（同意异议，另行转送交办）", "text")],
    "refuse_objection": [("reason", "审核意见（驳回异议，仍由该单位办理）", "text")],
    "no_longer_accept": [("reason", "不再受理理由（与已复核事项为同一事实和理由）", "text")],
    "route_legal": [("reason", "导入法定途径说明（向何机关、通过何程序）", "text")],
    "hearing": [("start", "听证开始日期", "date"), ("end", "听证结束日期", "date"), ("note", "听证情况", "text")],
    "notify": [("notice", "告知事项", "combo"), ("way", "告知方式", "combo"), ("document", "文书编号", "line"),
               ("note", "说明", "text")],
    "completion_report": [("note", "办结报告（办理结果）", "text")],
    "classify": [("category", "诉求分类", "combo"), ("problem_type", "问题类别", "combo"),
                 ("purpose", "信访目的", "combo"), ("legal_route", "解决途径", "combo"),
                 ("repeat", "重复信访（非初信初访）", "check")],
    "contact": [("note", "联系情况", "text")],
    "handle": [("note", "办理措施", "text"), ("files", "佐证材料", "files")],
    "feedback": [("reply", "答复意见", "text")],
    "follow_up": [("rating", "回访评价", "rating"), ("note", "回访情况", "text")],
    "close": [("note", "办结说明", "text")],
    "terminate": [("ground", "法定情形", "combo"), ("reason", "依法终结理由", "text")],
    "extend": [("days", "延期天数", "days"), ("reason", "延期理由（将告知信访人）", "text")],
    "request_review": [("note", "申请复查的理由", "text")],
    "answer_review": [("reply", "复查意见", "text")],
    "request_re_review": [("note", "申请复核的理由", "text")],
    "answer_re_review": [("reply", "复核意见", "text")],
    "annul": [("reason", "撤销理由", "text")],
    "attach": [("files", "佐证材料", "files"), ("note", "说明", "text")],
    "set_leader": [("leader", "包案领导（姓名、职务）", "line")],
    "checklist": [("note", "落实情况（什么措施、什么期限、哪个单位负责）", "text")],
}
TEXTS = {
    "title": "{case_id}：{what}",
    "record": "记录办理",
    "kind": "办理步骤",
    "save": "保存",
    "cancel": "取消",
    "add_files": "添加文件…",
    "remove_file": "移除",
    "choose_files": "选择佐证材料",
    "rating_placeholder": "请选择评价",
    "approve_close": "办结（四定四包未全部完成）",
    "approve_decline": "不予受理（四定四包未全部完成）",
    "approve_terminate": "依法终结（尚未答复，或四定四包未全部完成）",
    "approve_extend": "延期（单位负责人批准）",
    "annul_target": "将撤销：{label}（{at}，{actor}）",
    "hint": "Enter 保存，Shift+Enter 换行，Esc 取消",
    "checklist_what": "四定四包：{label}",
    "when": "发生时间",
    "when_tip": "这一步骤实际发生的日期和时间（如收到来信之日）；期限从此起算，录入时间另行记录",
}
# Choices of each drop-down field: (code stored, text shown).
CHOICES: dict[str, list[tuple[str, str]]] = {
    "mode": [(code, label) for code, label in DISPATCH_MODES.items()],
    "station": [("", "（不派发到其他站点）")],  # and the stations known below this one (StepDialog._prefill)
    "ground": [(g, g) for g in TERMINATION_GROUNDS],
    "notice": [(n, n) for n in NOTICES],
    "way": [(w, w) for w in NOTICE_WAYS],
    "category": [("", "（诉求分类）")] + [(c, c) for c in CATEGORIES],
    "purpose": [("", "（信访目的）")] + [(p, p) for p in PURPOSES],
    "legal_route": [("", "（解决途径）")] + [(r, r) for r in LEGAL_ROUTES],
}


def problem_choices(tree: dict[str, Any]) -> list[tuple[str, str]]:
    """问题类别 as a drop-down: 大类／小类 for each of the station's kinds."""
    return [("", "（问题类别）")] + [(f"{top}/{kind}", f"{top}／{kind}") for top, kinds in tree.items()
                                    for kind in kinds]


CHOICES["problem_type"] = problem_choices(DEFAULT_PROBLEM_TYPES)
# Steps a leader may approve (the same approval as 办结 with 四定四包 open), and how its box is titled; the
# extension's box shows from the start, since it always needs one.
APPROVALS = {"close": "approve_close", "decline": "approve_decline", "terminate": "approve_terminate",
             "extend": "approve_extend"}
# Kinds recorded as of now whatever the dialog says (corrections and notes on the case, not steps that happened).
UNDATED_KINDS = frozenset({"annul", "set_leader", "checklist", "attach"})


class WhenEdit(QtWidgets.QDateTimeEdit):
    """When a step happened: now unless the handler changes it; never later than now."""

    def __init__(self, now: datetime, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.QDateTime(now.replace(second=0, microsecond=0)), parent)
        self.setObjectName("whenEdit")
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setCalendarPopup(True)
        self.setMaximumDateTime(QtCore.QDateTime(now.replace(second=59, microsecond=0)))
        self.setToolTip(TEXTS["when_tip"])
        self._initial = self.dateTime()

    def when(self) -> datetime | None:
        """The chosen time, or None when left at now (so a slow form is not taken as typed in late)."""
        return None if self.dateTime() == self._initial else self.dateTime().toPython()  # type: ignore[return-value]


class NoteEdit(QtWidgets.QPlainTextEdit):
    """A note field: Tab moves on, Enter saves the form, Shift+Enter starts a new line."""

    submitted = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def text(self) -> str:
        return self.toPlainText()


class FileList(QtWidgets.QWidget):
    """Evidence files chosen for a step: a list with add and remove buttons."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("fileList")
        self.list.setMaximumHeight(90)
        add = QtWidgets.QPushButton(TEXTS["add_files"])
        add.setObjectName("addFiles")
        add.setAutoDefault(False)
        add.clicked.connect(self.choose)
        remove = QtWidgets.QPushButton(TEXTS["remove_file"])
        remove.setAutoDefault(False)
        remove.clicked.connect(lambda: [self.list.takeItem(self.list.row(i)) for i in self.list.selectedItems()])
        buttons = QtWidgets.QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def choose(self) -> None:
        names, _ = QtWidgets.QFileDialog.getOpenFileNames(self, TEXTS["choose_files"], str(Path.home()),
                                                          "佐证材料 (*.jpg *.jpeg *.png *.heic *.mp3 *.wav *.m4a "
                                                          "*.amr *.mp4 *.mov *.3gp *.pdf *.tif);;所有文件 (*)")
        self.add_files([Path(n) for n in names])

    def add_files(self, paths: list[Path]) -> None:
        for path in paths:
            item = QtWidgets.QListWidgetItem(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.list.addItem(item)

    def paths(self) -> list[Path]:
        return [Path(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]


class StepPage(QtWidgets.QWidget):
    """The fields of one step kind."""

    def __init__(self, kind: str, on_submit: Callable[[], None], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.fields: dict[str, QtWidgets.QWidget] = {}
        self.form = QtWidgets.QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        for key, label, widget_kind in FIELDS[kind]:
            widget = self._make(widget_kind, label, on_submit, key)
            widget.setObjectName(f"field_{key}")
            self.fields[key] = widget
            if widget_kind == "check":
                self.form.addRow("", widget)
            else:
                self.form.addRow(label + "：", widget)
        self.approval_box: ApprovalBox | None = None
        if kind == "dispatch":
            double = self.fields["double"]
            assert isinstance(double, QtWidgets.QCheckBox)
            double.toggled.connect(self._show_second_unit)
            self._show_second_unit(False)
            mode = self.fields["mode"]
            assert isinstance(mode, QtWidgets.QComboBox)
            mode.currentIndexChanged.connect(lambda *_: self.form.setRowVisible(
                self.fields["due"], self.value("mode") == "assign"))
            self.form.setRowVisible(self.fields["due"], False)
        if kind in APPROVALS:
            self.approval_box = ApprovalBox(on_submit)
            self.form.addRow(self.approval_box)
            if kind == "extend":  # an extension always needs its head's approval
                self.approval_box.ask(TEXTS[APPROVALS[kind]])

    def _make(self, widget_kind: str, label: str, on_submit: Callable[[], None],
              key: str = "") -> QtWidgets.QWidget:
        if widget_kind == "combo":
            combo = QtWidgets.QComboBox()
            for code, text in CHOICES[key]:
                combo.addItem(text, code)
            return combo
        if widget_kind == "date":
            edit = QtWidgets.QDateEdit(QtCore.QDate.currentDate().addDays(15 if key == "due" else 0))
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            return edit
        if widget_kind == "text":
            note = NoteEdit()
            note.submitted.connect(on_submit)
            return note
        if widget_kind == "check":
            return QtWidgets.QCheckBox(label)
        if widget_kind == "rating":
            combo = QtWidgets.QComboBox()
            combo.setPlaceholderText(TEXTS["rating_placeholder"])
            for code, text in RATINGS.items():
                combo.addItem(text, code)
            combo.setCurrentIndex(-1)
            return combo
        if widget_kind == "days":
            spin = QtWidgets.QSpinBox()
            spin.setRange(1, 30)
            spin.setValue(30)
            spin.setSuffix(" 天")
            return spin
        if widget_kind == "files":
            return FileList()
        line = QtWidgets.QLineEdit()
        line.returnPressed.connect(on_submit)
        return line

    def _show_second_unit(self, shown: bool) -> None:
        self.form.setRowVisible(self.fields["unit2"], shown)

    def show_approval(self) -> None:
        """Show the box a leader approves in (their account, password and reason)."""
        if self.approval_box is not None:
            was_hidden = self.approval_box.isHidden()
            self.approval_box.ask(TEXTS[APPROVALS[self.kind]])  # shown, and the password typed for one try only
            if was_hidden:
                grow_to_hint(self.window())

    def approval(self) -> Approval | None:
        """The leader's approval typed into the page (None while the box is hidden)."""
        return self.approval_box.approval() if self.approval_box is not None else None

    def set_text(self, key: str, text: str) -> None:
        widget = self.fields[key]
        if isinstance(widget, QtWidgets.QLineEdit):
            widget.setText(text)
        elif isinstance(widget, QtWidgets.QPlainTextEdit):
            widget.setPlainText(text)

    def value(self, key: str) -> Any:
        widget = self.fields[key]
        if isinstance(widget, QtWidgets.QLineEdit):
            return widget.text().strip()
        if isinstance(widget, NoteEdit):
            return widget.text().strip()
        if isinstance(widget, QtWidgets.QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QtWidgets.QComboBox):
            return widget.currentData() or ""
        if isinstance(widget, QtWidgets.QSpinBox):
            return widget.value()
        if isinstance(widget, QtWidgets.QDateEdit):
            return widget.date().toString("yyyy-MM-dd")
        if isinstance(widget, FileList):
            return widget.paths()
        return None

    def payload(self) -> dict[str, Any]:
        """What the step records, from the fields."""
        if self.kind == "dispatch":
            units = [self.value("unit1")] + ([self.value("unit2")] if self.value("double") else [])
            dispatch = {"units": units, "note": self.value("note"), "mode": self.value("mode")}
            if dispatch["mode"] == "assign":
                dispatch["due"] = self.value("due")
            if self.value("station"):  # the station may then record steps on the case; exports carry it there
                dispatch["stations"] = [self.value("station")]
            return dispatch
        payload = {key: self.value(key) for key in self.fields}
        if self.kind == "classify":
            payload["first_time"] = not payload.pop("repeat")
            payload = {k: v for k, v in payload.items() if v != "" or k == "legal_route"}
        return payload


class StepDialog(QtWidgets.QDialog):
    """Record one step (or a checklist item, a leader, extra evidence) on a case."""

    recorded = Signal(object)  # the Event written

    def __init__(self, desk: Desk, case_id: str, kinds: list[str], parent: QtWidgets.QWidget | None = None,
                 checklist_key: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("stepDialog")
        self.desk, self.case_id, self.checklist_key = desk, case_id, checklist_key
        self.state = desk.case(case_id)
        what = TEXTS["checklist_what"].format(label=CHECKLIST_ITEMS.get(checklist_key, "")) if checklist_key \
            else (EVENT_LABELS[kinds[0]] if len(kinds) == 1 else TEXTS["record"])
        self.setWindowTitle(TEXTS["title"].format(case_id=case_id, what=what))
        self.setMinimumWidth(520)
        fitted(self)
        self.kind_combo = QtWidgets.QComboBox()
        self.kind_combo.setObjectName("stepKind")
        self.pages = QtWidgets.QStackedWidget()
        self.page_of: dict[str, StepPage] = {}
        for kind in kinds:
            page = StepPage(kind, self.submit)
            self.page_of[kind] = page
            self.pages.addWidget(page)
            self.kind_combo.addItem(EVENT_LABELS.get(kind, kind), kind)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self._prefill()
        self.error = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveButton")
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        summary = QtWidgets.QLabel(f"{self.state.petitioner_names()}　{STATUSES[self.state.status]}　"
                                   f"{self.state.request_summary}")
        summary.setObjectName("stepCaseSummary")
        summary.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(summary)
        if len(kinds) > 1:
            kind_row = QtWidgets.QFormLayout()
            kind_row.addRow(TEXTS["kind"] + "：", self.kind_combo)
            layout.addLayout(kind_row)
        layout.addWidget(ScrollArea(self.pages), 1)  # a long form scrolls; the buttons stay in view
        self.when_edit = WhenEdit(desk.now())
        self.when_row = QtWidgets.QWidget()
        when_form = QtWidgets.QFormLayout(self.when_row)
        when_form.setContentsMargins(0, 0, 0, 0)
        when_form.addRow(TEXTS["when"] + "：", self.when_edit)
        layout.addWidget(self.when_row)
        if "annul" in kinds:
            layout.addWidget(self._annul_target())
        layout.addWidget(self.error)
        hint = QtWidgets.QLabel(TEXTS["hint"])
        hint.setObjectName("hint")
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self._kind_changed()

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @property
    def page(self) -> StepPage:
        return self.page_of[self.kind]

    def _prefill(self) -> None:
        dispatch = self.page_of.get("dispatch")
        if dispatch is not None:
            if self.state.backlog:  # 一事双交 is the rule for backlog cases: the jurisdiction and the city department
                dispatch.set_text("unit1", self.state.jurisdiction or self.state.authority_unit)
                double = dispatch.fields["double"]
                assert isinstance(double, QtWidgets.QCheckBox)
                double.setChecked(True)
            else:
                dispatch.set_text("unit1", self.state.authority_unit or self.state.jurisdiction)
            tree = StationTree.load(self.desk.conn)
            station = dispatch.fields["station"]
            assert isinstance(station, QtWidgets.QComboBox)
            for code in tree.below():
                station.addItem(tree.label(code), code)
            dispatch.form.setRowVisible(station, station.count() > 1)
        for kind in ("accept", "object"):  # the unit the case was dispatched to accepts it, or objects
            page = self.page_of.get(kind)
            if page is not None:
                page.set_text("unit", self.state.dispatch_units[0] if self.state.dispatch_units else "")
        leader = self.page_of.get("set_leader")
        if leader is not None:
            leader.set_text("leader", self.state.leader)
        notify = self.page_of.get("notify")
        if notify is not None:  # only what there is a decision for
            notice = notify.fields["notice"]
            assert isinstance(notice, QtWidgets.QComboBox)
            notice.clear()
            for text in fitting_notices(self.state):
                notice.addItem(text, text)
        classify = self.page_of.get("classify")
        if classify is not None:
            for key in ("category", "problem_type", "purpose", "legal_route"):
                combo = classify.fields[key]
                assert isinstance(combo, QtWidgets.QComboBox)
                if key == "problem_type":
                    combo.clear()
                    for code, text in problem_choices(self.desk.problem_types):
                        combo.addItem(text, code)
                combo.setCurrentIndex(max(combo.findData(getattr(self.state, key)), 0))
            repeat = classify.fields["repeat"]
            assert isinstance(repeat, QtWidgets.QCheckBox)
            repeat.setChecked(not self.state.first_petition)
        extend = self.page_of.get("extend")
        if extend is not None:
            days = extend.fields["days"]
            assert isinstance(days, QtWidgets.QSpinBox)
            days.setMaximum(self.desk.limits.extension_max_days)

    def _annul_target(self) -> QtWidgets.QLabel:
        chain = [s for s in self.state.steps if s.kind in ALLOWED_FROM]
        label = QtWidgets.QLabel()
        label.setObjectName("annulTarget")
        if chain:
            step = chain[-1]
            label.setText(TEXTS["annul_target"].format(label=EVENT_LABELS.get(step.kind, step.kind),
                                                       at=minute_text(step.at), actor=step.actor))
        return label

    def _kind_changed(self, *_args: object) -> None:
        self.pages.setCurrentWidget(self.page)
        if hasattr(self, "when_row"):
            self.when_row.setVisible(self.kind not in UNDATED_KINDS)
        show_error(self.error, "")
        first = next(iter(self.page.fields.values()), None)
        if first is not None and self.kind_combo.count() <= 1:
            first.setFocus()

    def submit(self) -> None:
        """Record the step; on refusal show why and stay open."""
        kind, page = self.kind, self.page
        payload = page.payload()
        when = self.when_edit.when()
        try:
            if kind == "handle":
                event = self.desk.handle(self.case_id, payload["note"], payload["files"], when)
            elif kind == "attach":
                event = self.desk.attach(self.case_id, payload["files"], payload["note"])
            elif kind == "annul":
                event = self.desk.annul_last_step(self.case_id, payload["reason"])
            elif kind == "set_leader":
                event = self.desk.set_leader(self.case_id, payload["leader"])
            elif kind == "checklist":
                event = self.desk.set_checklist(self.case_id, self.checklist_key, True, payload["note"])
            else:
                event = self.desk.record(self.case_id, kind, payload, when, approval=page.approval())
        except DomainError as err:
            show_error(self.error, str(err))
            if kind in APPROVALS:  # a leader may approve what the rules refuse here
                page.show_approval()
            return
        self.recorded.emit(event)
        self.accept()
