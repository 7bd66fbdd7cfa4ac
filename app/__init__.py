"""信访工作台 Petition Desk."""

import os

# openpyxl writes through lxml whenever lxml is installed (python-docx brings it), and lxml's writer spells every
# Chinese character as a character reference (&#35785;): sheets 1.8× larger and slower to write and read, and the
# sync file's per-sheet size limits reached sooner. Its own writer keeps UTF-8. Set before openpyxl is imported.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
