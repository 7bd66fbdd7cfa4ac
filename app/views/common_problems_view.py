"""共性问题 window: groups of open cases about one matter in one place, and one measure or reply recorded on
the ticked cases of a group at once (``app.ops.batch.batch_record``: all or nothing)."""

from __future__ import annotations

from typing import Any

from app.models.errors import DomainError
from app.models.vocab import STATUSES
from app.models.workflow import ALLOWED_FROM
from app.ops.batch import batch_record
from app.ops.desk import Desk
from app.reports.common_problems import CommonProblem, find_common_problems
from app.views.bus import ChangeBus
from app.views.common import confirm, error_label, fit_to_screen, fitted, message
from app.views.dashboard_models import Column, DictTableModel, count_column
from app.views.qt import Qt, QtCore, QtWidgets

CONFIRM_LISTED = 12  # case numbers named in the confirmation; more are counted
TEXTS = {
    "title": "共性问题 — 同地同类（或跨乡镇高度相似）案件成批办理",
    "min_size": "每组至少",
    "unit": "件",
    "refresh": "重新查找",
    "groups": "共 {n} 组共性问题，涉及 {cases} 件未办结案件（按件数排列）",
    "cases": "本组案件（勾选要成批办理的案件）",
    "handle": "记录办理措施",
    "feedback": "记录答复反馈",
    "text_hint": "填写一条办理措施或答复意见，将分别记入所勾选的每一件案件",
    "apply": "记入所勾选的 {n} 件案件",
    "done_title": "成批办理",
    "confirm": "将为以下 {n} 件案件各记录一条“{what}”，写入后不能成批撤销：\n{cases}\n\n内容：{note}\n\n确定记录吗？",
    "confirm_more": " 等，共 {n} 件",
    "done": "已为 {n} 件案件记录“{what}”。",
    "nothing": "请先选择一组共性问题并勾选案件",
    "ready_handle": "可记办理措施",
    "ready_feedback": "可答复",
    "not_ready": "暂不能",
}
GROUP_COLUMNS = [
    count_column("件数", "size"),
    Column("乡镇（街道）", "townships", lambda v: "、".join(v or []) or "—",
           "本组案件所在的乡镇（街道）；诉求高度相似的同类案件可跨乡镇成组"),
    Column("领域", "domain"),
    Column("涉及村（社区）", "villages", lambda v: "、".join(v or []) or "—"),
    Column("诉求", "summary"),
]
CASE_COLUMNS = [
    Column("案件编号", "case_id"), Column("信访人", "petitioner_names"), Column("乡镇（街道）", "township"),
    Column("村（社区）", "village"),
    Column("状态", "status", lambda v: STATUSES.get(v or "", v or "")), Column("可记录", "ready"),
    Column("诉求", "request_summary"),
]


def can_take(row: dict[str, Any], kind: str) -> bool:
    """Whether the workflow lets the case take the step now (the batch re-checks each case when recording)."""
    return row["status"] in ALLOWED_FROM[kind] and (kind != "feedback" or int(row["measures"]) > 0)


