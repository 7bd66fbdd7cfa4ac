"""随机抽查 dialog: draw unresolved cases, see the seed and the list, export it for the meeting, check a
recorded draw again. The draw itself is ``app.ops.spot_check.spot_check`` (recorded as an event)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from app.models.errors import DomainError
from app.ops import outputs
from app.ops.desk import Desk
from app.ops.spot_check import MAX_COUNT, SpotCheck, spot_check, spot_checks, verify_spot_check
from app.reports.figures import station_names
from app.reports.spot_check_export import drawn_cases, drawn_text
from app.views.common import COLOUR_HEX, confirm, error_label, fit_to_screen, fitted, message
from app.views.dashboard_models import Column, DictTableModel, count_column
from app.views.qt import QtGui, QtWidgets

TEXTS = {
    "title": "随机抽查",
    "count": "抽取件数",
    "seed": "随机种子",
    "seed_hint": "不填则由当前时间生成",
    "per_station": "每个站点各抽上述件数",
    "per_station_county": "每个乡镇（街道）各抽上述件数（本级登记的案件单独抽取）",
    "per_station_city": "每个县（市、区）各抽上述件数（含其下辖乡镇的案件；本级登记的案件单独抽取）",
    "backlog_only": "只从积案中抽取",
    "draw": "抽取并记录",
    "confirm": "将从{scope}中随机抽取 {n} 件{per}{seed}，并把这次抽查（时间、抽查人、所抽案件）永久记入事件记录，"
               "不能撤销。\n\n确定抽取吗？",
    "confirm_all": "在办案件",
    "confirm_backlog": "积案",
    "confirm_per_station": "（每个下级站点各抽）",
    "confirm_seed": "（随机种子 {seed}）",
    "history": "历次抽查",
    "history_item": "{at}  {actor}  种子 {seed}  抽中 {n} 件",
    "none_yet": "（尚无抽查记录）",
    "verify": "复核所选记录",
    "verified": "复核结果",
    "pdf": "导出 PDF…",
    "xlsx": "导出 Excel…",
    "exported": "已导出：{path}",
    "export_title": "导出抽查清单",
    "summary": "记录 {event}：{at} 由 {actor} 抽取，随机种子 <b>{seed}</b>{generated}，"
               "从 {candidates} 件{scope}中随机抽取：{drawn}。<br>候选清单指纹：SHA-256 {sha}",
    "generated": "（由当前时间生成）",
    "scope_all": "未化解案件",
    "scope_backlog": "未化解积案",
    "failed": "不能抽查",
}
COLUMNS = [
    count_column("序号", "number"), Column("案件编号", "case_id"), Column("站点", "station"),
    Column("地点", "place"), Column("领域", "domain"), Column("诉求", "request_summary"),
    Column("包案领导", "leader"), count_column("已历时（天）", "days_open"),
]


class SpotCheckDialog(QtWidgets.QDialog):
    """Non-modal; ``drawn`` holds the check on show (the latest recorded one when the dialog opens)."""

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spotCheckDialog")
        self.setWindowTitle(TEXTS["title"])
        self.desk = desk
        self.current: SpotCheck | None = None
        self.count = QtWidgets.QSpinBox()
        self.count.setRange(1, MAX_COUNT)
        self.count.setValue(10)
        self.seed = QtWidgets.QLineEdit()
        self.seed.setPlaceholderText(TEXTS["seed_hint"])
        self.seed.setValidator(QtGui.QRegularExpressionValidator(r"\d{0,18}"))
        level = desk.require_station().level
        self.per_station = QtWidgets.QCheckBox(TEXTS.get(f"per_station_{level}", TEXTS["per_station"]))
        self.per_station.setChecked(level != "township")
        self.backlog_only = QtWidgets.QCheckBox(TEXTS["backlog_only"])
        self.draw_button = QtWidgets.QPushButton(TEXTS["draw"])
        self.draw_button.setDefault(True)
        self.draw_button.clicked.connect(self.ask_draw)
        self.error = error_label()
        self.history = QtWidgets.QComboBox()
        self.history.currentIndexChanged.connect(self._show_history)
        verify = QtWidgets.QPushButton(TEXTS["verify"])
        verify.clicked.connect(self.verify_current)
        self.summary = QtWidgets.QLabel()
        self.summary.setWordWrap(True)
        self.model = DictTableModel(COLUMNS, parent=self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(5, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.pdf_button = QtWidgets.QPushButton(TEXTS["pdf"])
        self.xlsx_button = QtWidgets.QPushButton(TEXTS["xlsx"])
        self.pdf_button.clicked.connect(lambda: self._ask_export("pdf"))
        self.xlsx_button.clicked.connect(lambda: self._ask_export("xlsx"))

        form = QtWidgets.QFormLayout()
        form.addRow(TEXTS["count"], self.count)
        form.addRow(TEXTS["seed"], self.seed)
        form.addRow("", self.per_station)
        form.addRow("", self.backlog_only)
        top = QtWidgets.QHBoxLayout()
        top.addLayout(form)
        top.addWidget(self.draw_button)
        top.addStretch(1)
        past = QtWidgets.QHBoxLayout()
        past.addWidget(QtWidgets.QLabel(TEXTS["history"]))
        past.addWidget(self.history, 1)
        past.addWidget(verify)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.xlsx_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addLayout(past)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        fit_to_screen(fitted(self), 1000, 620)
        self._load_history()

    # ----- drawing and showing --------------------------------------------------------------------------------
    def ask_draw(self) -> QtWidgets.QMessageBox:
        """The draw is recorded for good (the county sees who drew what and when): say so before drawing."""
        scope = TEXTS["confirm_backlog"] if self.backlog_only.isChecked() else TEXTS["confirm_all"]
        per = TEXTS["confirm_per_station"] if self.per_station.isChecked() else ""
        seed = self.seed.text().strip()
        text = TEXTS["confirm"].format(n=self.count.value(), scope=scope, per=per,
                                       seed=TEXTS["confirm_seed"].format(seed=seed) if seed else "")
        return confirm(self, TEXTS["draw"], text, self.draw)

    def draw(self) -> SpotCheck | None:
        seed_text = self.seed.text().strip()
        try:
            check = spot_check(self.desk, self.count.value(), int(seed_text) if seed_text else None,
                               per_station=self.per_station.isChecked(),
                               backlog_only=self.backlog_only.isChecked())
        except DomainError as err:
            self.error.setText(str(err))
            self.error.show()
            return None
        self.error.hide()
        self._load_history()
        self._show(check, generated=not seed_text)
        return check

    def _load_history(self) -> None:
        self.history.blockSignals(True)
        self.history.clear()
        self._checks = spot_checks(self.desk)
        for c in self._checks:
            self.history.addItem(TEXTS["history_item"].format(at=c.at.replace("T", " "), actor=c.actor,
                                                              seed=c.seed, n=len(c.drawn)), c.event_id)
        if not self._checks:
            self.history.addItem(TEXTS["none_yet"], "")
        self.history.setCurrentIndex(0)
        self.history.blockSignals(False)
        if self._checks and self.current is None:
            self._show(self._checks[0])
        self._set_enabled()

    def _show_history(self, index: int) -> None:
        if 0 <= index < len(self._checks):
            self._show(self._checks[index])

    def _show(self, check: SpotCheck, generated: bool = False) -> None:
        self.current = check
        for i, c in enumerate(self._checks):
            if c.event_id == check.event_id and self.history.currentIndex() != i:
                self.history.blockSignals(True)
                self.history.setCurrentIndex(i)
                self.history.blockSignals(False)
        self.summary.setText(TEXTS["summary"].format(
            event=check.event_id, at=check.at.replace("T", " "), actor=check.actor, seed=check.seed,
            generated=TEXTS["generated"] if generated else "", candidates=check.candidate_count,
            scope=TEXTS["scope_backlog" if check.backlog_only else "scope_all"],
            drawn=drawn_text(check, station_names(self.desk.conn)), sha=check.candidates_sha256))
        lines = drawn_cases(self.desk.conn, check, self.desk.today())
        self.model.set_rows([asdict(line) for line in lines])
        self.model.backgrounds = {i: QtGui.QColor(COLOUR_HEX[line.colour]).lighter(175)
                                  for i, line in enumerate(lines) if line.colour in ("red", "yellow")}
        self._set_enabled()

    def _set_enabled(self) -> None:
        for button in (self.pdf_button, self.xlsx_button):
            button.setEnabled(self.current is not None)

    # ----- checking and exporting -----------------------------------------------------------------------------
    def verify_current(self) -> QtWidgets.QMessageBox | None:
        if self.current is None:
            return None
        try:
            text = verify_spot_check(self.desk, self.current.event_id)
            icon = QtWidgets.QMessageBox.Icon.Information
        except DomainError as err:
            text, icon = str(err), QtWidgets.QMessageBox.Icon.Critical
        return message(self, TEXTS["verified"], text, icon)

    def export(self, path: Path) -> Path:
        """Write the list shown as a PDF or an xlsx workbook (by the file's suffix)."""
        if self.current is None:
            raise DomainError("尚未抽取")
        return outputs.save_spot_check_list(self.desk, self.current, path)

    def _ask_export(self, kind: str) -> None:
        if self.current is None:
            return
        suggested = f"随机抽查_{self.current.at[:10]}_{self.current.seed}.{kind}"
        filters = "PDF 文件 (*.pdf)" if kind == "pdf" else "Excel 工作簿 (*.xlsx)"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, TEXTS["export_title"], suggested, filters)
        if path:
            try:
                done = self.export(Path(path))
            except DomainError as err:
                message(self, TEXTS["export_title"], str(err))
                return
            message(self, TEXTS["export_title"], TEXTS["exported"].format(path=done),
                    QtWidgets.QMessageBox.Icon.Information)
