"""The main window's size, place, panes and dock, kept between runs.

Kept in an INI file inside the station's data folder rather than in the user's registry or ~/.config: the layout
goes with the station's data (a laptop with two stations keeps two layouts), and tests stay in their tmp_path.
"""

from __future__ import annotations

from pathlib import Path

from app.views.qt import QtCore, QtWidgets

FILE_NAME = "window.ini"
# Bumped when the docks or toolbars change, so an old saved layout is not forced onto a new window.
STATE_VERSION = 1
KEYS = ("geometry", "state", "splitter")


def settings_file(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def _settings(data_dir: Path) -> QtCore.QSettings:
    return QtCore.QSettings(str(settings_file(data_dir)), QtCore.QSettings.Format.IniFormat)


def save_layout(window: QtWidgets.QMainWindow, splitter: QtWidgets.QSplitter, data_dir: Path) -> None:
    """Write the window's geometry, its docks and toolbars, and the list/detail split."""
    settings = _settings(data_dir)
    settings.beginGroup("mainWindow")
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("state", window.saveState(STATE_VERSION))
    settings.setValue("splitter", splitter.saveState())
    settings.endGroup()
    settings.sync()


def restore_layout(window: QtWidgets.QMainWindow, splitter: QtWidgets.QSplitter, data_dir: Path,
                   keys: tuple[str, ...] = KEYS) -> set[str]:
    """Put back what an earlier run saved (the given parts); returns which parts were restored (a damaged entry is
    skipped)."""
    if not settings_file(data_dir).exists():
        return set()
    settings = _settings(data_dir)
    settings.beginGroup("mainWindow")
    values = {key: settings.value(key) if key in keys else None for key in KEYS}
    settings.endGroup()
    restored = set()
    if isinstance(values["geometry"], QtCore.QByteArray) and window.restoreGeometry(values["geometry"]):
        restored.add("geometry")
    if isinstance(values["state"], QtCore.QByteArray) and window.restoreState(values["state"], STATE_VERSION):
        restored.add("state")
    if isinstance(values["splitter"], QtCore.QByteArray) and splitter.restoreState(values["splitter"]):
        restored.add("splitter")
    return restored
