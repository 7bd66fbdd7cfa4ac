"""The main window: filters and the case list on the left, the case detail beside it, 四定四包 docked, counts below.

Keyboard first: Ctrl+N registers, Ctrl+R records the next step, Ctrl+E corrects the case's fields, Ctrl+F searches
(Down or Enter goes on to the list), Ctrl+Z undoes the last step (with a reason), F5 reloads. ``remember_layout()``
puts back the size, panes and dock of the last run and keeps them when the window closes. Other feature packages
add their menus through ``app.views.plugins``; they use ``desk``, ``bus``, ``selected_case_ids()`` and
``current_case_id()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.models.vocab import LEVELS
from app.ops.desk import Desk
from app.store.queries import CaseFilter, number_of_case
from app.views import plugins
from app.views.bus import ChangeBus
from app.views.case_actions import CaseActions
from app.views.case_detail import CaseDetail
from app.views.case_list_model import COLUMN_SAMPLES, COLUMNS, CaseListModel
from app.views.checklist_panel import ChecklistPanel
from app.views.common import message
from app.views.filters import FilterBar
from app.views.first_paint import AfterFirstPaint
from app.views.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from app.views.status_counts import StatusCounts
from app.views.window_state import restore_layout, save_layout

if TYPE_CHECKING:  # the dialogs' modules load when one is first opened, not before the window's first paint
    from app.views.new_case_dialog import NewCaseDialog
    from app.views.settings_dialog import SettingsDialog

TEXTS = {
    "title": "信访工作台 — {name}（{code}，{level}）",
    "file": "文件(&F)",
    "quit": "退出(&Q)",
    "settings": "本站设置…",
    "settings_tip": "经办人、办理时限、节假日与调休",
    "cases": "案件(&C)",
    "new": "新建",
    "new_tip": "登记新案件",
    "record": "记录办理",
    "record_tip": "记录所选案件的下一办理步骤",
    "attach": "附件",
    "attach_tip": "为所选案件补充佐证材料（照片、录音、视频、扫描件）",
    "close": "办结",
    "close_tip": "办结销号（四定四包须全部落实，或经督办领导批准）",
    "edit": "修改信息…",
    "edit_tip": "改正所选案件的登记信息（原内容保留在办理过程中）",
    "annul": "撤销上一步",
    "annul_tip": "撤销所选案件最近一个办理步骤（须填写理由，原记录保留）",
    "find": "查找",
    "refresh": "刷新",
    "help": "帮助(&H)",
    "about": "关于",
    "about_title": "关于信访工作台",
    "about_text": "信访工作台 Petition Desk\n\n乡镇信访事项的登记、办理、三色督办、四定四包与逐级同步，"
                  "离线可用。\n\n每一步办理都记入不可更改的事件记录（全过程留痕）。",
    "checklist": "四定四包",
    "toolbar": "主工具栏",
}


class MainWindow(QtWidgets.QMainWindow):
    """One station's desk."""

    loaded = Signal()  # the list is filled and the counts shown (after load())

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.desk = desk
        station = desk.require_station()
        self.multi_station = station.level != "township"
        self.setWindowTitle(TEXTS["title"].format(name=station.name, code=station.code, level=LEVELS[station.level]))
        self.bus = ChangeBus(desk, self)
        self.case_actions = CaseActions(desk, self)
        self.model = CaseListModel(desk, with_origin=self.multi_station, parent=self)
        self.filters = FilterBar(desk, with_origin=self.multi_station)
        self.case_list = self._build_list()
        self.detail = CaseDetail(desk, self.bus, self.case_actions)
        self.checklist = ChecklistPanel(desk, self.bus, self.case_actions)
        self.counts = StatusCounts(desk, by_origin=self.multi_station)
        self._keep: tuple[int | None, list[int]] = (None, [])
        self._remember = False

        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(self.filters)
        left_layout.addWidget(self.case_list, 1)
        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._sized = False
        self.setCentralWidget(splitter)
        dock = QtWidgets.QDockWidget(TEXTS["checklist"], self)
        dock.setObjectName("checklistDock")
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.setWidget(self.checklist)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.statusBar().addWidget(self.counts, 1)

        self._build_actions()
        self._connect()
        self._menus_installed = False
        self._first_paint_watch: QtCore.QObject | None = None

    # ----- building ---------------------------------------------------------------------------------------------
    def _build_list(self) -> QtWidgets.QTableView:
        self._columns_width = 0
        view = QtWidgets.QTableView()
        view.setObjectName("caseList")
        view.setModel(self.model)
        view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setShowGrid(False)
        view.setTabKeyNavigation(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = view.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        metrics = self.fontMetrics()
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        header_metrics = QtGui.QFontMetrics(bold)
        for column, key in enumerate(self.model.columns):
            width = max(metrics.horizontalAdvance(COLUMN_SAMPLES[key]) + 16,
                        header_metrics.horizontalAdvance(COLUMNS[key]) + 26)
            header.resizeSection(column, width)
            self._columns_width += width
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.DescendingOrder)
        view.setSortingEnabled(True)
        return view

    def _action(self, text: str, shortcut: QtGui.QKeySequence | str, slot: object, tip: str = "",
                name: str = "") -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        action.setObjectName(name or text)
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        tip_text = f"{tip or text}（{QtGui.QKeySequence(shortcut).toString()}）" if shortcut else (tip or text)
        action.setToolTip(tip_text)
        action.setStatusTip(tip or text)
        action.triggered.connect(slot)  # type: ignore[arg-type]
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        current = self.current_case_id
        acts = self.case_actions
        self.new_action = self._action(TEXTS["new"], "Ctrl+N", self.new_case, TEXTS["new_tip"], "newCase")
        self.record_action = self._action(TEXTS["record"], "Ctrl+R", lambda: acts.record_step(current()),
                                          TEXTS["record_tip"], "recordStep")
        self.attach_action = self._action(TEXTS["attach"], "Ctrl+Shift+A", lambda: acts.attach(current()),
                                          TEXTS["attach_tip"], "attachEvidence")
        self.close_action = self._action(TEXTS["close"], "Ctrl+Shift+C", lambda: acts.close_case(current()),
                                         TEXTS["close_tip"], "closeCase")
        self.edit_action = self._action(TEXTS["edit"], "Ctrl+E", lambda: acts.edit(current()), TEXTS["edit_tip"],
                                        "editCase")
        self.annul_action = self._action(TEXTS["annul"], "Ctrl+Z", lambda: acts.annul(current()),
                                         TEXTS["annul_tip"], "annulStep")
        self.find_action = self._action(TEXTS["find"], "Ctrl+F", self.focus_search, name="findCase")
        self.refresh_action = self._action(TEXTS["refresh"], "F5", self.reload, name="refresh")
        quit_action = self._action(TEXTS["quit"], "Ctrl+Q", self.close, name="quit")
        settings_action = self._action(TEXTS["settings"], "", self.station_settings, TEXTS["settings_tip"],
                                       "stationSettings")
        self.about_action = self._action(TEXTS["about"], "", self.about, name="about")

        toolbar = QtWidgets.QToolBar(TEXTS["toolbar"], self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.new_action, self.record_action, self.attach_action, self.close_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.annul_action)
        spacer = QtWidgets.QWidget()
        spacer.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.filters.search.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 26)
        toolbar.addWidget(self.filters.search)
        self.addToolBar(toolbar)

        menu = self.menuBar()
        file_menu = menu.addMenu(TEXTS["file"])
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(settings_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        case_menu = menu.addMenu(TEXTS["cases"])
        case_menu.setObjectName("caseMenu")
        for action in (self.new_action, self.record_action, self.attach_action, self.close_action):
            case_menu.addAction(action)
        case_menu.addSeparator()
        case_menu.addAction(self.edit_action)
        case_menu.addAction(self.annul_action)
        case_menu.addSeparator()
        case_menu.addAction(self.find_action)
        case_menu.addAction(self.refresh_action)

    def _connect(self) -> None:
        self.filters.changed.connect(self._filter_changed)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.refreshed.connect(self._restore_selection)
        self.model.refreshed.connect(self.counts.set_shown)
        self.case_list.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.case_list.activated.connect(lambda _index: self.detail.focus_actions())
        self.counts.filter_clicked.connect(self.filters.show_only)
        self.bus.changed.connect(self._on_changed)
        self.filters.search.installEventFilter(self)
        self._update_enabled()

    def remember_layout(self) -> bool:
        """Put back the last run's size, place, panes and dock, and save them again on closing. True when a
        size was restored (the caller then leaves the window's size alone)."""
        self._remember = True
        restored = restore_layout(self, self.splitter, self.desk.data_dir)
        if "splitter" in restored:
            self._sized = True  # the handler's own split, not the computed one
        return "geometry" in restored

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self._remember:
            save_layout(self, self.splitter, self.desk.data_dir)
        super().closeEvent(event)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QtCore.QTimer.singleShot(0, self._size_panes)  # once the dock has taken its width

    def _size_panes(self) -> None:
        """The list as wide as its columns when the detail still gets a readable width; else share 3:2."""
        total = sum(self.splitter.sizes())
        list_width = self._columns_width + self.case_list.verticalScrollBar().sizeHint().width() + 4
        detail_min = self.fontMetrics().horizontalAdvance("中") * 26
        if total - list_width >= detail_min:
            self.splitter.setSizes([list_width, total - list_width])
        elif total:
            self.splitter.setSizes([total * 3 // 5, total - total * 3 // 5])

    # ----- loading and refreshing -------------------------------------------------------------------------------
    def load(self) -> None:
        """Fill the list; once its first rows are painted, fill the rest (``loaded`` then follows).

        What the handler does not need to see first — the counts, the first case's detail, the menus of the
        feature packages (whose modules may take a while to import) — waits until the rows are on screen.
        """
        if self.isVisible() and self._first_paint_watch is None:
            self.model.refresh(first_screen=True)
            self._first_paint_watch = AfterFirstPaint(self.case_list.viewport(), self._finish_loading)
        else:
            self.model.refresh()
            self._finish_loading()

    def _finish_loading(self) -> None:
        self.filters.reload_choices()
        self.checklist.build_rows()
        self.detail.build_page()
        if self._remember:
            # The panes were put back before the detail had its page, so against smaller minimum widths.
            restore_layout(self, self.splitter, self.desk.data_dir, ("state", "splitter"))
        self.model.complete()
        if self.model.rowCount() and not self.case_list.currentIndex().isValid() and self.detail.case_id is None:
            self.case_list.setCurrentIndex(self.model.index(0, 0))
        self.counts.refresh()
        self.install_menus()
        self.loaded.emit()

    def install_menus(self) -> None:
        """The feature packages' menus (app.views.plugins), then 帮助 last. Done once."""
        if self._menus_installed:
            return
        self._menus_installed = True
        for install in plugins.installers():
            install(self)
        help_menu = self.menuBar().addMenu(TEXTS["help"])
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.about_action)

    def reload(self) -> None:
        self.filters.reload_choices()
        self.model.refresh()
        self.counts.refresh()
        self.detail.reload()
        self.checklist.reload()

    def _on_changed(self, kinds: frozenset[str], case_ids: tuple[str, ...]) -> None:
        if "cases" in kinds:
            self.filters.reload_choices()
            self.model.refresh()
            self.counts.refresh()
            self._update_enabled()

    def _filter_changed(self, case_filter: CaseFilter) -> None:
        self.model.set_filter(case_filter)

    def _remember_selection(self) -> None:
        current = self.case_list.currentIndex()
        number = self.model.number_at(current.row()) if current.isValid() else None
        rows = [i.row() for i in self.case_list.selectionModel().selectedRows()[:200]]
        self._keep = (number, [n for n in (self.model.number_at(r) for r in rows) if n is not None])

    def _restore_selection(self, _count: int = 0) -> None:
        number, selected = self._keep
        selection = QtCore.QItemSelection()
        for n in selected:
            row = self.model.row_of_number(n)
            if row >= 0:
                selection.select(self.model.index(row, 0), self.model.index(row, self.model.columnCount() - 1))
        select_model = self.case_list.selectionModel()
        if number is not None:
            row = self.model.row_of_number(number)
            if row >= 0:
                select_model.setCurrentIndex(self.model.index(row, 0),
                                             QtCore.QItemSelectionModel.SelectionFlag.NoUpdate)
                self.case_list.scrollTo(self.model.index(row, 0))
        if not selection.isEmpty():
            select_model.select(selection, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _current_row_changed(self, current: QtCore.QModelIndex, _previous: QtCore.QModelIndex) -> None:
        case_id = self.model.case_id_at(current.row()) if current.isValid() else None
        if case_id is None:
            return  # the list was re-queried and the case is filtered out: keep showing it
        if case_id != self.detail.case_id:
            self.detail.show_case(case_id)
            self.checklist.show_case(case_id)
        self._update_enabled()

    def _update_enabled(self) -> None:
        has_case = self.detail.case_id is not None
        for action in (self.record_action, self.attach_action, self.close_action, self.edit_action,
                       self.annul_action):
            action.setEnabled(has_case)

    # ----- what other menus use ---------------------------------------------------------------------------------
    def current_case_id(self) -> str | None:
        """The case shown in the detail (the list's current row, or a case just registered)."""
        return self.detail.case_id

    def selected_case_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.case_list.selectionModel().selectedRows())
        ids = [self.model.case_id_at(r) for r in rows]
        return [i for i in ids if i]

    def select_case(self, case_id: str) -> None:
        """Show a case: select its row when the filters let it through, and show it in the detail anyway."""
        self.model.complete()  # its row is known only once the whole order is read
        number = number_of_case(self.desk.conn, case_id)
        row = self.model.row_of_number(number) if number is not None else -1
        if row >= 0:
            index = self.model.index(row, 0)
            self.case_list.selectionModel().setCurrentIndex(
                index, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QtCore.QItemSelectionModel.SelectionFlag.Rows)
            self.case_list.scrollTo(index, QtWidgets.QAbstractItemView.ScrollHint.PositionAtCenter)
        self.detail.show_case(case_id)
        self.checklist.show_case(case_id)
        self._update_enabled()

    # ----- actions ----------------------------------------------------------------------------------------------
    def new_case(self) -> NewCaseDialog:
        from app.views.new_case_dialog import NewCaseDialog

        dialog = NewCaseDialog(self.desk, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.registered.connect(self.select_case)
        dialog.open()
        return dialog

    def station_settings(self) -> SettingsDialog:
        from app.views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.desk, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def focus_search(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def about(self) -> QtWidgets.QMessageBox:
        return message(self, TEXTS["about_title"], TEXTS["about_text"], QtWidgets.QMessageBox.Icon.Information)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        # From the search box, Down or Enter goes on to the list, so search-then-pick needs no mouse.
        if watched is self.filters.search and event.type() == QtCore.QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.filters.search_timer.isActive():
                    self.filters.search_timer.stop()
                    self.model.set_filter(self.filters.case_filter())
                self.case_list.setFocus(Qt.FocusReason.ShortcutFocusReason)
                if not self.case_list.currentIndex().isValid() and self.model.rowCount():
                    self.case_list.setCurrentIndex(self.model.index(0, 0))
                return True
        return super().eventFilter(watched, event)

