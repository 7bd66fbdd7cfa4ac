"""信访工作台 Petition Desk."""

import os

__version__ = "0.1.0"

# python-docx (papers) brings lxml, and openpyxl switches its workbook reader and writer to lxml when it finds it:
# the workbooks, sync bundles and their size checks were built and tested on openpyxl's own XML code, so it stays.
os.environ.setdefault("OPENPYXL_LXML", "False")
