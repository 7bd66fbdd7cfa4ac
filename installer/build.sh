#!/usr/bin/env bash
# Builds a one-folder desktop package with PyInstaller: dist/PetitionDesk/PetitionDesk (Linux) or
# dist\PetitionDesk\PetitionDesk.exe (Windows, run from Git Bash). The CJK font and style sheet travel inside.
set -euo pipefail
cd "$(dirname "$0")/.."
make .venv/.installed-stamp >/dev/null
.venv/bin/python -m pip install -q "pyinstaller>=6.0"
sep=":"; [[ "${OS:-}" == "Windows_NT" ]] && sep=";"
# Menus are loaded by name (app/views/plugins.py) and reportlab loads its barcodes by name, so both are
# collected explicitly.
# QtQml/QtQuick and the web engine are not used; leaving them out halves the package.
.venv/bin/pyinstaller --noconfirm --clean --windowed --name PetitionDesk \
  --add-data "resources${sep}resources" \
  --collect-submodules app --collect-submodules reportlab.graphics.barcode \
  --exclude-module PySide6.QtQml --exclude-module PySide6.QtQuick --exclude-module PySide6.QtWebEngineCore \
  --exclude-module tkinter \
  main.py
echo "built: dist/PetitionDesk/"
