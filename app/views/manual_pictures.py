"""The manual's pictures and its PDF, made by the program itself from a demo station (``make docs``).

``python -m app.views.manual_pictures [--pdf docs/使用手册.pdf] [--readme docs/]`` makes a 2,000-case demo station
in a temporary folder, opens the window at 1366×768 on Qt's offscreen screen, grabs the main window and the
dialogs each chapter shows into ``resources/manual/images/``, and writes the whole manual as one PDF (Qt's PDF
writer embeds the shipped font). With ``--readme`` it also writes the README's screenshots at 1366×768 and at
150 % (1920×1080 device pixels, 1280×720 logical) — each size in a child process, since a process has one screen.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.store.files import output_file
from app.views.common import RESOURCES

IMAGES = RESOURCES / "manual" / "images"
ROOT = RESOURCES.parent
SCREENS = {"1366x768": (1366, 768, 1.0), "150": (1920, 1080, 1.5)}


def _settle(app: Any, turns: int = 20) -> None:
    for _ in range(turns):
        app.processEvents()


def _grab(widget: Any, path: Path) -> None:
    widget.repaint()
    if not widget.grab().save(str(path)):
        raise OSError(f"无法保存图片：{path}")
    print(f"已保存：{path}")


def _pictures(window: Any, app: Any) -> dict[str, Callable[[], Any]]:
    """Picture name → what opens the window it shows (the main window itself for ``main-window``)."""
    desk = window.desk

    def case_in(status: str) -> str:
        row = desk.conn.execute("SELECT case_id FROM cases WHERE status = ? ORDER BY n DESC LIMIT 1",
                                (status,)).fetchone()
        return str(row[0])

    def new_case() -> Any:
        dialog = window.new_case()
        dialog.people[0].name.setText("王小明")
        dialog.people[0].id_number.setText("33100219800101002X")
        dialog.summary.setPlainText("东岙村道路破损多年，雨天无法通行，要求修复")
        return dialog

    def record_step() -> Any:
        window.select_case(case_in("dispatched"))
        return window.case_actions.record_step(window.current_case_id())

    def action(name: str) -> Callable[[], Any]:
        def trigger() -> Any:
            from app.views.qt import QtGui

            found = window.findChild(QtGui.QAction, name)
            before = {w for w in app.topLevelWidgets() if w.isVisible()}
            found.trigger()
            _settle(app)
            opened = [w for w in app.topLevelWidgets() if w.isVisible() and w not in before]
            return opened[0] if opened else None
        return trigger

    return {"main-window": lambda: window, "new-case": new_case, "record-step": record_step,
            "print-preview": action("print_sheets"), "sync-export": action("sync_export"),
            "spot-check": action("supervise_spot_check")}


def open_demo_window(data_dir: Path, user: str = "", password: str = "") -> tuple[Any, Any, Any]:
    """The application, the demo station's desk and its main window, shown and with its list loaded (the manual's
    pictures and the screen-fit check look at the same window; the check also at a county's and a city's station,
    signed in as ``user``)."""
    from app.demo import DEMO_PASSWORD, DEMO_USER
    from app.ops.session import open_station
    from app.views.app import application, place_window, setup_application
    from app.views.main_window import MainWindow
    from app.views.qt import QtCore

    app = application()
    setup_application(app)
    desk = open_station(data_dir, user or DEMO_USER, password or DEMO_PASSWORD)  # a demo's account is public
    window = MainWindow(desk)
    place_window(window, remembered=False)
    loaded: list[bool] = []
    window.loaded.connect(lambda: loaded.append(True))
    window.load()
    while not loaded:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    return app, desk, window


def take_pictures(data_dir: Path, out: Path, names: list[str] | None = None) -> None:
    """Open the window on ``data_dir`` and save each picture (or only ``names``) into ``out``."""
    app, desk, window = open_demo_window(data_dir)
    row = desk.conn.execute("SELECT c.case_id FROM checklist c JOIN cases USING (case_id) WHERE note != '' "
                            "AND finished = 0 GROUP BY c.case_id ORDER BY count(*) DESC, c.case_id LIMIT 1").fetchone()
    if row is not None:
        window.select_case(str(row[0]))
    _settle(app)
    out.mkdir(parents=True, exist_ok=True)
    for name, opener in _pictures(window, app).items():
        if names and name not in names:
            continue
        widget = opener()
        _settle(app)
        _grab(widget, out / f"{name}.png")
        if widget is not window:
            widget.close()
            _settle(app)
    window.close()
    desk.close()


def write_pdf(path: Path) -> None:
    """The manual's chapters, one after another, as a PDF with the shipped font embedded."""
    from app.views.app import application, setup_application
    from app.views.help_window import MANUAL_DIR, fit_pictures, manual_pages
    from app.views.qt import QtCore, QtGui

    app = application()
    setup_application(app)
    document = QtGui.QTextDocument()
    document.setDefaultFont(app.font())
    text = "\n\n".join(page.read_text(encoding="utf-8") for _title, page in manual_pages())
    document.setMarkdown(text)
    for picture in sorted((MANUAL_DIR / "images").glob("*.png")):  # given to the document (setMarkdown drops them)
        document.addResource(QtGui.QTextDocument.ResourceType.ImageResource,
                             QtCore.QUrl(f"images/{picture.name}"), QtGui.QImage(str(picture)))
    fit_pictures(document, 620)  # the writer's printable width at 96 dpi is about 680 pixels
    with output_file(path) as temp:  # whole or not at all, as every PDF the program writes
        writer = QtGui.QPdfWriter(str(temp))
        writer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
        writer.setTitle("信访工作台 使用手册")
        writer.setCreator("信访工作台")
        writer.setResolution(96)
        document.print_(writer)
        del writer  # closes the file before it is moved into place
    print(f"已保存：{path}")


