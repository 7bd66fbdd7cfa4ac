"""Every window and dialog fits the laptops the users have: 1366×768, and 1920×1080 at 150 % (1280×720 logical).

Each screen is a child process on Qt's offscreen platform with a screen of that size and window frames
(``tests/screen_fit.py`` opens the main window as a first start does, then every dialog in its ``OPENERS``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from app.cli.main import main
from tests.conftest import ADMIN, TEST_PASSWORD, FakeNow
from tests.screen_fit import OPENERS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_station(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fit") / "station"
    assert main(["--data-dir", str(folder), "demo", "--cases", "300", "--seed", "1"]) == 0
    return folder


def screen_env(screen: tuple[int, int], tmp_path: Path) -> dict[str, str]:
    """The environment of a child process whose one screen has that size, with window frames around windows."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"windowFrameMargins": True, "screens": [
        {"name": "laptop", "x": 0, "y": 0, "width": screen[0], "height": screen[1], "logicalDpi": 96,
         "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    return {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def hub_stations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A city over two counties whose townships hold generated cases, sent up township → county → city."""
    from app.demo import generate_demo
    from tests.hub_tree import hub_tree, sync_up

    folder = tmp_path_factory.mktemp("hub")
    with hub_tree(folder, FakeNow(datetime.now())) as desks:
        for seed, code in enumerate(("331002001", "331002002", "331082001"), start=1):
            generate_demo(desks[code], 80, seed=seed)
        sync_up(desks, folder)
    return {"county": folder / "331002", "city": folder / "331000"}


def windows_on(screen: tuple[int, int], station: Path, tmp_path: Path,
               login: tuple[str, str] = ("", "")) -> list[dict[str, object]]:
    """What the child process reports: one entry per window, and the measures (``measure``: the timeline's)."""
    env = screen_env(screen, tmp_path)
    done = subprocess.run([sys.executable, "-m", "tests.screen_fit", str(station), *login], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


SCREENS = pytest.mark.parametrize("screen", [(1280, 720), (1366, 768)], ids=["1280x720", "1366x768"])


@SCREENS
def test_every_window_fits_the_screen_with_its_buttons_in_view(screen: tuple[int, int], demo_station: Path,
                                                                tmp_path: Path) -> None:
    check_windows(windows_on(screen, demo_station, tmp_path))


@SCREENS
@pytest.mark.parametrize("level", ["county", "city"])
def test_a_county_and_a_city_fit_too(screen: tuple[int, int], level: str, hub_stations: dict[str, Path],
                                     tmp_path: Path) -> None:
    """The main window of a county and of a city (with the stations' column and counts) and every dialog — the
    dashboard with its ranking, spot-check, stations and certificates, conflicts among them."""
    shown = windows_on(screen, hub_stations[level], tmp_path, (ADMIN, TEST_PASSWORD))
    check_windows(shown)
    main_window = next(e for e in shown if e.get("name") == "main window")
    assert "椒江区信访局" in str(main_window["title"]) or "台州市信访局" in str(main_window["title"])


@SCREENS
def test_the_timeline_shows_four_entries_of_a_long_history(screen: tuple[int, int], demo_station: Path,
                                                           tmp_path: Path) -> None:
    """At 150 % on a 1366×768 laptop (1280×720 logical) the detail's buttons take one row and the fields a third:
    the timeline of a case with a long history shows at least four entries whole."""
    measure = next(e for e in windows_on(screen, demo_station, tmp_path) if e.get("measure") == "timeline")
    assert int(measure["entries"]) >= 8, measure  # type: ignore[call-overload]
    assert int(measure["visible"]) >= 4, measure  # type: ignore[call-overload]


def check_windows(entries: list[dict[str, object]]) -> None:
    shown = [entry for entry in entries if "measure" not in entry]
    names = {entry["name"] for entry in shown}
    assert names == {"main window", *(name for name, _open in OPENERS)}, "a window did not open"
    problems = []
    for entry in shown:
        if "error" in entry:
            problems.append(f"{entry['name']}: {entry['error']}")
            continue
        x, y, width, height = entry["available"]  # type: ignore[misc]
        minimum_width, minimum_height = entry["minimum"]  # type: ignore[misc]
        if not entry["inside"]:
            problems.append(f"{entry['name']}: frame {entry['frame']} outside {entry['available']}")
        if minimum_width > width or minimum_height > height:
            problems.append(f"{entry['name']}: cannot be made smaller than {entry['minimum']}")
        if entry["hidden_buttons"]:
            problems.append(f"{entry['name']}: buttons out of view {entry['hidden_buttons']}")
    assert not problems, "\n".join(problems)


def test_the_fit_check_sees_a_window_past_the_screen(tmp_path: Path) -> None:
    """The check itself: a dialog of a fixed size taller than the screen is reported with its buttons."""
    script = tmp_path / "tall.py"
    script.write_text(
        "import json\n"
        "from app.views.qt import QtWidgets\n"
        "from tests.screen_fit import report, settle\n"
        "app = QtWidgets.QApplication([])\n"
        "dialog = QtWidgets.QDialog()\n"
        "layout = QtWidgets.QVBoxLayout(dialog)\n"
        "layout.addWidget(QtWidgets.QPushButton('打印'))\n"
        "dialog.setMinimumSize(600, 900)\n"
        "layout.insertStretch(0, 1)\n"
        "dialog.show()\n"
        "settle(app)\n"
        "print(json.dumps(report('tall', dialog), ensure_ascii=False))\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=screen_env((1280, 720), tmp_path),
                          capture_output=True, text=True, timeout=60, check=True)
    entry = json.loads(done.stdout.splitlines()[-1])
    assert not entry["inside"] and entry["minimum"][1] >= 900
    assert any(text.startswith("打印") for text in entry["hidden_buttons"])
