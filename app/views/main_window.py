"""The main window: filters and the case list on the left, the case detail beside it, 四定四包 docked, counts below.

Keyboard first: Ctrl+N registers, Ctrl+R records the next step, Ctrl+E corrects the case's fields, Ctrl+F searches
(Down or Enter goes on to the list), Ctrl+Z undoes the last step (with a reason), F5 reloads. ``remember_layout()``
puts back the size, panes and dock of the last run and keeps them when the window closes. Other feature packages
add their menus through ``app.views.plugins``; they use ``desk``, ``bus``, ``selected_case_ids()`` and
``current_case_id()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.models.vocab import LEVELS
from app.models.workflow import why_not
from app.ops.desk import Desk
from app.store.queries import CaseFilter, number_of_case
from app.views import backup_actions, plugins
from app.views.bus import ChangeBus
from app.views.case_actions import CaseActions
from app.views.case_detail import CaseDetail
from app.views.case_list_model import CaseListModel
from app.views.case_menus import FileDrop, install_list_menu, install_timeline_menu
from app.views.checklist_panel import ChecklistPanel
from app.views.common import DEMO_CODE, ScrollArea, real_folder
from app.views.conflict_banner import ConflictBanner
from app.views.filters import FilterBar
from app.views.first_paint import AfterFirstPaint
from app.views.list_columns import ColumnFit
from app.views.list_guide import FirstSteps, NothingFound
from app.views.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from app.views.role_gates import gate, regate, show_right, tips_shown
from app.views.saved_views import DEFAULT_VIEW, ViewBar
from app.views.status_counts import StatusCounts
from app.views.window_state import restore_layout, save_layout

if TYPE_CHECKING:  # the dialogs' modules load when one is first opened, not before the window's first paint
    from app.views.help_window import HelpWindow
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
    "close_missing": "现在不能办结：",
    "no_case": "请先在列表中选择一件案件",
    "edit": "修改信息…",
    "supervise": "督办…",
    "supervise_tip": "对所选案件下达督办：督办期限和要求完成的步骤",
    "edit_tip": "改正所选案件的登记信息（原内容保留在办理过程中）",
    "annul": "撤销上一步",
    "annul_tip": "撤销所选案件最近一个办理步骤（须填写理由，原记录保留）",
    "find": "查找",
    "refresh": "刷新",
    "help": "帮助(&H)",
    "about": "关于",
    "manual": "使用手册",
    "demo_title": "【演示站点 — 数据与本站无关】{title}　{folder}",
    "leave_demo": "离开演示站点，回到本站",
    "leave_demo_tip": "关闭演示站点，打开本机的真实站点（尚未设置时先设置）",
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
        self.demo_home = real_folder(desk.data_dir)  # the real station's folder, when this is its demo
        self.leaving_demo = False
        if self.demo_home is not None or station.code == DEMO_CODE:
            self.setWindowTitle(TEXTS["demo_title"].format(title=self.windowTitle(), folder=desk.data_dir))
        self.bus = ChangeBus(desk, self)
        self.case_actions = CaseActions(desk, self)
        self.model = CaseListModel(desk, with_origin=self.multi_station, parent=self)
        self.filters = FilterBar(desk, with_origin=self.multi_station)
        self.views = ViewBar(self.filters, desk.data_dir)
        self.views.choose(DEFAULT_VIEW)  # the list opens on the cases in hand (在办), not on every closed one
        self.model.case_filter = self.filters.case_filter()
        self.case_list = self._build_list()
        self.detail = CaseDetail(desk, self.bus, self.case_actions)
        # Its width from the start, so the window does not widen when the first case's page is built.
        self.detail.setMinimumWidth(self.fontMetrics().horizontalAdvance("中") * 24)
        self.checklist = ChecklistPanel(desk, self.bus, self.case_actions)
        self.counts = StatusCounts(desk, by_origin=self.multi_station)
        self._keep: tuple[int | None, list[int]] = (None, [])
        self._remember = False

        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        self.views.add_tool(self.filters.clear_button)
        left_layout.addWidget(self.views)
        left_layout.addWidget(self.filters)
        self.list_stack = QtWidgets.QStackedWidget()
        self.list_stack.addWidget(self.case_list)
        self.nothing_found = NothingFound(self.filters.clear)
        self.list_stack.addWidget(self.nothing_found)
        self.first_steps: FirstSteps | None = None  # made when a station without cases needs it
        left_layout.addWidget(self.list_stack, 1)
        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._sized = False
        self.store_check: backup_actions.StoreCheck | None = None
        self.conflict_banner = ConflictBanner(desk, self.bus, self.detail.open_conflicts)
        central = QtWidgets.QWidget()
        central_layout = QtWidgets.QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(2)
        central_layout.addWidget(self.conflict_banner)
        central_layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        dock = QtWidgets.QDockWidget(TEXTS["checklist"], self)
        dock.setObjectName("checklistDock")
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.setWidget(ScrollArea(self.checklist))  # eight items with long notes scroll; they never widen the window
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.statusBar().addWidget(self.counts, 1)

        self._build_actions()
        self._connect()
        self.last_menu: QtWidgets.QMenu | None = None  # the right-click menu shown last (for tests)
        install_list_menu(self, self.case_list)
        FileDrop(self.case_list.viewport(), self._case_at_list, self.attach_files)
        self._menus_installed = False
        self._first_paint_watch: QtCore.QObject | None = None

    # ----- building ---------------------------------------------------------------------------------------------
    def _build_list(self) -> QtWidgets.QTableView:
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
        code = self.desk.require_station().code
        self.column_fit = ColumnFit(view, self.model.columns, self.font(), code, self.multi_station)
        self._columns_width = sum(self.column_fit.natural)
        view.viewport().installEventFilter(self)
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
        self.supervise_action = self._action(TEXTS["supervise"], "", lambda: acts.supervise(current()),
                                             TEXTS["supervise_tip"], "superviseCase")
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
        self.help_action = self._action(TEXTS["manual"], "F1", lambda _checked=False: self.show_help(),
                                        name="helpManual")
        self.help_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)  # F1 inside a dialog too
        self.help_window: HelpWindow | None = None

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
        tips_shown(file_menu)  # a greyed entry says which role it needs
        file_menu.addAction(settings_action)
        gate(self, settings_action, "settings")
        backup_actions.install(self, self.desk, file_menu)
        if self.demo_home is not None:
            file_menu.addAction(self._action(TEXTS["leave_demo"], "", self.leave_demo, TEXTS["leave_demo_tip"],
                                             "leaveDemo"))
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        case_menu = menu.addMenu(TEXTS["cases"])
        case_menu.setObjectName("caseMenu")
        case_menu.setToolTipsVisible(True)  # a greyed entry says why: 办结 what is missing, 督办 the role it needs
        for action in (self.new_action, self.record_action, self.attach_action, self.close_action):
            case_menu.addAction(action)
        case_menu.addAction(self.supervise_action)
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
        self.model.refreshed.connect(self._show_list_or_guide)
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
        if self.help_window is not None:
            self.help_window.close()
        if self._remember:
            save_layout(self, self.splitter, self.desk.data_dir)
        if self.store_check is not None:
            self.store_check.stop()
        backup_actions.on_exit(self, self.desk)
        super().closeEvent(event)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            QtCore.QTimer.singleShot(0, self._size_panes)  # once the dock has taken its width
            backup_actions.remind(self, self.desk)
            self.store_check = backup_actions.check_after_start(self, self.desk)  # a large store: after showing

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
        if self.detail.timeline.contextMenuPolicy() != Qt.ContextMenuPolicy.CustomContextMenu:  # once
            install_timeline_menu(self, self.detail.timeline)
            FileDrop(self.detail, lambda _position: self.current_case_id(), self.attach_files)
        if self._remember:
            # The panes were put back before the detail had its page, so against smaller minimum widths.
            restore_layout(self, self.splitter, self.desk.data_dir, ("state", "splitter"))
        self.model.complete()
        if self.model.rowCount() and not self.case_list.currentIndex().isValid() and self.detail.case_id is None:
            self.case_list.setCurrentIndex(self.model.index(0, 0))
        self.counts.refresh()
        self.install_menus()
        self.conflict_banner.refresh()  # after the menus: it opens the 同步 menu's conflicts view
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
        help_menu.addAction(self.help_action)
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

    def _show_list_or_guide(self, count: int) -> None:
        """The list when it has rows; else the first steps on a station without cases, or what found nothing."""
        if count:
            self.list_stack.setCurrentWidget(self.case_list)
        elif self.desk.conn.execute("SELECT 1 FROM cases LIMIT 1").fetchone() is None:
            if self.first_steps is None:
                self.first_steps = FirstSteps({"new": self.new_case, "import": lambda: self.trigger("ledger_import"),
                                               "join": lambda: self.trigger("sync_stations")})
                self.list_stack.addWidget(self.first_steps)
            self.list_stack.setCurrentWidget(self.first_steps)
        else:
            self.nothing_found.show_search(self.filters.describe())
            self.list_stack.setCurrentWidget(self.nothing_found)

    def trigger(self, action_name: str) -> None:
        """Trigger a menu entry by its object name (the feature packages' menus are installed after loading)."""
        self.install_menus()
        action = self.findChild(QtGui.QAction, action_name)
        if action is not None:
            action.trigger()

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
        for action in (self.record_action, self.attach_action, self.edit_action, self.annul_action):
            action.setEnabled(has_case)
        # 办结 only when the case may be closed now; otherwise its tooltip says what is missing.
        missing = TEXTS["no_case"]
        if has_case:
            state = self.desk.case(str(self.detail.case_id))
            missing = why_not(state, "close", self.desk.limits, self.desk.today())
        self.close_action.setEnabled(not missing)
        self.close_action.setToolTip(TEXTS["close_tip"] + (f"\n{TEXTS['close_missing']}{missing}" if missing else "")
                                     + f"（{self.close_action.shortcut().toString()}）")
        # 督办 is a leader's: greyed for other accounts, the tip naming the role needed (as 办结 names what is missing).
        show_right(self.supervise_action, self.desk.account, "supervise", TEXTS["supervise_tip"], usable=has_case)

    def account_changed(self) -> None:
        """Another account signed in (切换用户): 我的在办 and the actions its role allows follow it."""
        self.filters.reapply()
        self.detail.reload()
        self._update_enabled()
        regate(self)

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
        self.model.complete(now=True)  # its row is known only once the whole order is read
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

    def _case_at_list(self, position: QtCore.QPoint) -> str | None:
        index = self.case_list.indexAt(position)
        return self.model.case_id_at(index.row()) if index.isValid() else None

    def attach_files(self, case_id: str, files: list[Path]) -> QtWidgets.QWidget:
        """Files dropped on a case: 补充材料 opens on it with the files listed (the handler adds a note and saves)."""
        if case_id != self.current_case_id():
            self.select_case(case_id)
        dialog = self.case_actions.attach(case_id)
        page = getattr(dialog, "page", None)
        if page is not None:
            page.fields["files"].add_files(files)
        return dialog

    def leave_demo(self) -> None:
        """Close the demo; the program then opens the real station (``leaving_demo`` tells it to)."""
        self.leaving_demo = True
        self.close()

    def station_settings(self) -> SettingsDialog:
        from app.views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.desk, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def focus_search(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def about(self) -> QtWidgets.QDialog:
        from app.views.help_window import AboutDialog

        dialog = AboutDialog(self.desk.data_dir, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_help(self, topic: str = "") -> HelpWindow:
        """F1: the manual (one window, brought back on later presses), at the chapter of the dialog in use. A
        window of its own, not a child of this one: a dialog open here must not block it."""
        from app.views.help_window import HelpWindow, topic_of

        if self.help_window is None:
            self.help_window = HelpWindow()
        topic = topic or topic_of(QtWidgets.QApplication.activeWindow())
        if topic:
            self.help_window.show_topic(topic)
        self.help_window.show()
        self.help_window.raise_()
        self.help_window.activateWindow()
        return self.help_window

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.case_list.viewport() and event.type() == QtCore.QEvent.Type.Resize:
            self.column_fit.fit()
            return False
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

