"""openpyxl workbooks whose sheets never rest on the disk in clear on their way into the file.

openpyxl writes every sheet's XML to a temporary file of its own before it zips them (a write-only workbook as
its rows arrive, any other at save): names, ID numbers and phones in clear in the temporary folder for as long as
the workbook is written, and for ever after a killed program. Here each sheet streams into a ``ScratchFile``
(app.store.sealed: sealed under a key only this process holds) and is unsealed straight into the workbook's zip at
save; the workbook itself can be saved into any writable stream (a bundle's sealed member). What is written is
byte for byte the workbook openpyxl writes.

This reaches into openpyxl's writer (3.1: ``WorksheetWriter``'s ``out``, ``ExcelWriter.write_worksheet``); the
tests that search the temporary folders for a petitioner's name fail if a newer openpyxl moves them.
"""

from __future__ import annotations

import datetime
import functools
import tempfile
import zipfile
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from app.store.sealed import ScratchFile


class _SealedSheetWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's sheet writer, its ``out`` a sealed scratch file instead of a clear temporary file."""

    def __init__(self, ws: Any) -> None:
        self.scratch = ScratchFile(b"petition-desk workbook sheet", tempfile.gettempdir())
        super().__init__(ws, out=self.scratch)

    def cleanup(self) -> None:
        self.scratch.remove()


class _SealedExcelWriter(ExcelWriter):  # type: ignore[misc]
    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if self.workbook.write_only:
            if not ws.closed:
                ws.close()
            writer = ws._writer
        else:
            writer = _SealedSheetWriter(ws)
            writer.write()
        ws._rels = writer._rels
        try:
            with self._archive.open(ws.path[1:], "w") as sink:
                writer.out.copy_to(sink)
        finally:
            writer.cleanup()
        self.manifest.append(ws)


def _sealed_writer(ws: Any) -> None:
    """A write-only sheet's ``_get_writer``: openpyxl's own, with a sealed scratch file for ``out``."""
    if ws._writer is None:
        ws._writer = _SealedSheetWriter(ws)
        ws._writer.write_top()


class SealedWorkbook(Workbook):  # type: ignore[misc]
    """A workbook whose sheets go through sealed scratch files (see the module's note)."""

    def create_sheet(self, title: str | None = None, index: int | None = None) -> Any:
        ws = super().create_sheet(title, index)
        if self.write_only:  # openpyxl makes the sheet's writer at the first row (after its views and columns are set)
            ws._get_writer = functools.partial(_sealed_writer, ws)
        return ws

    def save(self, filename: str | IO[bytes]) -> None:
        """Save to a path or into a writable stream (which need not seek)."""
        if self.write_only and not self.worksheets:
            self.create_sheet()
        archive = zipfile.ZipFile(filename, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _SealedExcelWriter(self, archive).save()

    def discard(self) -> None:
        """Remove the sheets' scratch files of a workbook that will not be saved (a failed or cancelled write)."""
        for ws in self.worksheets:
            writer = getattr(ws, "_writer", None)
            if isinstance(writer, _SealedSheetWriter):
                try:
                    if not ws.closed:
                        ws.close()
                except Exception:  # noqa: BLE001 - a half-written sheet may not close; its file goes all the same
                    pass
                writer.cleanup()
