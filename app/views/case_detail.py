"""The case detail beside the list: every field and petitioner, the light and time limit, the repeat warning,
the buttons for the steps valid now, and the timeline of every event with its evidence."""

from __future__ import annotations

from pathlib import Path

from app.models.case import OUT_OF_TURN_WARNING, CaseState
from app.models.case_conflicts import FIELD_LABELS
from app.models.deadlines import days_text, objection_window
from app.models.errors import DomainError
from app.models.events import when_text
from app.models.intake import repeat_warning
from app.models.light import case_light
from app.models.timeline import classification_text
from app.models.vocab import CHANNELS, COLOURS, EVENT_LABELS, EVIDENCE_KINDS, RATINGS, STATUSES
from app.models.workflow import ALLOWED_FROM, offered_steps, other_steps
from app.ops.desk import Desk
from app.store.stations import StationTree
from app.views.action_row import ActionRow, case_action
from app.views.bus import ChangeBus
from app.views.case_actions import CaseActions
from app.views.common import COLOUR_HEX, WARNING_HEX, escape, message
from app.views.evidence_files import open_in_viewer
from app.views.paper_dialog import papers_menu
from app.views.qt import Qt, QtCore, QtGui, QtWidgets
from app.views.role_gates import show_right

TEXTS = {
    "empty": "在左侧列表中选择一件案件，这里显示它的全部信息和办理过程。",
    "fields": "基本信息",
    "finished_light": "已结",
    "petitioners": "信访人",
    "summary": "诉求",
    "timeline": "办理过程（全过程留痕）",
    "evidence": "佐证材料：",
    "evidence_tip": "所选办理事项的佐证材料（双击或回车打开）",
    "no_evidence": "无",
    "open": "打开",
    "attach": "补充材料",
    "edit": "修改信息…",
    "leader": "包案领导…",
    "backlog_on": "列为积案",
    "backlog_off": "取消积案",
    "annul": "撤销上一步",
    "papers": "文书",
    "supervise": "督办",
    "supervise_tip": "对本案下达督办：督办期限和要求完成的步骤",
    "deadline": "{what}（{days}）",
    "objection": "单位异议期限：{due}（派发后{n}个工作日）",
    "no_deadline": "当前没有计时的办理期限",
    "conflicts": "有 {n} 处修改冲突待处理：{fields}　<a href=\"conflicts\">打开修改冲突…</a>",
    "open_failed": "无法打开佐证材料",
    "id": "身份证号",
    "phone": "电话",
    "address": "地址",
}
DETAIL_ROWS = (
    ("channel", "来源渠道"), ("domain", "领域"), ("place", "地点"), ("authority_unit", "事权单位"),
    ("dispatch_units", "派发单位"), ("leader", "包案领导"), ("registered_at", "登记"), ("rating", "回访评价"),
    ("repeat_of", "关联案件"), ("classification", "诉求分类"),
)
# The latest timeline entries the detail keeps room for before it gives the fields more height.
TIMELINE_ROOM = 5
# Rows left out while they have nothing to say, so the timeline keeps its room.
OPTIONAL_FIELDS = frozenset({"dispatch_units", "leader", "rating", "repeat_of"})


