"""No size cap: a station's whole history travels in one workbook, every part of it under the reader's bound.

Before, the case, checklist and evidence sheets were one sheet each whatever their length: a township of some
56,000 cases wrote a 案件 sheet past the reader's bound for one part, and its first full bundle could never be
imported. The same limits, scaled down, show it here without 56,000 cases."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.ops import sync_transfer as transfer
from app.store.integrity import verify
from app.store.projection import fingerprint
from app.sync import workbook
from tests.conftest import FakeNow, own_seq
from tests.sync_helpers import new_case, station_tree, unpack


def _sheet_sizes(bundle: Path) -> list[int]:
    book = io.BytesIO(unpack(bundle)[1]["data.xlsx"])
    with zipfile.ZipFile(book) as inner:
        return [i.file_size for i in inner.infolist() if i.filename.startswith("xl/worksheets/")]


def _sheet_names(bundle: Path) -> list[str]:
    import python_calamine

    book = bundle.with_suffix(".xlsx")
    book.write_bytes(unpack(bundle)[1]["data.xlsx"])
    return list(python_calamine.CalamineWorkbook.from_path(str(book)).sheet_names)


def test_a_township_larger_than_one_sheet_can_hold_travels_whole(tmp_path: Path, now: FakeNow,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The reader's bound for one sheet scaled down to 256 KB (from 64 MB), the writer's sheet size with it.
    monkeypatch.setattr(workbook, "MAX_SHEET_XML", 256 << 10)
    monkeypatch.setattr(workbook, "SHEET_BYTES", 128 << 10)
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        cases = [new_case(town, f"王{i:03d}") for i in range(300)]
        for case_id in cases[:150]:
            town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
        bundle = tmp_path / "up.zip"
        transfer.export_bundle(town, "331002", bundle)
        sizes = _sheet_sizes(bundle)
        assert sum(sizes) > 3 * (256 << 10) and max(sizes) < 256 << 10
        names = _sheet_names(bundle)
        assert "案件（2）" in names and "办理事件（2）" in names
        result = transfer.import_bundle(county, bundle)
        assert len(result.report.new_cases) == 300 and result.report.new_events == own_seq(450)
        assert fingerprint(county.conn) == fingerprint(town.conn)
        assert verify(county.conn, county.limits).ok


def test_a_table_of_no_rows_still_has_its_sheet_and_a_full_sheet_no_empty_one(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import python_calamine

    monkeypatch.setattr(workbook, "ROWS_PER_SHEET", 2)
    book = tmp_path / "data.xlsx"
    rows = [("TZ01:1", "TZ01-2026-00001", "TZ01", 1, "000000000000001.00000", "2026-03-02T09:00:00", "张丽",
             "register", "{}", "0" * 64, "0" * 64),
            ("TZ01:2", "TZ01-2026-00001", "TZ01", 2, "000000000000002.00000", "2026-03-02T09:00:00", "张丽",
             "accept", "{}", "0" * 64, "0" * 64)]
    workbook.write_workbook(book, [], [], rows, 2, 2, [], [])
    names = python_calamine.CalamineWorkbook.from_path(str(book)).sheet_names
    assert names == ["说明", "案件", "办理事件", "四定四包", "佐证材料清单"]
    assert [r[0] for r in workbook.read_events(book, 2)] == ["TZ01:1", "TZ01:2"]


def test_a_stick_that_cannot_hold_so_large_a_file_is_named(tmp_path: Path, now: FakeNow,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from app.models.errors import DomainError
    from app.sync import container

    def too_large(self: object, data: bytes) -> None:
        raise OSError(errno.EFBIG, "File too large")

    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        new_case(d["331002001"])
        (tmp_path / "stick").mkdir()
        monkeypatch.setattr(container._HashingWriter, "write", too_large)
        with pytest.raises(DomainError) as err:
            transfer.export_bundle(d["331002001"], "331002", tmp_path / "stick" / "up.zip")
        assert "FAT32 格式的 U 盘单个文件不能超过 4 GB" in str(err.value) and "exFAT" in str(err.value)
        assert not list(tmp_path.glob("stick/*"))
