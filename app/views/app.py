"""Starting the GUI: the application, its CJK font and style, the station's desk, first-start setup, screenshot.

While the window runs, unexpected errors are logged and told to the handler (``app.views.errors``); evidence copies
left behind by an earlier run that was killed are removed at start; the window's layout is kept between runs.

The font is loaded from ``resources/`` and made the application font: relying on the system's fallback shows
boxes on a machine without Chinese fonts, and Japanese glyph shapes on one with only Noto CJK.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.ops.session import has_accounts, open_station
from app.store.db import default_data_dir
from app.store.queries import number_of_case
from app.views.common import FONT_FILE, ICON_FILES, STYLE_FILE, real_folder
from app.views.errors import ErrorReporter
from app.views.evidence_files import clean_stale_exports
from app.views.qt import QtCore, QtGui, QtWidgets

APP_NAME = "信访工作台"
DESKTOP_FILE = "petition-desk"  # installer/petition-desk.desktop, as the .deb installs it
FONT_POINT_SIZE = 10
SCREENSHOT_SIZE = (1380, 860)
FUSION_GIVEN = "petitionDeskFusion"  # set on an application created here with the Fusion style
TEXT_HEX = "#1f2933"  # the text colour of the whole program (resources/style.qss has the rest of the look)
SCREENSHOT_TIMEOUT_MS = 120_000  # a screenshot run that has not finished by then has hung: exit 1, not wait forever
TEXTS = {
    "open_failed": "无法打开数据",
    "screenshot_failed": "截图保存失败：{file}",
    "screenshot_timeout": "截图超时：主窗口在{seconds}秒内没有加载完成",
    "no_case": "找不到案件：{case}",
    "screenshot_saved": "截图已保存：{file}（显示案件 {case}）",
}


def load_font(app: QtWidgets.QApplication) -> str:
    """Load the shipped CJK font and make it the application font; returns its family (empty if it failed)."""
    font_id = QtGui.QFontDatabase.addApplicationFont(str(FONT_FILE))
    families = QtGui.QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return ""
    font = QtGui.QFont(families[0], FONT_POINT_SIZE)
    font.setStyleStrategy(QtGui.QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    return str(families[0])


def window_icon() -> QtGui.QIcon:
    """The program's icon at every size drawn (installer/make_icons.py); each file is read when first shown."""
    icon = QtGui.QIcon()
    for path in ICON_FILES:
        icon.addFile(str(path))
    return icon


def load_translations(app: QtWidgets.QApplication) -> bool:
    """Qt's own words in Chinese: the standard buttons (确定, 取消, 是, 否), the file and print dialogs, the
    context menu of a text field. Without them a message box says "OK" to a handler who reads no English."""
    translator = QtCore.QTranslator(app)
    folder = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
    china = QtCore.QLocale(QtCore.QLocale.Language.Chinese, QtCore.QLocale.Country.China)
    if not translator.load(china, "qtbase", "_", folder):
        return False
    return app.installTranslator(translator)


def setup_application(app: QtWidgets.QApplication) -> None:
    """Font, style, Qt's Chinese texts and names; used by ``run_gui`` and by the GUI tests. Done once per
    application: loading the font again would register it twice, and a new style sheet re-polishes every widget."""
    if app.property("petitionDeskReady"):
        return
    app.setProperty("petitionDeskReady", True)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("PetitionDesk")
    app.setDesktopFileName(DESKTOP_FILE)  # the menu entry's name: the window is grouped under its icon
    app.setWindowIcon(window_icon())
    load_font(app)
    load_translations(app)
    if not app.property(FUSION_GIVEN):
        app.setStyle("Fusion")
    app.setPalette(text_palette(app.palette()))
    if STYLE_FILE.exists():
        app.setStyleSheet(STYLE_FILE.read_text(encoding="utf-8"))


def text_palette(palette: QtGui.QPalette) -> QtGui.QPalette:
    """Fusion's palette with the style's dark slate text. Set here rather than by a ``QWidget { color: … }`` rule:
    a rule matching every widget makes Qt style-sheet-polish each one, about a tenth of the window's start-up."""
    ink = QtGui.QColor(TEXT_HEX)
    for group in (QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorGroup.Inactive):
        for role in (QtGui.QPalette.ColorRole.WindowText, QtGui.QPalette.ColorRole.Text,
                     QtGui.QPalette.ColorRole.ButtonText):
            palette.setColor(group, role, ink)
    return palette


def application() -> QtWidgets.QApplication:
    existing = QtWidgets.QApplication.instance()
    if isinstance(existing, QtWidgets.QApplication):
        return existing
    # Fusion given as Qt's own "-style" argument: the same style as setStyle("Fusion"), without building the
    # Python side of QStyle (about 8 ms) before the window's first paint.
    app = QtWidgets.QApplication([*sys.argv[:1], "-style", "Fusion"])
    app.setProperty(FUSION_GIVEN, True)
    return app


def fatal(text: str, *, screenshot: bool = False) -> int:
    """Tell the user in Chinese why the program cannot go on; exit code 1. A screenshot run says it on stderr
    only: nobody is there to close a message box."""
    print(f"错误：{text}", file=sys.stderr)
    if screenshot:
        return 1
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, APP_NAME, text)
    box.setObjectName("fatalBox")
    box.setWindowTitle(TEXTS["open_failed"])
    box.exec()
    return 1


def start() -> QtWidgets.QApplication:
    """The application (font, style) and the window's code, loaded before the login (while a person types)."""
    qt_app = application()
    setup_application(qt_app)
    importlib.import_module("app.views.main_window")
    return qt_app


