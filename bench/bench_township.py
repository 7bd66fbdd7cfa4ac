"""A 100,000-case township's whole history in one bundle: exported at the township, imported at its county, each
in a process of its own with its peak memory (VmHWM; goal ≤ 300 MB), beside raw baselines measured in the same
run on the same workbook.

    python bench/bench_township.py [--cases 100000] [--evidence-mb 20]

- export  vs  openpyxl write-only writing exactly the same cells (the cells are read back first, untimed)
- import  vs  python-calamine parsing every sheet of the same workbook and a raw ``executemany`` of its rows into a
  fresh station file (no checks, no projections)
The baselines read the workbook as the county does on import (checked, unsealed, read in place), into memory
before their clock starts: no clear workbook is written to disk, and their peak memory holds the whole of it.
Before the workbook split every table into sheets of bounded size, a township past about 56,000 cases wrote a case
sheet larger than the reader's bound for one part, and its first full bundle could never be imported.
The stations are made once with the demo generator (bench/data/sync-*, git-ignored; about 3 minutes), as
bench/bench_sync.py makes them: this is that benchmark at a township's full size, one run of each phase.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_sync import DATA, child, prepare  # noqa: E402

EVENTS_PER_CASE_MILLI = 7960  # bench_sync.prepare makes about 7.96 events per demo case


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--evidence-mb", type=int, default=20)
    args = parser.parse_args()
    # The event count that makes prepare() generate exactly ``cases`` cases (it derives cases from events).
    events = -(-(args.cases + args.evidence_mb) * EVENTS_PER_CASE_MILLI // 1000)
    folder = prepare(events, args.evidence_mb)
    print(f"load before: {_load()}")
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp)
        bundle = work / "township.zip"
        export = child("export", str(folder), str(bundle))
        size = bundle.stat().st_size
        book = child("book", str(folder), str(bundle))
        raw_write = child("raw_write", str(folder), str(bundle))
        (work / "import").mkdir()
        imported = child("import", str(folder), str(bundle), str(work / "import"))
        (work / "raw").mkdir()
        raw_import = child("raw_import", str(folder), str(bundle), str(work / "raw"), "all")
    print(f"township bundle: {export['cases']:.0f} cases, {export['events']:.0f} events, {export['evidence']:.0f} "
          f"evidence files ({export['evidence_bytes'] / 1e6:.1f} MB); bundle {size / 1e6:.1f} MB, workbook "
          f"{book['sheets']:.0f} sheets, the largest {book['largest'] / 1e6:.1f} MB of XML")
    ew, rw = export["seconds"], raw_write["seconds"]
    print(f"export  {ew:7.1f} s   peak {export['peak_mb']:4.0f} MB   raw openpyxl write of the same cells "
          f"{rw:7.1f} s (peak {raw_write['peak_mb']:.0f} MB)   ratio {ew / rw:.2f}×")
    iw, ri = imported["seconds"], raw_import["seconds"]
    print(f"import  {iw:7.1f} s   peak {imported['peak_mb']:4.0f} MB   raw calamine parse + executemany of the "
          f"workbook's rows {ri:7.1f} s (peak {raw_import['peak_mb']:.0f} MB)   ratio {iw / ri:.2f}×   "
          f"({imported['new_cases']:.0f} new cases)")
    for label, peak in (("export", export["peak_mb"]), ("import", imported["peak_mb"])):
        print(f"peak memory of the {label}: {peak:.0f} MB, goal ≤ 300 MB: {'met' if peak <= 300 else 'NOT MET'}")
    print(f"load after: {_load()}")


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
