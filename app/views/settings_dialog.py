"""本站设置: who works at this desk, the station's time limits, its holiday calendar and its list of domains.

Saved with ``app.ops.station_settings`` (checked first, then written); new limits recompute every open case's
light, so the list's colours change as the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from app.models.deadlines import BACKLOG_COLOURS, TimeLimits
from app.models.errors import DomainError
from app.models.vocab import LEVELS
from app.ops.desk import Desk
from app.ops.station_settings import DAY_LIMITS, MAX_DAYS, save_settings, weekday_text
from app.views.common import error_label, show_error
from app.views.qt import QtCore, QtWidgets, Signal

TEXTS = {
    "title": "本站设置",
    "station": "本站：{name}（{code}，{level}）",
    "limits": "办理时限",
    "limits_note": "保存后，所有在办案件的期限和督办颜色立即按新时限重新计算。",
    "days": " 日",
    "workdays": " 个工作日",
    "local_on": "启用",
    "local_hint": "地方规定的反馈时限（如宁波“7日内反馈”）；启用后，办理答复期限取两者中较短的",
    "yellow": "黄灯提醒",
    "yellow_row": "剩余天数不超过",
    "yellow_or": "或时限的",
    "calendar": "节假日与调休（用于按工作日计算的时限）",
    "domains": "领域（每行一个，登记时从中选择；“其他”总在最后）",
    "holidays": "节假日（不上班）",
    "shift": "期限末日为法定节假日的顺延至下一工作日",
    "shift_hint": "民法典第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日",
    "backlog_colour": "积案三色",
    "makeup": "调休上班日（周末上班）",
    "add": "添加",
    "remove": "移除所选",
    "none": "未设置",
    "defaults": "恢复默认时限",
    "save": "保存(&S)",
    "cancel": "取消",
    "twice": "{day} 已在“{other}”中，不能同时设为两种",
    "weekday": "调休上班日应为周六或周日：{day}",
}


class DateList(QtWidgets.QWidget):
    """Dates chosen with a date field and 添加, listed with their weekday; 移除所选 or Delete takes them out."""

    def __init__(self, title: str, start: date, check: Callable[[str], str], name: str,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.check = check
        self.date_edit = QtWidgets.QDateEdit(QtCore.QDate(start.year, start.month, start.day))
        self.date_edit.setObjectName(f"{name}Date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.add_button = QtWidgets.QPushButton(TEXTS["add"])
        self.add_button.setObjectName(f"{name}Add")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_current)
        self.remove_button = QtWidgets.QPushButton(TEXTS["remove"])
        self.remove_button.setObjectName(f"{name}Remove")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName(f"{name}Items")
        self.list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        self.list.installEventFilter(self)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.date_edit, 1)
        row.addWidget(self.add_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QtWidgets.QLabel(title))
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.remove_button, 0, QtCore.Qt.AlignmentFlag.AlignRight)
        self._dates: list[str] = []
        self._show()

    def dates(self) -> tuple[str, ...]:
        return tuple(self._dates)

    def set_dates(self, dates: tuple[str, ...] | list[str]) -> None:
        self._dates = sorted(set(dates))
        self._show()

    def add_current(self) -> str:
        """Add the date in the date field; returns why it was refused (empty when added or already there)."""
        iso = self.date_edit.date().toString("yyyy-MM-dd")
        problem = self.check(iso)
        if not problem and iso not in self._dates:
            self._dates = sorted([*self._dates, iso])
            self._show()
        for i in range(self.list.count()):
            if self.list.item(i).data(QtCore.Qt.ItemDataRole.UserRole) == iso:
                self.list.setCurrentRow(i)
        return problem

    def remove_selected(self) -> None:
        chosen = {i.data(QtCore.Qt.ItemDataRole.UserRole) for i in self.list.selectedItems()}
        self._dates = [d for d in self._dates if d not in chosen]
        self._show()

    def _show(self) -> None:
        self.list.clear()
        for iso in self._dates:
            item = QtWidgets.QListWidgetItem(weekday_text(iso))
            item.setData(QtCore.Qt.ItemDataRole.UserRole, iso)
            self.list.addItem(item)
        if not self._dates:
            placeholder = QtWidgets.QListWidgetItem(TEXTS["none"])
            placeholder.setFlags(QtCore.Qt.ItemFlag.NoItemFlags)
            self.list.addItem(placeholder)
        self.remove_button.setEnabled(bool(self._dates))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.list and event.type() == QtCore.QEvent.Type.KeyPress \
                and event.key() == QtCore.Qt.Key.Key_Delete:  # type: ignore[attr-defined]
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)


class SettingsDialog(QtWidgets.QDialog):
    """The station's settings; ``saved`` carries the Chinese names of what was written."""

    saved = Signal(list)

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(TEXTS["title"])
        self.desk = desk
        limits = desk.limits
        station = desk.require_station()
        self.spins: dict[str, QtWidgets.QSpinBox] = {}
        for name in DAY_LIMITS:
            spin = QtWidgets.QSpinBox()
            spin.setObjectName(f"limit_{name}")
            spin.setRange(0 if name == "yellow_days" else 1, MAX_DAYS)
            spin.setSuffix(TEXTS["workdays"] if name == "objection_workdays" else TEXTS["days"])
            self.spins[name] = spin
        self.local_on = QtWidgets.QCheckBox(TEXTS["local_on"])
        self.local_on.setObjectName("localFeedbackOn")
        self.local_on.setToolTip(TEXTS["local_hint"])
        self.local_on.toggled.connect(self.spins["local_feedback_days"].setEnabled)
        self.yellow_percent = QtWidgets.QSpinBox()
        self.yellow_percent.setObjectName("yellowPercent")
        self.yellow_percent.setRange(0, 100)
        self.yellow_percent.setSuffix(" %")
        self.holiday_shift = QtWidgets.QCheckBox(TEXTS["shift"])
        self.holiday_shift.setObjectName("holidayShift")
        self.holiday_shift.setToolTip(TEXTS["shift_hint"])
        self.backlog_colour = QtWidgets.QComboBox()
        self.backlog_colour.setObjectName("backlogColour")
        for code, label in BACKLOG_COLOURS.items():
            self.backlog_colour.addItem(label, code)
        today = desk.today()
        self.holidays = DateList(TEXTS["holidays"], today, lambda d: self._date_problem(d, "holidays"), "holidays")
        self.makeup = DateList(TEXTS["makeup"], today, lambda d: self._date_problem(d, "makeup"), "makeup")
        self.domains = QtWidgets.QPlainTextEdit("\n".join(desk.domains))
        self.domains.setObjectName("domainsField")
        self.domains.setTabChangesFocus(True)
        self.error = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveButton")
        self.defaults_button = buttons.addButton(TEXTS["defaults"], QtWidgets.QDialogButtonBox.ButtonRole.ResetRole)
        self.defaults_button.setObjectName("defaultsButton")
        self.defaults_button.clicked.connect(lambda: self.show_limits(replace(
            TimeLimits(), holidays=self.holidays.dates(), makeup_workdays=self.makeup.dates())))
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self._layout(TEXTS["station"].format(name=station.name, code=station.code, level=LEVELS[station.level]),
                     buttons)
        # Made the default once it is inside the dialog: set earlier, Qt would pick the first button (恢复默认时限)
        # for Enter when the dialog is shown.
        self.save_button.setDefault(True)
        self.show_limits(limits)
        self.spins["route_days"].setFocus()

    def _layout(self, station: str, buttons: QtWidgets.QDialogButtonBox) -> None:
        top = QtWidgets.QFormLayout()
        top.addRow(QtWidgets.QLabel(station))
        limits_box = QtWidgets.QGroupBox(TEXTS["limits"])
        form = QtWidgets.QFormLayout(limits_box)
        for name, label in DAY_LIMITS.items():
            if name == "local_feedback_days":
                form.addRow(label + "：", self._row(self.local_on, self.spins[name]))
            elif name == "yellow_days":
                form.addRow(TEXTS["yellow"] + "：", self._row(QtWidgets.QLabel(TEXTS["yellow_row"]), self.spins[name],
                                                            QtWidgets.QLabel(TEXTS["yellow_or"]),
                                                            self.yellow_percent))
            else:
                form.addRow(label + "：", self._row(self.spins[name]))
        form.addRow(TEXTS["backlog_colour"] + "：", self._row(self.backlog_colour, self.holiday_shift))
        note = QtWidgets.QLabel(TEXTS["limits_note"])
        note.setObjectName("limitsNote")
        note.setWordWrap(True)
        note.setStyleSheet("color: #6b7785;")
        form.addRow(note)
        calendar_box = QtWidgets.QGroupBox(TEXTS["calendar"])
        calendar = QtWidgets.QHBoxLayout(calendar_box)
        calendar.addWidget(self.holidays, 1)
        calendar.addWidget(self.makeup, 1)
        domains_box = QtWidgets.QGroupBox(TEXTS["domains"])
        QtWidgets.QVBoxLayout(domains_box).addWidget(self.domains)
        lists = QtWidgets.QHBoxLayout()
        lists.addWidget(calendar_box, 2)
        lists.addWidget(domains_box, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(limits_box)
        layout.addLayout(lists, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 52)

    @staticmethod
    def _row(*widgets: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        for widget in widgets:
            row.addWidget(widget)
        row.addStretch(1)
        return row

    def show_limits(self, limits: TimeLimits) -> None:
        for name, spin in self.spins.items():
            value = getattr(limits, name)
            spin.setValue(value if value is not None else 7)
        self.local_on.setChecked(limits.local_feedback_days is not None)
        self.spins["local_feedback_days"].setEnabled(limits.local_feedback_days is not None)
        self.yellow_percent.setValue(round(limits.yellow_fraction * 100))
        self.holiday_shift.setChecked(limits.holiday_shift)
        self.backlog_colour.setCurrentIndex(max(self.backlog_colour.findData(limits.backlog_colour), 0))
        self.holidays.set_dates(limits.holidays)
        self.makeup.set_dates(limits.makeup_workdays)

    def _date_problem(self, iso: str, which: str) -> str:
        other = self.makeup if which == "holidays" else self.holidays
        problem = ""
        if iso in other.dates():
            problem = TEXTS["twice"].format(day=iso, other=TEXTS["makeup" if which == "holidays" else "holidays"])
        elif which == "makeup" and date.fromisoformat(iso).weekday() < 5:
            problem = TEXTS["weekday"].format(day=weekday_text(iso))
        show_error(self.error, problem)
        return problem

    def limits(self) -> TimeLimits:
        """The limits as the dialog shows them (other limits, such as the review periods, as they were)."""
        values: dict[str, object] = {name: spin.value() for name, spin in self.spins.items()}
        if not self.local_on.isChecked():
            values["local_feedback_days"] = None
        return replace(self.desk.limits, **values, yellow_fraction=self.yellow_percent.value() / 100,  # type: ignore[arg-type]
                       holidays=self.holidays.dates(), makeup_workdays=self.makeup.dates(),
                       holiday_shift=self.holiday_shift.isChecked(),
                       backlog_colour=str(self.backlog_colour.currentData()))

    def save(self) -> None:
        try:
            saved = save_settings(self.desk, self.limits(), self.domains.toPlainText().splitlines())
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.saved.emit(saved)
        self.accept()
