"""The program shows its first rows without loading what only later work needs: the spreadsheet and PDF
libraries, the sync files' certificates and keys, the job processes. Each would add milliseconds to every start
(bench/bench_window.py --start-only measures the whole)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import LOGIN_VARIABLES, demo_station

ROOT = Path(__file__).resolve().parents[1]

# Loaded by the menus, dialogs and jobs that use them, after the first paint or when a handler asks.
NOT_BEFORE_FIRST_PAINT = (
    "openpyxl", "reportlab", "PIL", "docx", "python_calamine", "multiprocessing",
    "cryptography.hazmat.primitives.serialization", "app.reports", "app.ops.sync", "app.ops.sync_transfer",
    "app.sync.certs", "app.sync.keys", "app.sync.bundle", "app.sync.workbook", "app.store.sealed_xlsx",
)

# main.py as a person starts it; at the window's own after-first-paint callback (the first rows are painted) the
# child prints the modules loaded so far and the rows shown, and ends.
CHILD = textwrap.dedent("""
    import json, os, runpy, sys
    sys.path.insert(0, sys.argv[1])
    from app.views import first_paint

    def at_first_paint(self):
        window = self.parent().window()
        print(json.dumps({"rows": window.model.rowCount(), "modules": sorted(sys.modules)}), flush=True)
        os._exit(0)

    first_paint.AfterFirstPaint._fire = at_first_paint
    sys.argv = [os.path.join(sys.argv[1], "main.py"), "--data-dir", sys.argv[2]]
    runpy.run_path(sys.argv[0], run_name="__main__")
""")


def loaded_at_first_paint(folder: Path) -> dict[str, object]:
    env = {**os.environ, **LOGIN_VARIABLES, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_first_rows_are_painted_before_the_heavy_libraries_load(tmp_path: Path) -> None:
    demo_station(tmp_path, 12).close()
    seen = loaded_at_first_paint(tmp_path)
    assert seen["rows"]  # the list shows the open cases (在办)
    modules = seen["modules"]
    assert isinstance(modules, list) and "app.views.main_window" in modules
    early = [name for name in modules
             if any(name == heavy or name.startswith(heavy + ".") for heavy in NOT_BEFORE_FIRST_PAINT)]
    assert early == []