def on_screen(screen: str, data_dir: Path, out: Path, only: list[str] | None = None) -> None:
    """Take the pictures in a child process whose one screen is ``screen`` (a key of ``SCREENS``)."""
    width, height, scale = SCREENS[screen]
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "screen.json"
        config.write_text(json.dumps({"windowFrameMargins": False, "screens": [
            {"name": screen, "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96,
             "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": str(scale)}
        command = [sys.executable, "-m", "app.views.manual_pictures", "--child", "--data-dir", str(data_dir),
                   "--out", str(out)]
        for name in only or []:
            command += ["--only", name]
        subprocess.run(command, env=env, check=True, cwd=ROOT)


def readme_screenshots(data_dir: Path, out: Path) -> None:
    """The main window at 1366×768 and at 150 % (1920×1080 device pixels)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for screen in SCREENS:
            on_screen(screen, data_dir, Path(folder) / screen, ["main-window"])
            target = out / f"main-window-{screen}.png"
            target.write_bytes((Path(folder) / screen / "main-window.png").read_bytes())
            print(f"已保存：{target}")


def make_demo(folder: Path) -> Path:
    from app.cli.main import main

    if main(["--data-dir", str(folder), "demo", "--cases", "2000", "--seed", "1"]) != 0:
        raise SystemExit(1)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="制作使用手册的插图和 PDF")
    parser.add_argument("--data-dir", type=Path, help="演示站点的文件夹（默认：临时生成 2000 件演示案件）")
    parser.add_argument("--out", type=Path, default=IMAGES)
    parser.add_argument("--only", action="append", help="只制作这张图")
    parser.add_argument("--pdf", type=Path, help="同时把手册写成 PDF")
    parser.add_argument("--readme", type=Path, help="同时制作 README 的截图（1366×768 与 150%%）到此文件夹")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # on the screen the parent gave this process
        take_pictures(args.data_dir, args.out, args.only)
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir or make_demo(Path(folder) / "demo")
        on_screen("1366x768", data_dir, args.out, args.only)
        if args.readme:
            readme_screenshots(data_dir, args.readme)
        if args.pdf:
            write_pdf(args.pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main())
