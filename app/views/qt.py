"""The one place Qt is imported from, so the binding and its small helpers live together.

Views write ``from app.views.qt import QtWidgets, QtCore, QtGui, Qt, Signal, Slot``.
"""

from __future__ import annotations

from PySide6 import QtCharts, QtCore, QtGui, QtPdf, QtPdfWidgets, QtPrintSupport, QtWidgets
from PySide6.QtCore import Qt, Signal, Slot

__all__ = ["QtCharts", "QtCore", "QtGui", "QtPdf", "QtPdfWidgets", "QtPrintSupport", "QtWidgets", "Qt", "Signal",
           "Slot"]
