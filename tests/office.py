"""LibreOffice as the stand-in for Excel and WPS in tests: convert a workbook as a user's office suite writes it,
or read it back as CSV (the lossless filter: plain --convert-to csv turns Chinese into ??)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc) not installed")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def _soffice(src: Path, target: str, outdir: Path) -> None:
    assert SOFFICE is not None
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", target,
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)


def convert(src: Path, target: str, outdir: Path) -> Path:
    """``soffice --headless --convert-to target``; returns the written file. A private profile per call keeps
    parallel runs from locking each other out."""
    _soffice(src, target, outdir)
    suffix = target.split(":", maxsplit=1)[0]
    written = outdir / f"{src.stem}.{suffix}"
    assert written.exists(), f"LibreOffice wrote nothing for {src.name}"
    return written


def read_csv_via_libreoffice(src: Path, outdir: Path) -> list[list[str]]:
    """The first sheet as LibreOffice shows it, cell texts as displayed."""
    path = convert(src, CSV_FILTER, outdir)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def resave_with_libreoffice(src: Path, outdir: Path) -> Path:
    """The workbook as LibreOffice writes it (its own xlsx writer, not openpyxl's)."""
    return convert(src, "xlsx", outdir)


def read_sheet_via_libreoffice(src: Path, sheet: int, outdir: Path) -> list[list[str]]:
    """Sheet number ``sheet`` (1 is the first) as LibreOffice shows it: cell texts as displayed, so a number
    formatted 0.00% reads "97.12%". The CSV filter's 9th option keeps the display, the 12th picks the sheet
    (LibreOffice 7.2 or later), and the file is named after the sheet."""
    _soffice(src, f"{CSV_FILTER},,0,false,true,true,false,false,{sheet}", outdir)
    [path] = outdir.glob(f"{src.stem}-*.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))
