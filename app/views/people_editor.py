"""The petitioners' fields shared by registering (登记) and correcting (修改信息) a case: one box per person, the ID
number and phone checked on every keystroke with the reason in red under the field, and the same "what is still
missing" hint in both dialogs."""

from __future__ import annotations

from app.models.case import Petitioner
from app.models.identity import id_problem, phone_problem
from app.views.common import ERROR_HEX
from app.views.qt import Qt, QtWidgets, Signal

MAX_PEOPLE = 5
TEXTS = {
    "person": "信访人{n}",
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "电话",
    "address": "住址",
    "add_person": "添加信访人(&A)",
    "remove_person": "移除",
    "missing": "尚需填写：{what}",
    "need_name": "信访人姓名",
    "need_summary": "诉求",
    "fix_fields": "请改正标红的字段",
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

    def set_petitioner(self, person: Petitioner) -> None:
        for field, text in ((self.name, person.name), (self.id_number, person.id_number),
                            (self.phone, person.phone), (self.address, person.address)):
            field.setText(text)

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


class PeopleEditor(QtWidgets.QWidget):
    """The petitioners of a case: a box per person, 添加信访人 below them, 移除 on every box but the first.

    ``edited`` follows every keystroke and the removal of a person (a new, empty box changes no lookup);
    ``people_changed`` follows adding or removing one, when the dialog checks again and sets its tab order."""

    edited = Signal()
    people_changed = Signal()

    def __init__(self, max_people: int = MAX_PEOPLE, add_button_inside: bool = True,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("peopleEditor")
        self.max_people = max_people
        self.boxes: list[PersonBox] = []
        self.add_button = QtWidgets.QPushButton(TEXTS["add_person"])
        self.add_button.setObjectName("addPerson")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add_clicked)
        self.box_layout = QtWidgets.QVBoxLayout()
        self.box_layout.setContentsMargins(0, 0, 0, 0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.box_layout)
        if add_button_inside:  # else the dialog places it (under a scrolling list of people, always in view)
            layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

    def add_person(self, person: Petitioner | None = None) -> PersonBox:
        box = PersonBox(len(self.boxes) + 1)
        if person is not None:
            box.set_petitioner(person)
        box.edited.connect(self.edited)
        box.remove.clicked.connect(lambda: self.remove_person(box))
        self.boxes.append(box)
        self.box_layout.addWidget(box)
        self.add_button.setEnabled(len(self.boxes) < self.max_people)
        self.people_changed.emit()
        if len(self.boxes) > 1 and person is None:
            box.name.setFocus()
        return box

    def _add_clicked(self) -> None:
        self.add_person()  # not connected directly: clicked(bool) would arrive as the person

    def remove_person(self, box: PersonBox) -> None:
        if len(self.boxes) > 1 and box in self.boxes:
            self.boxes.remove(box)
            box.setParent(None)
            box.deleteLater()
            for number, other in enumerate(self.boxes, start=1):
                other.setTitle(TEXTS["person"].format(n=number))
            self.add_button.setEnabled(len(self.boxes) < self.max_people)
            self.people_changed.emit()
            self.edited.emit()

    def petitioners(self) -> list[Petitioner]:
        return [box.petitioner() for box in self.boxes]

    def focus_chain(self) -> list[QtWidgets.QWidget]:
        """The fields in reading order, then 添加信访人, for the dialog's tab order."""
        chain: list[QtWidgets.QWidget] = []
        for box in self.boxes:
            chain += [box.name, box.id_number, box.phone, box.address]
        return [*chain, self.add_button]


def form_hint(people: PeopleEditor, summary: str) -> tuple[bool, str]:
    """Whether the people and the summary can be saved, and what the handler still has to do (empty when ok)."""
    missing = []
    if not people.boxes or any(not box.name.text().strip() for box in people.boxes):
        missing.append(TEXTS["need_name"])
    if not summary.strip():
        missing.append(TEXTS["need_summary"])
    problems = [p for box in people.boxes for p in box.problems()]
    hint = TEXTS["missing"].format(what="、".join(missing)) if missing else ""
    if problems:
        hint = "；".join(x for x in (hint, TEXTS["fix_fields"]) if x)
    return not missing and not problems, hint
