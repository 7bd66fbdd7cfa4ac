"""Starting the GUI: the application, its CJK font and style, the station's desk, first-start setup, screenshot.

While the window runs, unexpected errors are logged and told to the handler (``app.views.errors``); evidence copies
left behind by an earlier run that was killed are removed at start; the window's layout is kept between runs.

The font is loaded from ``resources/`` and made the application font: relying on the system's fallback shows
boxes on a machine without Chinese fonts, and Japanese glyph shapes on one with only Noto CJK.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store.db import default_data_dir
from app.store.queries import number_of_case
from app.views.common import FONT_FILE, STYLE_FILE, real_folder
from app.views.errors import ErrorReporter
from app.views.evidence_files import clean_stale_exports
from app.views.qt import QtCore, QtGui, QtWidgets

APP_NAME = "信访工作台"
FONT_POINT_SIZE = 10
SCREENSHOT_SIZE = (1380, 860)
FUSION_GIVEN = "petitionDeskFusion"  # set on an application created here with the Fusion style
TEXT_HEX = "#1f2933"  # the text colour of the whole program (resources/style.qss has the rest of the look)
SCREENSHOT_TIMEOUT_MS = 120_000  # a screenshot run that has not finished by then has hung: exit 1, not wait forever
TEXTS = {
    "open_failed": "无法打开数据",
    "no_station": "本机尚未设置站点，无法截图：{dir}",
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


def start(data_dir: Path) -> tuple[QtWidgets.QApplication, Desk]:
    """The application (font, style), the window's code and the station's desk. Opening even a 100,000-case
    station takes about 2 ms (it reads the station's settings, not the cases), less than a worker thread to open
    it in costs. Raises DomainError (in Chinese) when the file cannot be opened."""
    qt_app = application()
    setup_application(qt_app)
    importlib.import_module("app.views.main_window")
    return qt_app, Desk(data_dir)


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window for the station in ``args.data_dir`` (or the user's data folder)."""
    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    screenshot = getattr(args, "screenshot", None)
    try:
        app, desk = start(data_dir)
    except DomainError as err:
        setup_application(application())
        return fatal(str(err), screenshot=bool(screenshot))
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
        desk.close()


def _run_stations(app: QtWidgets.QApplication, desk: Desk, screenshot: Path | None, case_id: str | None) -> int:
    """The window on this data folder's station (set up first when there is none); a demo chosen at set-up opens
    from its own folder, and leaving it comes back to the real station's folder (to its station, or to setting
    one up)."""
    opened_here: list[Desk] = []  # desks this function opened, closed here (the caller closes ``desk``)
    try:
        while True:
            shown = desk
            if desk.station is None:
                if screenshot is not None:
                    print(f"错误：{TEXTS['no_station'].format(dir=desk.data_dir)}", file=sys.stderr)
                    return 1
                from app.views.setup_dialog import SetupDialog

                dialog = SetupDialog(desk)
                if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
                    return 0
                if dialog.opened is not None:
                    shown = dialog.opened
                    opened_here.append(shown)
            if case_id is not None and number_of_case(shown.conn, case_id) is None:
                return fatal(TEXTS["no_case"].format(case=case_id), screenshot=screenshot is not None)
            code, leave_demo = _run_window(app, shown, screenshot, case_id)
            real = real_folder(shown.data_dir)
            if not leave_demo or real is None:
                return code
            case_id = None
            if shown is desk:  # the program was started on the demo's folder itself
                desk = Desk(real)
                opened_here.append(desk)
    finally:
        for opened in opened_here:
            opened.close()


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
