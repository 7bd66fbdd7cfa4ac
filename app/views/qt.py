"""The one place Qt is imported from, so the binding and its small helpers live together.

Views write ``from app.views.qt import QtWidgets, QtCore, QtGui, Qt, Signal, Slot``. The modules only some views
need (QtCharts, QtPdf, QtPdfWidgets, QtPrintSupport) are imported on first use: together they cost about a
tenth of a second, which the window's start-up should not pay before the first rows show.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal, Slot

if TYPE_CHECKING:
    from PySide6 import QtCharts, QtPdf, QtPdfWidgets, QtPrintSupport

_ON_FIRST_USE = ("QtCharts", "QtPdf", "QtPdfWidgets", "QtPrintSupport")

__all__ = ["QtCharts", "QtCore", "QtGui", "QtPdf", "QtPdfWidgets", "QtPrintSupport", "QtWidgets", "Qt", "Signal",
           "Slot"]


def __getattr__(name: str) -> ModuleType:
    if name in _ON_FIRST_USE:
        module = importlib.import_module(f"PySide6.{name}")
        globals()[name] = module
        return module
    raise AttributeError(name)
