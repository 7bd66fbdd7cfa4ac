"""Correcting a case (修改信息): the fields set at registration, the petitioners checked as they are typed (the same
boxes as the new-case dialog), and a line saying which fields 保存 will change. Each changed field is recorded as
one event, so the timeline shows the old value beside the new one; with nothing changed nothing is recorded."""

from __future__ import annotations

from app.models.case_conflicts import EDITABLE_FIELDS
from app.models.errors import DomainError
from app.models.intake import CaseDraft
from app.models.vocab import CHANNELS
from app.ops.case_edit import edit_case, planned_edits
from app.ops.desk import Desk
from app.store.queries import distinct_values
from app.views.common import ERROR_HEX, error_label, show_error
from app.views.people_editor import MAX_PEOPLE, PeopleEditor, form_hint
from app.views.qt import Qt, QtWidgets, Signal
from app.views.step_dialogs import NoteEdit

QUIET_HEX = "#6b7785"
TEXTS = {
    "title": "{case_id}：修改信息",
    "intro": "改正登记时填写的内容。每一处修改都记入办理过程，原来的内容保留可查。",
    "case": "案件信息",
    "people": "信访人",
    "channel": "来源渠道",
    "head_count": "人数",
    "head_hint": "来访5人及以上为集体访",
    "domain": "领域",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "jurisdiction": "属地",
    "authority_unit": "事权单位",
    "summary": "诉求",
    "unchanged": "尚未修改任何内容",
    "changes": "保存后将修改：{fields}",
    "save": "保存(&S)",
    "cancel": "取消",
}


