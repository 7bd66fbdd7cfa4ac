"""The window's size, the list/detail split and the 四定四包 dock come back as the handler left them, from an INI
file in the station's data folder (never the user's registry or ~/.config)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from app.ops.desk import Desk
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtWidgets
from app.views.window_state import settings_file
from tests.conftest import LOGIN_VARIABLES, FakeNow, make_draft, new_station

ROOT = Path(__file__).resolve().parents[1]


def open_window(qtbot, desk: Desk, remember: bool = True) -> tuple[MainWindow, bool]:  # type: ignore[no-untyped-def]
    window = MainWindow(desk)
    qtbot.addWidget(window)
    restored = window.remember_layout() if remember else False
    if not restored:
        window.resize(1300, 800)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.loaded, timeout=5000):
        window.load()
    return window, restored


def test_size_split_and_dock_come_back(qtbot, desk: Desk) -> None:
    desk.register_case(make_draft())
    first, restored = open_window(qtbot, desk)
    assert not restored and not settings_file(desk.data_dir).exists()
    qtbot.waitUntil(lambda: first.splitter.sizes()[0] > 0)
    # The offscreen screen is 800 pixels wide: Qt fits a restored window to the screen, then to the window's
    # minimum width, so the test uses that width (a real laptop's screen keeps whatever width was left).
    dock = first.findChild(QtWidgets.QDockWidget, "checklistDock")
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    width = first.minimumSizeHint().width()
    first.resize(width, 650)
    qtbot.waitUntil(lambda: (first.width(), first.height()) == (width, 650))
    total = sum(first.splitter.sizes())
    first.splitter.setSizes([total - 400, 400])
    sizes = first.splitter.sizes()
    first.close()
    assert settings_file(desk.data_dir).exists()

    second, restored = open_window(qtbot, desk)
    assert restored
    assert (second.width(), second.height()) == (width, 650)  # not the first start's 1300×800
    assert second.dockWidgetArea(second.findChild(QtWidgets.QDockWidget, "checklistDock")) \
        == Qt.DockWidgetArea.LeftDockWidgetArea
    qtbot.waitUntil(lambda: second.splitter.sizes() == sizes)  # not the computed split of a first start
    second.close()


def test_a_window_that_does_not_remember_writes_nothing(qtbot, desk: Desk) -> None:
    window, _restored = open_window(qtbot, desk, remember=False)
    window.close()
    assert not settings_file(desk.data_dir).exists()


def test_a_damaged_layout_file_is_ignored(qtbot, desk: Desk, tmp_path: Path) -> None:
    settings_file(desk.data_dir).write_bytes(b"[mainWindow]\ngeometry=@ByteArray(garbage)\nstate=7\n\x00\xff")
    window, restored = open_window(qtbot, desk)
    assert not restored
    assert window.isVisible() and window.width() == 1300
    window.close()


CHILD = textwrap.dedent("""
    import sys
    from app.views import main_window

    first_load = main_window.MainWindow.load

    def load(self):
        def report_and_close():
            print(self.isMaximized(), self.width(), self.height(), flush=True)
            if sys.argv[1] == "shrink":
                self.showNormal()
                self.resize(self.minimumSizeHint().width(), 650)
            self.close()
        self.loaded.connect(report_and_close)
        first_load(self)

    main_window.MainWindow.load = load
    from app.cli.main import main
    sys.exit(main(sys.argv[2:]))
""")


def test_the_program_puts_back_the_size_it_was_closed_at(tmp_path: Path, now: FakeNow) -> None:
    desk = new_station(tmp_path / "station", "TZ01", "新河镇信访办", "township", now=now)
    desk.close()

    def run(mode: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", CHILD, mode, "--data-dir", str(tmp_path / "station")],
                              cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                              env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                   "PYTHONPATH": str(ROOT), **LOGIN_VARIABLES})
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert run("shrink")[0] == "True", "a first start on a small screen is maximised"
    maximised, _width, height = run("keep")
    assert (maximised, height) == ("False", "650")
    assert settings_file(tmp_path / "station").exists()
    assert not list(tmp_path.glob(".config/**/*.ini")), "nothing in the user's own settings"
