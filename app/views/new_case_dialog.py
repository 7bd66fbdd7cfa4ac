"""Registering a new case (登记): keyboard-first, checked as the handler types, with the person's earlier cases.

The ID number and phone are checked on every keystroke and the reason shown in red beside the field; 保存 stays
disabled until the case can be registered, and Enter saves. Earlier cases of the same person (same ID number, or
same name and phone) are listed with a tick box each to link them as a repeat petition; a third round of the same
matter shows the 事不过二 warning.
"""

from __future__ import annotations

from app.models.case import Petitioner
from app.models.errors import DomainError
from app.models.identity import id_problem, phone_problem
from app.models.intake import CaseDraft, repeat_warning
from app.models.vocab import CHANNELS, STATUSES
from app.ops.desk import Desk
from app.store.queries import distinct_values, earlier_cases
from app.views.common import ERROR_HEX, WARNING_HEX, error_label, show_error
from app.views.qt import Qt, QtWidgets, Signal
from app.views.step_dialogs import NoteEdit

MAX_PEOPLE = 5
TEXTS = {
    "title": "登记新案件",
    "channel": "来源渠道",
    "person": "信访人{n}",
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "电话",
    "address": "住址",
    "add_person": "添加信访人(&A)",
    "remove_person": "移除",
    "summary": "诉求",
    "summary_hint": "信访人反映的问题和诉求（Enter 保存，Shift+Enter 换行）",
    "domain": "领域",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "authority_unit": "事权单位",
    "head_count": "人数",
    "head_hint": "来访5人及以上为集体访",
    "earlier": "该信访人的既往案件（勾选即关联为重复信访）：",
    "no_earlier": "未查到该信访人的既往案件",
    "save": "保存(&S)",
    "cancel": "取消",
    "missing": "尚需填写：{what}",
    "need_name": "信访人姓名",
    "need_summary": "诉求",
    "fix_fields": "请改正标红的字段",
    "round": "第{n}次",
}