class CaseDetail(QtWidgets.QWidget):
    """Shows one case; refreshes itself when the bus says the case changed."""

    def __init__(self, desk: Desk, bus: ChangeBus, actions: CaseActions,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseDetail")
        self.desk, self.case_actions = desk, actions
        self.case_id: str | None = None
        self.state: CaseState | None = None
        self._timeline_case = ""
        bus.changed.connect(self._on_changed)

        self.stack = QtWidgets.QStackedLayout(self)
        empty = QtWidgets.QLabel(TEXTS["empty"])
        empty.setObjectName("detailEmpty")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        # Its text must not set the pane's minimum width: it wraps to whatever room there is.
        empty.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.stack.addWidget(empty)
        # The case's page (and the timeline's modules) are built when a case is first shown: the window shows
        # its first rows before any case is chosen, and sooner without them.
        self._page_built = False

    def build_page(self) -> None:
        """Build the case's page now (the window does, once its first rows are painted)."""
        if not self._page_built:
            self._page_built = True
            self.stack.addWidget(self._build_page())

    # ----- building ---------------------------------------------------------------------------------------------
    def _build_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(10, 8, 10, 8)
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("detailTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.colour = QtWidgets.QLabel()
        self.colour.setObjectName("detailColour")
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("detailStatus")
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.status)
        head.addStretch(1)
        head.addWidget(self.colour)
        layout.addLayout(head)
        self.deadline = QtWidgets.QLabel()
        self.deadline.setObjectName("detailDeadline")
        self.deadline.setWordWrap(True)
        layout.addWidget(self.deadline)
        self.warning = QtWidgets.QLabel()
        self.warning.setObjectName("repeatWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {WARNING_HEX}; font-weight: bold;")
        self.warning.setTextFormat(Qt.TextFormat.RichText)
        self.warning.linkActivated.connect(self.open_conflicts)
        layout.addWidget(self.warning)
        self.action_bar = ActionRow()
        self._actions: dict[str, QtGui.QAction] = {}
        layout.addWidget(self.action_bar)

        splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._sized_for = ""
        splitter.addWidget(self._build_info())
        splitter.addWidget(self._build_timeline())
        splitter.setStretchFactor(0, 0)  # the fields keep their height; the timeline takes what the window gives
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        return page

    def _build_info(self) -> QtWidgets.QWidget:
        inner = QtWidgets.QWidget()
        inner.setObjectName("detailInfo")
        self.grid = QtWidgets.QGridLayout(inner)
        self.grid.setContentsMargins(0, 0, 6, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(3)
        self.values: dict[str, QtWidgets.QLabel] = {}
        self._wide_rows: list[tuple[QtWidgets.QLabel, QtWidgets.QLabel]] = []
        self._pairs: list[tuple[QtWidgets.QLabel, QtWidgets.QLabel]] = []
        for key, label in (("petitioners", TEXTS["petitioners"]), ("summary", TEXTS["summary"]), *DETAIL_ROWS):
            # Parented at once: _arrange shows them before they are in the grid, and a parentless label shown
            # would flash up as a window of its own (and take the focus from the main window).
            name = QtWidgets.QLabel(label + "：", inner)
            name.setObjectName("fieldName")
            value = QtWidgets.QLabel(inner)
            value.setObjectName(f"value_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            (self._wide_rows if key in ("petitioners", "summary") else self._pairs).append((name, value))
        self._columns = 0
        self._shown: set[str] = set(self.values)
        self._arrange(2)
        scroll = QtWidgets.QScrollArea()
        scroll.setObjectName("detailScroll")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        self.info, self.info_scroll = inner, scroll
        return scroll

    def _arrange(self, columns: int, force: bool = False) -> None:
        """Fields in two columns of label and value when the pane is wide, one when it is narrow; empty
        optional fields left out."""
        if columns == self._columns and not force:
            return
        self._columns = columns
        for name, value in self._wide_rows + self._pairs:
            self.grid.removeWidget(name)
            self.grid.removeWidget(value)
        top = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight
        for row, (name, value) in enumerate(self._wide_rows):
            self.grid.addWidget(name, row, 0, top)
            self.grid.addWidget(value, row, 1, 1, 2 * columns - 1)
        first = len(self._wide_rows)
        shown = [(n, v) for n, v in self._pairs if v.objectName().removeprefix("value_") in self._shown]
        for name, value in self._pairs:
            visible = (name, value) in shown
            name.setVisible(visible)
            value.setVisible(visible)
        for i, (name, value) in enumerate(shown):
            row, column = first + i // columns, (i % columns) * 2
            self.grid.addWidget(name, row, column, top)
            self.grid.addWidget(value, row, column + 1)
        for column in range(4):
            self.grid.setColumnStretch(column, 1 if column % 2 and column < 2 * columns else 0)
        last = first + (len(shown) + columns - 1) // columns
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 1 if row == last else 0)  # spare height below, not between rows

    def open_conflicts(self, _link: str = "") -> None:
        """The conflict line's link: the 同步 menu's conflicts view (installed by app.views.sync_menu)."""
        action = self.window().findChild(QtGui.QAction, "sync_conflicts")
        if action is not None:
            action.trigger()

    def _columns_for(self, width: int) -> int:
        return 2 if width >= self.fontMetrics().horizontalAdvance("中") * 34 else 1

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = self._columns_for(event.size().width())
        if self._page_built and columns != self._columns:
            self._arrange(columns)
            if self.state is not None:
                QtCore.QTimer.singleShot(0, self._size_info)  # once the new arrangement has its geometry

    def _build_timeline(self) -> QtWidgets.QWidget:
        from app.views.timeline_model import TimelineModel
        from app.views.timeline_view import TimelineView

        box = QtWidgets.QGroupBox(TEXTS["timeline"])
        layout = QtWidgets.QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)  # every pixel here is the timeline's on a small screen
        layout.setSpacing(4)
        self.timeline_model = TimelineModel(self)
        self.timeline = TimelineView()
        self.timeline.setModel(self.timeline_model)
        self.timeline.selectionModel().currentRowChanged.connect(self._show_evidence)
        self.timeline.doubleClicked.connect(lambda _i: self.open_evidence(0))
        layout.addWidget(self.timeline, 1)
        # The evidence of the chosen entry on one line under the timeline (its label beside the list, not above
        # it): every line given to this row is a line the timeline loses on a small screen.
        row = QtWidgets.QHBoxLayout()
        label = QtWidgets.QLabel(TEXTS["evidence"])
        label.setToolTip(TEXTS["evidence_tip"])
        row.addWidget(label)
        self.evidence = QtWidgets.QListWidget()
        self.evidence.setObjectName("evidenceList")
        self.evidence.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.evidence.setFixedHeight(self.fontMetrics().lineSpacing() + 16)
        self.evidence.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.evidence.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.evidence.setSpacing(2)
        self.evidence.itemActivated.connect(lambda item: self.open_evidence(self.evidence.row(item)))
        row.addWidget(self.evidence, 1)
        open_button = QtWidgets.QPushButton(TEXTS["open"])
        open_button.setObjectName("openEvidence")
        open_button.clicked.connect(lambda: self.open_evidence(max(self.evidence.currentRow(), 0)))
        row.addWidget(open_button)
        layout.addLayout(row)
        return box

    # ----- showing ----------------------------------------------------------------------------------------------
    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self.reload()

    def _on_changed(self, kinds: frozenset[str], case_ids: tuple[str, ...]) -> None:
        if self.case_id and "cases" in kinds and (not case_ids or self.case_id in case_ids):
            self.reload()

    def reload(self) -> None:
        try:
            self.state = self.desk.case(self.case_id) if self.case_id else None
        except DomainError:
            self.state = None
        if self.state is None:
            self.stack.setCurrentIndex(0)
            return
        self.build_page()
        self.stack.setCurrentIndex(1)
        self._fill(self.state)
        self._fill_actions(self.state)
        # The timeline opens on the latest event, and follows a new one; otherwise it keeps the row in view.
        before = self.timeline_model.rowCount() if self._timeline_case == self.state.case_id else -1
        current = self.timeline.currentIndex().row()
        own = self.desk.require_station().code
        self.timeline_model.set_events(self.desk.events(self.state.case_id), self.state.out_of_turn, own,
                                       StationTree.load(self.desk.conn).above())
        self._timeline_case = self.state.case_id
        rows = self.timeline_model.rowCount()
        if rows != before:
            current = -1
        if rows:
            row = min(current, rows - 1) if current >= 0 else rows - 1
            index = self.timeline_model.index(row, 0)
            self.timeline.setCurrentIndex(index)
            # Entries have their heights only once laid out, so scroll on the next turn of the event loop.
            QtCore.QTimer.singleShot(0, lambda: self.timeline.scrollTo(self.timeline.currentIndex()))
        self._show_evidence()

    def _fill(self, state: CaseState) -> None:
        today = self.desk.today()
        self.title.setText(state.case_id)
        self.status.setText(STATUSES[state.status])
        light = case_light(state, self.desk.limits)
        deadline, colour = light.nearest, light.colour(state.finished, today)
        # The light has its word beside it: colour is never the only signal.
        word = COLOURS[colour] if colour != "none" else TEXTS["finished_light"]
        self.colour.setText(f'<span style="color: {COLOUR_HEX[colour]}; font-size: 16pt;">●</span> {word}')
        self.colour.setToolTip(f"三色督办：{COLOURS[colour]}")
        self.status.setStyleSheet(f"color: white; background: {COLOUR_HEX[colour]}; border-radius: 3px; "
                                  "padding: 1px 8px;")
        if deadline:
            # Every limit that runs, nearest first: a statutory limit and a local target side by side, a holiday
            # shift said in words, a supervision order's deadline.
            texts = [TEXTS["deadline"].format(what=d.describe(), days=days_text(d.due.isoformat(), today)[0])
                     for d in light.limits]
            objection = objection_window(state.clock(), self.desk.limits)
            if objection:
                texts.append(TEXTS["objection"].format(due=objection.isoformat(),
                                                       n=self.desk.limits.objection_workdays))
            self.deadline.setText("\n".join(texts))
        elif state.finished:
            self.deadline.setText(state.ended_text())
        else:
            self.deadline.setText(TEXTS["no_deadline"])
        warnings = [repeat_warning(state.repeat_round)]
        if state.conflicts:
            fields = escape("、".join(FIELD_LABELS.get(c.field, c.field) for c in state.conflicts))
            warnings.append(TEXTS["conflicts"].format(n=len(state.conflicts), fields=fields))
        if state.out_of_turn:
            warnings.append(OUT_OF_TURN_WARNING.format(n=len(state.out_of_turn)))
        text = "；".join(w for w in warnings if w)
        self.warning.setText(text)  # rich text: the conflicts' link; the other warnings are the program's own words
        self.warning.setVisible(bool(text))
        people_count = f"{state.head_count}人" + ("（集体访）" if state.collective else "")
        place = f"{state.township}{state.village}"
        if state.jurisdiction and state.jurisdiction != state.township:
            place += f"（属地：{state.jurisdiction}）"
        leader = "　".join(x for x in (state.leader, "积案" if state.backlog else "") if x)
        values: dict[str, str] = {
            "channel": f"{CHANNELS.get(state.channel, state.channel)}　{people_count}",
            "domain": state.domain, "place": place, "authority_unit": state.authority_unit,
            "dispatch_units": "、".join(state.dispatch_units), "leader": leader,
            "registered_at": f"{when_text(state.registered_at, state.registered_date_only)}　{state.origin}",
            "rating": RATINGS.get(state.rating, ""), "repeat_of": "、".join(state.repeat_of),
            "classification": classification_text(state),
            "summary": state.request_summary,
        }
        for key, value in values.items():
            self.values[key].setText(value or "—")
        self._shown = {key for key, value in values.items() if value or key not in OPTIONAL_FIELDS}
        people = []
        for p in state.petitioners:
            parts = [f"<b>{escape(p.name)}</b>"]
            for label, value in ((TEXTS["id"], p.id_number), (TEXTS["phone"], p.phone),
                                 (TEXTS["address"], p.address)):
                if value:
                    parts.append(f"{label} {escape(value)}")
            people.append("　".join(parts))
        self.values["petitioners"].setText("<br>".join(people) or "—")
        self._arrange(self._columns, force=True)
        if state.case_id != self._sized_for:
            # A newly shown case gets its fields whole; while it stays shown, the handler's own split is kept.
            self._sized_for = state.case_id
            self._size_info()
            QtCore.QTimer.singleShot(0, self._size_info)  # again once the buttons above have wrapped

    def _size_info(self) -> None:
        """The fields whole when they fit beside what the timeline needs for its latest entries (up to
        ``TIMELINE_ROOM``), and at least in a quarter of the pane (else they scroll; the handler may drag the split
        down): at 150 % on a 1366×768 laptop the timeline of a long history still shows four entries, and a new
        case with one entry leaves its fields whole."""
        self._arrange(self._columns_for(self.width()))
        total = sum(self.splitter.sizes())
        width = self.info_scroll.viewport().width()
        wanted = self.info.heightForWidth(width) if width > 50 else -1
        wanted = (wanted if wanted > 0 else self.info.sizeHint().height()) + 4
        if total:
            info = min(wanted, max(total // 4, 110, total - self._timeline_room()))
            self.splitter.setSizes([info, total - info])

    def _timeline_room(self) -> int:
        """The timeline box's height that shows its latest entries whole (up to ``TIMELINE_ROOM`` of them)."""
        rows = self.timeline_model.rowCount()
        shown = range(max(rows - TIMELINE_ROOM, 0), rows)
        entries = sum(max(self.timeline.sizeHintForRow(r), 0) + 2 * self.timeline.spacing() for r in shown)
        box = self.timeline.parentWidget()
        around = box.height() - self.timeline.viewport().height() if box is not None else 0
        return entries + around + 8

    def _fill_actions(self, state: CaseState) -> None:
        """The steps offered now as buttons (as many as fit), everything else in 更多 and the right-click menu."""
        for action in self._actions.values():
            action.deleteLater()
        case_id, actions = state.case_id, self.case_actions
        primary = [case_action(self, f"step_{kind}", EVENT_LABELS[kind],
                               lambda _c=False, k=kind: actions.record_step(case_id, [k]))
                   for kind in offered_steps(state)]
        secondary: list[QtGui.QAction | None] = [
            case_action(self, f"other_{kind}", EVENT_LABELS[kind],
                        lambda _c=False, k=kind: actions.record_other(case_id, k)) for kind in other_steps(state)]
        secondary += [None, case_action(self, "attachButton", TEXTS["attach"], lambda: actions.attach(case_id)),
                      case_action(self, "editButton", TEXTS["edit"], lambda: actions.edit(case_id)),
                      case_action(self, "leaderButton", TEXTS["leader"], lambda: actions.set_leader(case_id)),
                      case_action(self, "backlogButton", TEXTS["backlog_off"] if state.backlog
                                  else TEXTS["backlog_on"], lambda: actions.toggle_backlog(case_id))]
        if not state.finished:
            supervise = case_action(self, "superviseButton", TEXTS["supervise"], lambda: actions.supervise(case_id))
            # Offered to everyone, usable by a leader: the others see it greyed, its tip naming the role needed.
            show_right(supervise, self.desk.account, "supervise", TEXTS["supervise_tip"])
            secondary.append(supervise)
        secondary.append(None)
        papers = case_action(self, "papersButton", TEXTS["papers"], lambda: None)
        papers.setMenu(papers_menu(self.desk, state, self))
        secondary.append(papers)
        if any(s.kind in ALLOWED_FROM for s in state.steps):
            secondary += [None, case_action(self, "annulButton", TEXTS["annul"], lambda: actions.annul(case_id))]
        self._actions = {a.objectName(): a for a in [*primary, *secondary] if a is not None}
        self.action_bar.set_actions(primary, secondary)

    def focus_actions(self) -> None:
        """Keyboard: from the list, Enter comes here, to the first step offered (or 更多)."""
        if not self._page_built or self.stack.currentIndex() != 1:
            return
        shown = [b for b in self.action_bar.buttons if b.isVisibleTo(self.action_bar)]
        (shown[0] if shown else self.action_bar.more).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def action_buttons(self) -> dict[str, QtWidgets.QPushButton]:
        """The buttons shown in the row now, by object name (step_<kind> for chain steps; moreButton)."""
        if not self._page_built:
            return {}
        buttons = [b for b in self.action_bar.buttons if b.isVisibleTo(self.action_bar)]
        if self.action_bar.more.isVisibleTo(self.action_bar):
            buttons.append(self.action_bar.more)
        return {b.objectName(): b for b in buttons}

    def offered_actions(self) -> dict[str, QtGui.QAction]:
        """Every action on the case shown, by name: the steps (step_<kind>), other steps (other_<kind>),
        attachButton, editButton, leaderButton, backlogButton, papersButton (its menu), annulButton."""
        return dict(self._actions) if self._page_built and self.stack.currentIndex() == 1 else {}

    def menu_actions(self) -> list[QtGui.QAction | None]:
        """Every action on the case shown, in the order of the row and 更多 (None: a separator)."""
        if not self.offered_actions():
            return []
        return [*self.action_bar.primary, None, *self.action_bar.secondary]

    # ----- evidence ---------------------------------------------------------------------------------------------
    def _show_evidence(self, *_args: object) -> None:
        from app.views.timeline_model import EvidenceRole

        self.evidence.clear()
        index = self.timeline.currentIndex()
        items = self.timeline_model.data(index, EvidenceRole) if index.isValid() else []
        for item in items or []:
            kind = EVIDENCE_KINDS.get(str(item.get("kind", "other")), "")
            entry = QtWidgets.QListWidgetItem(f"{item.get('name', '')}（{kind}）")
            entry.setData(Qt.ItemDataRole.UserRole, item)
            self.evidence.addItem(entry)
        if not self.evidence.count():
            placeholder = QtWidgets.QListWidgetItem(TEXTS["no_evidence"])
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.evidence.addItem(placeholder)

    def open_evidence(self, row: int) -> Path | None:
        """Export the file (verified against its hash) to a private temporary folder and open it."""
        entry = self.evidence.item(row)
        item = entry.data(Qt.ItemDataRole.UserRole) if entry is not None else None
        if not item:
            return None
        try:
            return open_in_viewer(self.desk, item)
        except DomainError as err:
            message(self, TEXTS["open_failed"], str(err))
            return None
