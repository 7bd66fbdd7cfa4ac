"""Registering a new case (登记): keyboard-first, checked as the handler types, with the person's earlier cases.

The ID number and phone are checked on every keystroke and the reason shown in red beside the field; 保存 stays
disabled until the case can be registered, and Enter saves. Earlier cases of the same person (same ID number, or
same name and phone) are listed with a tick box each to link them as a repeat petition; a third round of the same
matter shows the 事不过二 warning.
"""

from __future__ import annotations

from app.models.errors import DomainError
from app.models.intake import CaseDraft, repeat_warning
from app.models.vocab import CHANNELS, HOTLINE_CHANNEL, STATUSES
from app.ops.desk import Desk
from app.store.queries import distinct_values, earlier_cases
from app.views.common import WARNING_HEX, ScrollArea, error_label, fitted, grow_to_hint, show_error
from app.views.people_editor import PeopleEditor, PersonBox, form_hint
from app.views.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from app.views.step_dialogs import CHOICES, NoteEdit, WhenEdit, problem_choices

TEXTS = {
    "title": "登记新案件",
    "channel": "来源渠道",
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
    "found": "查到信访人的既往案件 {n} 件，可能是同一事项　<a href=\"earlier\">查看并勾选（Alt+E）…</a>",
    "save": "保存(&S)",
    "cancel": "取消",
    "round": "第{n}次",
    "received": "收到日期",
    "settled": "（已复核：同一事实和理由应不再受理）",
    "class": "诉求分类",
    "work_order": "工单编号",
    "work_order_hint": "12345热线工单编号",
}


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
        self.received = WhenEdit(desk.now())
        self.received.setObjectName("receivedField")
        self.work_order = self._line("workOrderField")
        self.work_order.setPlaceholderText(TEXTS["work_order_hint"])
        self.work_order_label = QtWidgets.QLabel(TEXTS["work_order"] + "：")
        self.channel.currentIndexChanged.connect(self._channel_changed)
        self.classes: dict[str, QtWidgets.QComboBox] = {}
        for key in ("category", "problem_type", "purpose", "legal_route"):
            combo = QtWidgets.QComboBox()
            combo.setObjectName(f"{key}Field")
            for code, text in problem_choices(desk.problem_types) if key == "problem_type" else CHOICES[key]:
                combo.addItem(text, code)
            self.classes[key] = combo
        self.people_editor = PeopleEditor()
        self.people_editor.edited.connect(self._person_edited)
        self.people_editor.people_changed.connect(self._people_changed)
        self.add_button = self.people_editor.add_button
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
        # Below the scrolling form, beside the warning and 保存: with three petitioners the list of earlier cases
        # is below the fold, so this line says they were found and its link (Alt+E) scrolls to them.
        self.found = QtWidgets.QLabel()
        self.found.setObjectName("earlierFound")
        self.found.setTextFormat(Qt.TextFormat.RichText)
        self.found.linkActivated.connect(lambda _link: self.show_earlier())
        self.found.hide()
        QtGui.QShortcut(QtGui.QKeySequence("Alt+E"), self, self.show_earlier)
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
        channel_row = QtWidgets.QHBoxLayout()
        channel_row.addWidget(self.channel, 1)
        channel_row.addWidget(QtWidgets.QLabel(TEXTS["received"] + "："))
        channel_row.addWidget(self.received, 1)
        channel_row.addWidget(self.work_order_label)
        channel_row.addWidget(self.work_order, 1)
        top.addRow(TEXTS["channel"] + "：", channel_row)
        class_row = QtWidgets.QHBoxLayout()
        for combo in self.classes.values():
            class_row.addWidget(combo, 1)
        self._channel_changed()
        case_form = QtWidgets.QFormLayout()
        case_form.addRow(TEXTS["summary"] + "：", self.summary)
        case_form.addRow(TEXTS["domain"] + "：", self.domain)
        case_form.addRow(TEXTS["class"] + "：", class_row)
        place = QtWidgets.QHBoxLayout()
        place.addWidget(self.township, 1)
        place.addWidget(QtWidgets.QLabel(TEXTS["village"] + "："))
        place.addWidget(self.village, 1)
        case_form.addRow(TEXTS["township"] + "：", place)
        case_form.addRow(TEXTS["authority_unit"] + "：", self.authority_unit)
        case_form.addRow(TEXTS["head_count"] + "：", self.head_count)
        # The form scrolls (three petitioners do not fit a 768-line screen); the warnings and buttons stay in view.
        form = QtWidgets.QWidget()
        form_layout = QtWidgets.QVBoxLayout(form)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addLayout(top)
        form_layout.addWidget(self.people_editor)
        form_layout.addLayout(case_form)
        form_layout.addWidget(QtWidgets.QLabel(TEXTS["earlier"]))
        form_layout.addWidget(self.earlier)
        self.form_scroll = ScrollArea(form)
        self.form_scroll.setObjectName("newCaseScroll")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.form_scroll, 1)
        layout.addWidget(self.found)
        layout.addWidget(self.warning)
        layout.addWidget(self.error)
        layout.addWidget(self.missing)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)
        fitted(self)

    # ----- people -----------------------------------------------------------------------------------------------
    @property
    def people(self) -> list[PersonBox]:
        return self.people_editor.boxes

    def add_person(self) -> PersonBox:
        return self.people_editor.add_person()

    def remove_person(self, box: PersonBox) -> None:
        self.people_editor.remove_person(box)

    def _fix_tab_order(self) -> None:
        """Tab follows reading order, people included, whatever order the widgets were made in."""
        chain: list[QtWidgets.QWidget] = [self.channel, *self.people_editor.focus_chain()]
        chain += [self.summary, self.domain, self.township, self.village, self.authority_unit,
                  self.head_count, self.earlier, self.save_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QtWidgets.QWidget.setTabOrder(first, second)

    def _people_changed(self) -> None:
        self._fix_tab_order()
        self.validate()
        if self.isVisible():  # grow with a new person while the screen has room, and scroll to them
            grow_to_hint(self)
            if self.people:
                QtCore.QTimer.singleShot(0, lambda: self.form_scroll.ensureWidgetVisible(self.people[-1]))

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
            settled = TEXTS["settled"] if int(str(case.get("review_round") or 0)) >= 2 else ""
            text = (f"{case_id}　{str(case['registered_at'])[:10]}　{STATUSES.get(str(case['status']), '')}"
                    f"{settled}　{round_text}　{case['request_summary']}")
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
        self.found.setText(TEXTS["found"].format(n=len(found)))
        self.found.setVisible(bool(found))
        self._update_warning()

    def show_earlier(self) -> None:
        """Scroll the form to the earlier cases and put the focus on them (to tick one with the space bar)."""
        self.form_scroll.ensureWidgetVisible(self.earlier)
        self.earlier.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.earlier.currentRow() < 0 and self.earlier.count():
            self.earlier.setCurrentRow(0)

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
        text = repeat_warning(len(self.desk.repeat_chain(linked)) + 1) if linked else ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    # ----- checking and saving ----------------------------------------------------------------------------------
    def validate(self) -> bool:
        """Enable 保存 only when the form can be registered; say what is still missing."""
        ok, hint = form_hint(self.people_editor, self.summary.toPlainText())
        self.save_button.setEnabled(ok)
        self.missing.setText(hint)
        self.save_button.setToolTip(hint)
        return ok

    def draft(self) -> CaseDraft:
        return CaseDraft(
            channel=str(self.channel.currentData()), petitioners=[b.petitioner() for b in self.people],
            request_summary=self.summary.toPlainText(), domain=self.domain.currentText(),
            township=self.township.text(), village=self.village.text(), authority_unit=self.authority_unit.text(),
            jurisdiction=self.township.text(), head_count=self.head_count.value(), repeat_of=self.repeat_of(),
            category=self.classes["category"].currentData() or "",
            problem_type=self.classes["problem_type"].currentData() or "",
            purpose=self.classes["purpose"].currentData() or "",
            legal_route=self.classes["legal_route"].currentData() or "",
            work_order=self.work_order.text() if self.channel.currentData() == HOTLINE_CHANNEL else "",
        )

    def _channel_changed(self, *_args: object) -> None:
        hotline = self.channel.currentData() == HOTLINE_CHANNEL
        self.work_order.setVisible(hotline)
        self.work_order_label.setVisible(hotline)

    def save(self) -> None:
        if not self.validate():
            return
        try:
            self.case_id = self.desk.register_case(self.draft(), self.received.when())
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.registered.emit(self.case_id)
        self.accept()