class CommonProblemsView(QtWidgets.QWidget):
    """A window of its own; finds the groups again when cases change."""

    recorded = QtCore.Signal(list)  # the case ids a batch step was recorded on

    def __init__(self, desk: Desk, bus: ChangeBus | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("commonProblems")
        self.setWindowTitle(TEXTS["title"])
        self.desk = desk
        self.problems: list[CommonProblem] = []
        self.min_size = QtWidgets.QSpinBox()
        self.min_size.setRange(2, 50)
        self.min_size.setValue(3)
        self.min_size.valueChanged.connect(self.refresh)
        refresh = QtWidgets.QPushButton(TEXTS["refresh"])
        refresh.clicked.connect(self.refresh)
        self.count_label = QtWidgets.QLabel()
        self.groups_model = DictTableModel(GROUP_COLUMNS, parent=self)
        self.groups = QtWidgets.QTableView()
        self.groups.setModel(self.groups_model)
        self.groups.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.groups.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.groups.verticalHeader().hide()
        self.groups.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.groups.horizontalHeader().setStretchLastSection(True)
        self.groups.selectionModel().currentRowChanged.connect(lambda current, _prev: self.show_group(current.row()))
        self.cases_model = DictTableModel(CASE_COLUMNS, checkable=True, parent=self)
        self.cases_model.dataChanged.connect(lambda *_: self._update_button())
        self.cases = QtWidgets.QTableView()
        self.cases.setModel(self.cases_model)
        self.cases.verticalHeader().hide()
        self.cases.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.cases.horizontalHeader().setStretchLastSection(True)
        self.handle_kind = QtWidgets.QRadioButton(TEXTS["handle"])
        self.feedback_kind = QtWidgets.QRadioButton(TEXTS["feedback"])
        self.handle_kind.setChecked(True)
        self.handle_kind.toggled.connect(lambda _on: self._tick_ready())
        self.text = QtWidgets.QPlainTextEdit()
        self.text.setPlaceholderText(TEXTS["text_hint"])
        self.text.setMaximumHeight(80)
        self.apply_button = QtWidgets.QPushButton()
        self.apply_button.clicked.connect(self.ask_apply)
        self.error = error_label()

        bar = QtWidgets.QHBoxLayout()
        for widget in (QtWidgets.QLabel(TEXTS["min_size"]), self.min_size, QtWidgets.QLabel(TEXTS["unit"]),
                       refresh, self.count_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        lower = QtWidgets.QWidget()
        lower_layout = QtWidgets.QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QtWidgets.QLabel(TEXTS["cases"]))
        lower_layout.addWidget(self.cases, 1)
        kinds = QtWidgets.QHBoxLayout()
        kinds.addWidget(self.handle_kind)
        kinds.addWidget(self.feedback_kind)
        kinds.addStretch(1)
        kinds.addWidget(self.apply_button)
        lower_layout.addLayout(kinds)
        lower_layout.addWidget(self.text)
        lower_layout.addWidget(self.error)
        splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.groups)
        splitter.addWidget(lower)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        if bus is not None:
            bus.changed.connect(self._on_changed)
        fit_to_screen(fitted(self), 1100, 720)
        self.refresh()

    def _on_changed(self, kinds: frozenset[str], case_ids: tuple[str, ...]) -> None:
        if "cases" in kinds and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Find the groups again, keeping the selected group selected when it still exists."""
        keep = self._current_group()
        self.problems = find_common_problems(self.desk.conn, min_size=self.min_size.value())
        self.groups_model.set_rows([p.to_json() for p in self.problems])
        self.count_label.setText(TEXTS["groups"].format(n=len(self.problems),
                                                        cases=sum(p.size for p in self.problems)))
        row = next((i for i, p in enumerate(self.problems) if keep and p.case_ids[0] == keep.case_ids[0]), 0)
        if self.problems:
            self.groups.selectRow(row)
            self.show_group(row)
        else:
            self.cases_model.set_rows([])
        self._update_button()

    def _current_group(self) -> CommonProblem | None:
        row = self.groups.currentIndex().row()
        return self.problems[row] if 0 <= row < len(self.problems) else None

    def show_group(self, row: int) -> None:
        if not 0 <= row < len(self.problems):
            return
        ids = self.problems[row].case_ids
        marks = ",".join("?" * len(ids))
        cursor = self.desk.conn.execute(
            f"SELECT case_id, petitioner_names, township, village, status, measures, request_summary FROM cases "
            f"WHERE case_id IN ({marks}) ORDER BY case_id", ids)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor]
        for case in rows:
            ready = [TEXTS[f"ready_{k}"] for k in ("handle", "feedback") if can_take(case, k)]
            case["ready"] = "、".join(ready) or TEXTS["not_ready"]
        self.cases_model.set_rows(rows)
        self._tick_ready()

    def _tick_ready(self) -> None:
        """Tick the cases that can take the chosen step; the handler may change the ticks."""
        kind = self._kind()
        for i, row in enumerate(self.cases_model.rows):
            self.cases_model.setData(self.cases_model.index(i, 0),
                                     Qt.CheckState.Checked if can_take(row, kind) else Qt.CheckState.Unchecked,
                                     Qt.ItemDataRole.CheckStateRole)
        self._update_button()

    def _kind(self) -> str:
        return "handle" if self.handle_kind.isChecked() else "feedback"

    def checked_case_ids(self) -> list[str]:
        return [str(r["case_id"]) for r in self.cases_model.checked_rows()]

    def _update_button(self) -> None:
        n = len(self.checked_case_ids())
        self.apply_button.setText(TEXTS["apply"].format(n=n))
        self.apply_button.setEnabled(n > 0)

    def ask_apply(self) -> QtWidgets.QMessageBox | None:
        """Name the cases and the step before writing on all of them."""
        ids = self.checked_case_ids()
        if not ids:
            self._fail(TEXTS["nothing"])
            return None
        shown = "、".join(ids[:CONFIRM_LISTED]) + (TEXTS["confirm_more"].format(n=len(ids)) if len(ids) > CONFIRM_LISTED
                                                  else "")
        text = TEXTS["confirm"].format(n=len(ids), what=TEXTS[self._kind()].removeprefix("记录"), cases=shown,
                                       note=self.text.toPlainText().strip()[:200])
        return confirm(self, TEXTS["done_title"], text, self.apply)

    def apply(self) -> list[Any] | None:
        """Record the text on every ticked case; a refusal shows its Chinese reason and records nothing."""
        ids = self.checked_case_ids()
        if not ids:
            self._fail(TEXTS["nothing"])
            return None
        kind = self._kind()
        try:
            events = batch_record(self.desk, ids, kind, self.text.toPlainText())
        except DomainError as err:
            self._fail(str(err))
            return None
        self.error.hide()
        self.text.clear()
        what = TEXTS[kind].removeprefix("记录")
        message(self, TEXTS["done_title"], TEXTS["done"].format(n=len(events), what=what),
                QtWidgets.QMessageBox.Icon.Information)
        self.recorded.emit(ids)
        return events

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
