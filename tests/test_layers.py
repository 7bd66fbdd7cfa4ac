"""The house rule that keeps the program testable: the domain, store, operations, sync and reports never load Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import app

QT_FREE_PACKAGES = ("app.models", "app.store", "app.ops", "app.sync", "app.reports", "app.demo", "app.cli")


def test_qt_free_packages_do_not_load_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(app.__path__, "app.")
               if m.name.startswith(QT_FREE_PACKAGES) and not m.name.startswith("app.cli.main")]
    assert "app.store.db" in modules and "app.ops.desk" in modules
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules) + (
        "loaded = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "assert not loaded, loaded\n")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_qt_is_imported_only_through_the_views_qt_module() -> None:
    root = Path(app.__file__).resolve().parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "qt.py" and path.parent.name == "views":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("from PySide6", "import PySide6")):
                offenders.append(f"{path.relative_to(root)}: {stripped}")
    assert offenders == []