class EditCaseDialog(QtWidgets.QDialog):
    """The registration fields of one case, filled with its present values; ``saved`` carries the number of
    fields recorded (0 when nothing changed)."""

    saved = Signal(int)

    def __init__(self, desk: Desk, case_id: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("editCaseDialog")
        self.setWindowTitle(TEXTS["title"].format(case_id=case_id))
        self.desk, self.case_id = desk, case_id
        self.state = desk.case(case_id)  # what the form started from: only fields changed here are written
        state = self.state
        self.channel = QtWidgets.QComboBox()
        for code, label in CHANNELS.items():
            self.channel.addItem(label, code)
        self.channel.setCurrentIndex(max(self.channel.findData(state.channel), 0))
        self.head_count = QtWidgets.QSpinBox()
        self.head_count.setRange(1, 999)
        self.head_count.setValue(state.head_count)
        self.head_count.setSuffix(" 人")
        self.head_count.setToolTip(TEXTS["head_hint"])
        self.domain = QtWidgets.QComboBox()
        domains = list(desk.domains) + ([state.domain] if state.domain not in desk.domains else [])
        self.domain.addItems(domains)
        self.domain.setCurrentText(state.domain)
        townships = distinct_values(desk.conn, "township")
        self.township = self._line(state.township, townships)
        self.village = self._line(state.village)
        self.jurisdiction = self._line(state.jurisdiction, townships)
        self.authority_unit = self._line(state.authority_unit)
        self.summary = NoteEdit()
        self.summary.setPlainText(state.request_summary)
        self.summary.submitted.connect(self.save)
        self.people_editor = PeopleEditor(max(MAX_PEOPLE, len(state.petitioners)), add_button_inside=False)
        for person in state.petitioners:
            self.people_editor.add_person(person)
        if not state.petitioners:
            self.people_editor.add_person()
        for name, widget in (("channelField", self.channel), ("headCountField", self.head_count),
                             ("domainField", self.domain), ("townshipField", self.township),
                             ("villageField", self.village), ("jurisdictionField", self.jurisdiction),
                             ("authorityUnitField", self.authority_unit), ("summaryField", self.summary)):
            widget.setObjectName(name)
        self.changes = QtWidgets.QLabel()
        self.changes.setObjectName("changesHint")
        self.changes.setWordWrap(True)
        self.error = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveButton")
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self._layout(buttons)
        self.save_button.setDefault(True)  # once inside the dialog, so that Enter in any line saves
        self._connect()
        self._fix_tab_order()
        self.validate()
        self.summary.setFocus()

    def _line(self, text: str, completions: list[str] | None = None) -> QtWidgets.QLineEdit:
        line = QtWidgets.QLineEdit(text)
        if completions:
            line.setCompleter(QtWidgets.QCompleter(completions, line))
        return line

    def _layout(self, buttons: QtWidgets.QDialogButtonBox) -> None:
        case_box = QtWidgets.QGroupBox(TEXTS["case"])
        form = QtWidgets.QFormLayout(case_box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        channel_row = QtWidgets.QHBoxLayout()
        channel_row.addWidget(self.channel, 1)
        head_label = QtWidgets.QLabel(TEXTS["head_count"] + "：")
        head_label.setBuddy(self.head_count)
        channel_row.addWidget(head_label)
        channel_row.addWidget(self.head_count)
        form.addRow(TEXTS["channel"] + "：", channel_row)
        form.addRow(TEXTS["domain"] + "：", self.domain)
        form.addRow(TEXTS["township"] + "：", self.township)
        form.addRow(TEXTS["village"] + "：", self.village)
        form.addRow(TEXTS["jurisdiction"] + "：", self.jurisdiction)
        form.addRow(TEXTS["authority_unit"] + "：", self.authority_unit)
        form.addRow(TEXTS["summary"] + "：", self.summary)

        people_scroll = QtWidgets.QScrollArea()
        people_scroll.setObjectName("peopleScroll")
        people_scroll.setWidgetResizable(True)
        people_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        people_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QtWidgets.QWidget()
        holder_layout = QtWidgets.QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 4, 0)
        holder_layout.addWidget(self.people_editor)
        holder_layout.addStretch(1)
        people_scroll.setWidget(holder)
        # Two people show whole, each with room for a red reason under a field; more scroll, so the dialog still
        # fits a 768-pixel laptop screen. 添加信访人 stays in view below them.
        box_height = self.people_editor.boxes[0].sizeHint().height() + self.fontMetrics().lineSpacing()
        people_scroll.setMinimumHeight(box_height * min(2, len(self.people_editor.boxes)) + 12)
        people_column = QtWidgets.QVBoxLayout()
        people_column.addWidget(people_scroll, 1)
        people_column.addWidget(self.people_editor.add_button, 0, Qt.AlignmentFlag.AlignLeft)

        columns = QtWidgets.QHBoxLayout()
        columns.addWidget(case_box, 1)
        columns.addLayout(people_column, 1)
        intro = QtWidgets.QLabel(TEXTS["intro"])
        intro.setObjectName("editIntro")
        intro.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.changes)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 64)

    def _connect(self) -> None:
        self.channel.currentIndexChanged.connect(self.validate)
        self.head_count.valueChanged.connect(self.validate)
        self.domain.currentIndexChanged.connect(self.validate)
        for line in (self.township, self.village, self.jurisdiction, self.authority_unit):
            line.textChanged.connect(self.validate)
        self.summary.textChanged.connect(self.validate)
        self.people_editor.edited.connect(self.validate)
        self.people_editor.people_changed.connect(self._people_changed)

    def _people_changed(self) -> None:
        self._fix_tab_order()
        self.validate()

    def _fix_tab_order(self) -> None:
        chain: list[QtWidgets.QWidget] = [self.channel, self.head_count, self.domain, self.township, self.village,
                                          self.jurisdiction, self.authority_unit, self.summary,
                                          *self.people_editor.focus_chain(), self.save_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QtWidgets.QWidget.setTabOrder(first, second)

    # ----- checking and saving ----------------------------------------------------------------------------------
    def draft(self) -> CaseDraft:
        return CaseDraft(
            channel=str(self.channel.currentData()), petitioners=self.people_editor.petitioners(),
            request_summary=self.summary.toPlainText(), domain=self.domain.currentText(),
            township=self.township.text(), village=self.village.text(), authority_unit=self.authority_unit.text(),
            jurisdiction=self.jurisdiction.text(), head_count=self.head_count.value(),
            backlog=self.state.backlog, leader=self.state.leader, repeat_of=list(self.state.repeat_of),
        )

    def changed_fields(self) -> list[str]:
        """The Chinese names of the fields 保存 would record (empty while the form cannot be saved)."""
        try:
            changes = planned_edits(self.state, self.draft(), self.desk.domains)
        except DomainError:
            return []
        return [EDITABLE_FIELDS[name] for name in changes]

    def validate(self) -> bool:
        """保存 is enabled once the form could be registered; the line below says what it would change."""
        ok, hint = form_hint(self.people_editor, self.summary.toPlainText())
        self.save_button.setEnabled(ok)
        self.save_button.setToolTip(hint)
        show_error(self.error, "")
        fields = self.changed_fields() if ok else []
        self.changes.setText(hint if not ok else TEXTS["changes"].format(fields="、".join(fields)) if fields
                             else TEXTS["unchanged"])
        # What is wrong in red, what 保存 will change in bold, nothing to save in grey.
        style = f"color: {ERROR_HEX};" if not ok else "font-weight: bold;" if fields else f"color: {QUIET_HEX};"
        self.changes.setStyleSheet(style)
        return ok

    def save(self) -> None:
        """Record the changed fields and close; with nothing changed, close without recording anything."""
        if not self.validate():
            return
        try:
            events = edit_case(self.desk, self.case_id, self.draft(), since=self.state)
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.saved.emit(len(events))
        self.accept()