def login_from_environment(data_dir: Path) -> Desk:
    """The station opened with the account and password of the command line's variables (PETITION_DESK_USER,
    PETITION_DESK_PASSWORD): how ``--screenshot`` and the benchmarks log in. Raises DomainError in Chinese."""
    user = os.environ.get("PETITION_DESK_USER", "")
    if not user:
        raise DomainError("截图须登录：请设置环境变量 PETITION_DESK_USER 和 PETITION_DESK_PASSWORD")
    return open_station(data_dir, user, os.environ.get("PETITION_DESK_PASSWORD", ""))


def open_with_dialogs(data_dir: Path) -> Desk | None:
    """The station signed in through the login dialog, or set up through the set-up dialog (the recovery key
    then shown once). None when the person quits. Raises DomainError when the store cannot be opened. With both
    PETITION_DESK_USER and PETITION_DESK_PASSWORD set, the program logs in with them, as the command line does."""
    if has_accounts(data_dir) and os.environ.get("PETITION_DESK_USER") and "PETITION_DESK_PASSWORD" in os.environ:
        return login_from_environment(data_dir)
    if has_accounts(data_dir):
        from app.views.login_dialog import LoginDialog

        login = LoginDialog(data_dir)
        return login.desk if login.exec() == QtWidgets.QDialog.DialogCode.Accepted else None
    bare = Desk(data_dir)  # a store from a newer program is refused here, before anything is asked
    existing = bare.station
    bare.close()
    from app.views.setup_dialog import SetupDialog

    setup = SetupDialog(data_dir, existing=existing)
    if setup.exec() != QtWidgets.QDialog.DialogCode.Accepted or setup.desk is None:
        return None
    if setup.recovery_key:
        from app.views.recovery_key_dialog import RecoveryKeyDialog

        RecoveryKeyDialog(setup.desk.require_station(), setup.recovery_key).exec()
    return setup.desk


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window for the station in ``args.data_dir`` (or the user's data folder), after a login."""
    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    screenshot = getattr(args, "screenshot", None)
    app = start()
    try:
        desk = login_from_environment(data_dir) if screenshot else open_with_dialogs(data_dir)
    except DomainError as err:
        return fatal(str(err), screenshot=bool(screenshot))
    if desk is None:
        return 0
    reporter = ErrorReporter(data_dir, screenshot=bool(screenshot))
    reporter.install()
    clean_stale_exports()
    try:
        return _run_stations(app, desk, Path(screenshot) if screenshot else None,
                             (getattr(args, "case", None) or "").strip().upper() or None)
    except Exception as err:  # whatever broke before the event loop ran, the handler is told
        return reporter.fatal(err)
    finally:
        reporter.uninstall()


def _run_stations(app: QtWidgets.QApplication, desk: Desk, screenshot: Path | None, case_id: str | None) -> int:
    """The window on the signed-in station; a demo chosen at set-up opens from its own folder, and leaving it
    comes back to the real station's folder (its login, or setting it up). Closes every desk it shows."""
    shown: Desk | None = desk
    try:
        while shown is not None:
            if case_id is not None and number_of_case(shown.conn, case_id) is None:
                return fatal(TEXTS["no_case"].format(case=case_id), screenshot=screenshot is not None)
            code, leave_demo = _run_window(app, shown, screenshot, case_id)
            real = real_folder(shown.data_dir)
            if not leave_demo or real is None:
                return code
            case_id = None
            shown.close()
            shown = None
            shown = open_with_dialogs(real)
        return 0
    finally:
        if shown is not None:
            shown.close()


def place_window(window: QtWidgets.QMainWindow, remembered: bool) -> None:
    """Show the main window on a handler's screen: the size the handler left it at (``remembered``), else the whole
    screen of a small laptop (1366×768, or 1280×720 at 150 %), else a comfortable size inside the screen."""
    restored = remembered and window.remember_layout()  # type: ignore[attr-defined]
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    if restored:
        window.show()
    elif available.width() < 1500:
        window.showMaximized()
    else:
        window.resize(min(1480, available.width()), min(920, available.height()))
        window.show()


def _run_window(app: QtWidgets.QApplication, desk: Desk, screenshot: Path | None,
                case_id: str | None) -> tuple[int, bool]:
    """Run the main window; returns the exit code and whether the handler left the demo station."""
    from app.views.main_window import MainWindow

    window = MainWindow(desk)
    if screenshot is not None:
        # A screenshot ignores the saved layout: a fixed size, or the whole screen when that is smaller (the README's
        # pictures at 1366×768 and at 150 %).
        screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        window.resize(min(SCREENSHOT_SIZE[0], available.width()), min(SCREENSHOT_SIZE[1], available.height()))
        window.show()
    else:
        place_window(window, remembered=True)
    result = {"code": 0}
    if case_id is not None:  # connected first, so a screenshot shows the case
        window.loaded.connect(lambda: window.select_case(case_id))
    if screenshot is not None:
        def save() -> None:
            window.repaint()
            if not window.grab().save(str(screenshot)):
                print(f"错误：{TEXTS['screenshot_failed'].format(file=screenshot)}", file=sys.stderr)
                result["code"] = 1
            else:
                print(TEXTS["screenshot_saved"].format(file=screenshot, case=window.current_case_id() or "无"))
            app.quit()

        # The list is filled when `loaded` fires; one more turn of the event loop lets the window lay out and
        # paint before the grab.
        window.loaded.connect(lambda: QtCore.QTimer.singleShot(0, save))

        def give_up() -> None:
            print(f"错误：{TEXTS['screenshot_timeout'].format(seconds=SCREENSHOT_TIMEOUT_MS // 1000)}",
                  file=sys.stderr)
            app.exit(1)

        QtCore.QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)
    window.load()
    code = app.exec()
    return result["code"] or int(code), window.leaving_demo