class PersonBox(QtWidgets.QGroupBox):
    """One petitioner's fields, with the ID number and phone checked as they are typed."""

    edited = Signal()

    def __init__(self, number: int, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(TEXTS["person"].format(n=number), parent)
        self.setObjectName(f"person{number}")
        self.name = QtWidgets.QLineEdit()
        self.id_number = QtWidgets.QLineEdit()
        self.id_number.setMaxLength(18)
        self.phone = QtWidgets.QLineEdit()
        self.address = QtWidgets.QLineEdit()
        self.id_error = QtWidgets.QLabel()
        self.phone_error = QtWidgets.QLabel()
        form = QtWidgets.QGridLayout(self)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        row = 0
        for key, widget, error in (("name", self.name, None), ("id_number", self.id_number, self.id_error),
                                   ("phone", self.phone, self.phone_error), ("address", self.address, None)):
            widget.setObjectName(f"{key}Field")
            label = QtWidgets.QLabel(TEXTS[key] + "：")
            label.setBuddy(widget)
            form.addWidget(label, row, 0, Qt.AlignmentFlag.AlignRight)
            form.addWidget(widget, row, 1)
            widget.textChanged.connect(self._changed)
            row += 1
            if error is not None:  # the reason goes under its field, so the form does not jump sideways
                error.setObjectName(f"{key}Error")
                error.setStyleSheet(f"color: {ERROR_HEX};")
                error.hide()
                form.addWidget(error, row, 1)
                row += 1
        form.setColumnStretch(1, 1)
        self.remove = QtWidgets.QPushButton(TEXTS["remove_person"])
        self.remove.setAutoDefault(False)
        self.remove.setObjectName("removePerson")
        form.addWidget(self.remove, 0, 2)
        self.remove.setVisible(number > 1)

    def _changed(self, _text: str = "") -> None:
        id_text, phone_text = self.id_number.text().strip(), self.phone.text().strip()
        self._flag(self.id_number, self.id_error, id_problem(id_text) if id_text else None)
        self._flag(self.phone, self.phone_error, phone_problem(phone_text) if phone_text else None)
        self.edited.emit()

    @staticmethod
    def _flag(field: QtWidgets.QLineEdit, label: QtWidgets.QLabel, problem: str | None) -> None:
        label.setText(problem or "")
        label.setVisible(bool(problem))
        field.setProperty("invalid", bool(problem))
        field.style().unpolish(field)
        field.style().polish(field)

    def problems(self) -> list[str]:
        return [t for t in (self.id_error.text(), self.phone_error.text()) if t]

    def petitioner(self) -> Petitioner:
        return Petitioner(self.name.text().strip(), self.id_number.text().strip(), self.phone.text().strip(),
                          self.address.text().strip())

    def lookup_key(self) -> tuple[str, str, str] | None:
        """(ID number, name, phone) to look up earlier cases with, once the ID or name and phone are valid."""
        p = self.petitioner()
        id_ok = bool(p.id_number) and not self.id_error.text()
        phone_ok = bool(p.phone) and not self.phone_error.text()
        if id_ok or (p.name and phone_ok):
            return (p.id_number.upper() if id_ok else "", p.name, p.phone if phone_ok else "")
        return None


class NewCaseDialog(QtWidgets.QDialog):
    """The registration form; ``registered`` carries the new case number."""

    registered = Signal(str)

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newCaseDialog")
        self.setWindowTitle(TEXTS["title"])
        self.desk = desk
        self.case_id = ""
        self.channel = QtWidgets.QComboBox()
        self.channel.setObjectName("channelField")
        for code, label in CHANNELS.items():
            self.channel.addItem(label, code)
        self.channel.setCurrentIndex(self.channel.findData("visit"))
        self.people_layout = QtWidgets.QVBoxLayout()
        self.people: list[PersonBox] = []
        self.add_button = QtWidgets.QPushButton(TEXTS["add_person"])
        self.add_button.setObjectName("addPerson")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_person)
        self.summary = NoteEdit()
        self.summary.setObjectName("summaryField")
        self.summary.setPlaceholderText(TEXTS["summary_hint"])
        self.summary.textChanged.connect(self.validate)
        self.summary.submitted.connect(self.save)
        self.domain = QtWidgets.QComboBox()
        self.domain.setObjectName("domainField")
        self.domain.addItems(list(desk.domains))
        self.domain.setCurrentIndex(max(self.domain.findText("其他"), 0))
        self.township = self._line("townshipField", distinct_values(desk.conn, "township"))
        self.village = self._line("villageField")
        self.authority_unit = self._line("authorityUnitField")
        self.head_count = QtWidgets.QSpinBox()
        self.head_count.setObjectName("headCountField")
        self.head_count.setRange(1, 999)
        self.head_count.setToolTip(TEXTS["head_hint"])
        self.earlier = QtWidgets.QListWidget()
        self.earlier.setObjectName("earlierCases")
        self.earlier.setMaximumHeight(110)
        self.earlier.itemChanged.connect(self._update_warning)
        self.warning = QtWidgets.QLabel()
        self.warning.setObjectName("repeatWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {WARNING_HEX}; font-weight: bold;")
        self.missing = QtWidgets.QLabel()
        self.missing.setObjectName("missingHint")
        self.error = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self._layout(buttons)
        self.add_person()
        self.people[0].name.setFocus()
        self.validate()

    def _line(self, name: str, completions: list[str] | None = None) -> QtWidgets.QLineEdit:
        line = QtWidgets.QLineEdit()
        line.setObjectName(name)
        if completions:
            line.setCompleter(QtWidgets.QCompleter(completions, line))
        return line

    def _layout(self, buttons: QtWidgets.QDialogButtonBox) -> None:
        top = QtWidgets.QFormLayout()
        top.addRow(TEXTS["channel"] + "：", self.channel)
        case_form = QtWidgets.QFormLayout()
        case_form.addRow(TEXTS["summary"] + "：", self.summary)
        case_form.addRow(TEXTS["domain"] + "：", self.domain)
        place = QtWidgets.QHBoxLayout()
        place.addWidget(self.township, 1)
        place.addWidget(QtWidgets.QLabel(TEXTS["village"] + "："))
        place.addWidget(self.village, 1)
        case_form.addRow(TEXTS["township"] + "：", place)
        case_form.addRow(TEXTS["authority_unit"] + "：", self.authority_unit)
        case_form.addRow(TEXTS["head_count"] + "：", self.head_count)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.people_layout)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(case_form)
        layout.addWidget(QtWidgets.QLabel(TEXTS["earlier"]))
        layout.addWidget(self.earlier)
        layout.addWidget(self.warning)
        layout.addWidget(self.error)
        layout.addWidget(self.missing)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)

    # ----- people -----------------------------------------------------------------------------------------------
    def add_person(self) -> PersonBox:
        box = PersonBox(len(self.people) + 1)
        box.edited.connect(self._person_edited)
        box.remove.clicked.connect(lambda: self.remove_person(box))
        self.people.append(box)
        self.people_layout.addWidget(box)
        self.add_button.setEnabled(len(self.people) < MAX_PEOPLE)
        self._fix_tab_order()
        if len(self.people) > 1:
            box.name.setFocus()
        self.validate()
        return box

    def _fix_tab_order(self) -> None:
        """Tab follows reading order, people included, whatever order the widgets were made in."""
        chain: list[QtWidgets.QWidget] = [self.channel]
        for box in self.people:
            chain += [box.name, box.id_number, box.phone, box.address]
        chain += [self.add_button, self.summary, self.domain, self.township, self.village, self.authority_unit,
                  self.head_count, self.earlier, self.save_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QtWidgets.QWidget.setTabOrder(first, second)

    def remove_person(self, box: PersonBox) -> None:
        if len(self.people) > 1 and box in self.people:
            self.people.remove(box)
            box.setParent(None)
            box.deleteLater()
            for number, other in enumerate(self.people, start=1):
                other.setTitle(TEXTS["person"].format(n=number))
            self.add_button.setEnabled(True)
            self._fix_tab_order()
            self._person_edited()

    def _person_edited(self) -> None:
        self.validate()
        self._look_up_earlier()

    # ----- earlier cases ----------------------------------------------------------------------------------------
    def _look_up_earlier(self) -> None:
        checked = set(self.repeat_of())
        found: dict[str, dict[str, object]] = {}
        for box in self.people:
            key = box.lookup_key()
            if key:
                for case in earlier_cases(self.desk.conn, *key):
                    found.setdefault(str(case["case_id"]), case)
        self.earlier.blockSignals(True)
        self.earlier.clear()
        for case_id, case in found.items():
            round_text = TEXTS["round"].format(n=case["repeat_round"]) if int(str(case["repeat_round"])) > 1 else ""
            text = (f"{case_id}　{str(case['registered_at'])[:10]}　{STATUSES.get(str(case['status']), '')}"
                    f"　{round_text}　{case['request_summary']}")
            item = QtWidgets.QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if case_id in checked else Qt.CheckState.Unchecked)
            self.earlier.addItem(item)
        if not found:
            placeholder = QtWidgets.QListWidgetItem(TEXTS["no_earlier"])
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.earlier.addItem(placeholder)
        self.earlier.blockSignals(False)
        self._update_warning()

    def earlier_case_ids(self) -> list[str]:
        items = (self.earlier.item(i) for i in range(self.earlier.count()))
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i.data(Qt.ItemDataRole.UserRole)]

    def repeat_of(self) -> list[str]:
        items = (self.earlier.item(i) for i in range(self.earlier.count()))
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items
                if i.data(Qt.ItemDataRole.UserRole) and i.checkState() == Qt.CheckState.Checked]

    def set_linked(self, case_id: str, linked: bool = True) -> None:
        for i in range(self.earlier.count()):
            item = self.earlier.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == case_id:
                item.setCheckState(Qt.CheckState.Checked if linked else Qt.CheckState.Unchecked)

    def _update_warning(self, *_args: object) -> None:
        linked = self.repeat_of()
        text = repeat_warning(len(linked) + 1) if linked else ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    # ----- checking and saving ----------------------------------------------------------------------------------
    def validate(self) -> bool:
        """Enable 保存 only when the form can be registered; say what is still missing."""
        missing = []
        if not self.people or any(not box.name.text().strip() for box in self.people):
            missing.append(TEXTS["need_name"])
        if not self.summary.toPlainText().strip():
            missing.append(TEXTS["need_summary"])
        problems = [p for box in self.people for p in box.problems()]
        ok = not missing and not problems
        self.save_button.setEnabled(ok)
        hint = TEXTS["missing"].format(what="、".join(missing)) if missing else ""
        if problems:
            hint = "；".join(x for x in (hint, TEXTS["fix_fields"]) if x)
        self.missing.setText(hint)
        self.save_button.setToolTip(hint)
        return ok

    def draft(self) -> CaseDraft:
        return CaseDraft(
            channel=str(self.channel.currentData()), petitioners=[b.petitioner() for b in self.people],
            request_summary=self.summary.toPlainText(), domain=self.domain.currentText(),
            township=self.township.text(), village=self.village.text(), authority_unit=self.authority_unit.text(),
            jurisdiction=self.township.text(), head_count=self.head_count.value(), repeat_of=self.repeat_of(),
        )

    def save(self) -> None:
        if not self.validate():
            return
        try:
            self.case_id = self.desk.register_case(self.draft())
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.registered.emit(self.case_id)
        self.accept()
