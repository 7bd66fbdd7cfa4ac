"""Ledger benchmark: the 台账 of 100,000 cases (query, rows, styles, write-only workbook) beside the raw writer
(openpyxl write_only appending the very same cell values, already in memory) — goal ≤ 1.3×. Also the
import check (dry run) of a ledger of 10,000 rows.

    .venv/bin/python bench/bench_ledger.py [--data DIR] [--repeat N]

The data dir defaults to bench/data/demo100k (made once if missing). Workbooks go to a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import demo_dir, peak_rss_mb, show
from openpyxl import Workbook

from app.ops.desk import Desk
from app.reports.ledger import HEADERS, LEDGER_SHEET, LedgerFilter, ledger_rows, write_ledger
from app.reports.ledger_import import plan_import


def raw_write(rows: list[list[object]], out: Path) -> None:
    """The baseline: the same header and values, no styles, no widths, no query."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(LEDGER_SHEET)
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(row)
    wb.save(str(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="data dir (default bench/data/demo100k)")
    parser.add_argument("--repeat", type=int, default=2, help="alternate runs of each (median taken)")
    args = parser.parse_args()
    folder = args.data or demo_dir("demo100k", 100_000)
    desk = Desk(folder)
    today = desk.today()
    cases = desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    print(f"store: {folder}, {cases} cases")
    with tempfile.TemporaryDirectory() as tmp:
        ours_out, raw_out = Path(tmp) / "ours.xlsx", Path(tmp) / "raw.xlsx"
        start = time.perf_counter()
        rows = list(ledger_rows(desk.conn, LedgerFilter(), today))
        query = time.perf_counter() - start
        cells = len(rows) * len(HEADERS)
        ours_t, raw_t = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            count = write_ledger(desk.conn, ours_out, LedgerFilter(), today, station="bench")
            ours_t.append(time.perf_counter() - start)
            start = time.perf_counter()
            raw_write(rows, raw_out)
            raw_t.append(time.perf_counter() - start)
        ours, raw = statistics.median(ours_t), statistics.median(raw_t)
        show(f"(a) ledger of {count} cases ({cells:,} cells), query to saved file", ours, raw, 1.3, unit="s")
        print(f"    runs: ours {', '.join(f'{t:.1f}' for t in ours_t)} s; raw {', '.join(f'{t:.1f}' for t in raw_t)} s")
        size, raw_size = (p.stat().st_size / 1024 / 1024 for p in (ours_out, raw_out))
        print(f"    of which the query and row building: {query:.1f} s; {cells / ours:,.0f} cells/s; "
              f"file {size:.1f} MB (raw {raw_size:.1f} MB)")

        sample = Path(tmp) / "sample.xlsx"
        write_ledger(desk.conn, sample, LedgerFilter(), today, station="bench", full_id=True)
        small = Path(tmp) / "ledger10k.xlsx"
        raw_write(rows[:10_000], small)  # the masked rows would all be refused: re-read the full-id file instead
        from python_calamine import CalamineWorkbook

        full_rows = CalamineWorkbook.from_path(str(sample)).get_sheet_by_name(LEDGER_SHEET).to_python()[:10_001]
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(LEDGER_SHEET)
        for row in full_rows:
            ws.append(row)
        wb.save(str(small))
        empty = Desk(Path(tmp) / "station")
        empty.init_station("BENCH", "基准站", "township")
        start = time.perf_counter()
        plan = plan_import(empty, small)
        elapsed = time.perf_counter() - start
        show(f"(b) import-ledger --dry-run of {len(plan.rows)} rows (read, map, check each row)", elapsed, unit="s")
        print(f"    {len(plan.valid)} valid, {len(plan.rejected)} refused; {len(plan.rows) / elapsed:,.0f} rows/s")
        empty.close()
    print(f"peak memory {peak_rss_mb():.0f} MB")
    desk.close()


if __name__ == "__main__":
    main()
