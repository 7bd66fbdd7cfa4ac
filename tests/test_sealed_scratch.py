"""What a workbook streams to the temporary folder on its way is sealed, and a sealed member is read in place."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest

from app.store import sealed
from app.store.files import new_workbook, write_only_workbook
from tests.byte_search import search

SECRET = "欧阳觅踪11010519491231002X"


def test_a_workbook_being_written_leaves_nothing_readable_in_the_temporary_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = tmp_path / "out.xlsx"
    with write_only_workbook() as wb:
        ws = wb.create_sheet("台账")
        ws.freeze_panes = "B2"  # set before the first row: still written
        for number in range(5000):
            ws.append([number, SECRET])
        assert list(temp.iterdir()) and search([temp], [SECRET]) == []  # half-way: the rows are on the disk, sealed
        wb.save(out)
    assert list(temp.iterdir()) == []
    with zipfile.ZipFile(out) as zf:
        assert SECRET.encode() in zf.read("xl/worksheets/sheet1.xml")
    from openpyxl import load_workbook

    assert load_workbook(out)["台账"].freeze_panes == "B2"
    ordinary = new_workbook()
    ordinary.active.append([SECRET])
    buffer = io.BytesIO()
    ordinary.save(buffer)  # into a stream, as a bundle's workbook goes into its sealed member
    assert load_workbook(buffer).active["A1"].value == SECRET and list(temp.iterdir()) == []


def test_a_cancelled_workbook_leaves_no_scratch_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(RuntimeError), write_only_workbook() as wb:
        wb.create_sheet("a").append([SECRET])
        raise RuntimeError("取消")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size", [0, 1, sealed.CHUNK, 2 * sealed.CHUNK + 5])
def test_a_sealed_view_reads_any_part_and_refuses_a_changed_chunk(tmp_path: Path, size: int) -> None:
    key, plain = sealed.new_key(), os.urandom(size)
    path = tmp_path / "member"
    with path.open("wb") as sink:
        sink.write(b"prefix")
        sealed.seal(io.BytesIO(plain), sink, key, b"test")
    length = path.stat().st_size - len(b"prefix")
    view = sealed.SealedView(path.open("rb"), len(b"prefix"), length, key, b"test")
    try:
        assert view.read() == plain
        for start in (0, size // 2, max(0, size - 3)):
            view.seek(start)
            assert view.read(sealed.CHUNK + 7) == plain[start:start + sealed.CHUNK + 7]
        assert view.seek(0, 2) == size
    finally:
        view.close()
    if size:
        data = bytearray(path.read_bytes())
        data[-1] ^= 1  # the last chunk's tag
        path.write_bytes(bytes(data))
        view = sealed.SealedView(path.open("rb"), len(b"prefix"), length, key, b"test")
        with pytest.raises(sealed.Damaged):
            view.seek(size - 1)
            view.read(1)
        view.close()
