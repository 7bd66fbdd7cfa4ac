"""A bundle too large for one file of a FAT32 stick travels as numbered parts: written past the part size as
NAME.part1ofN …, imported only complete and in order, and a missing, extra, swapped or cut part refused with a
message that names it, the store unchanged. Tried with a small part size (a hidden option), never with 4 GB."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ops import recovery
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.sync import parts
from tests.cli_support import run
from tests.conftest import FakeNow
from tests.sync_helpers import handled_tree, import_refused, new_case, store_state

PART = 20_000  # bytes of the bundle in each part


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with handled_tree(tmp_path, now, ("331000", "331002", "331002001"), photo_bytes=60_000) as desks:
        yield desks


def _export(desk: Desk, to: str, out: Path) -> list[Path]:
    out.parent.mkdir(exist_ok=True)
    return transfer.export_bundle(desk, to, out, part_size=PART).parts


def test_a_large_bundle_is_written_in_numbered_parts_and_imported_from_any_one(tree: dict[str, Desk],
                                                                              tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    written = _export(town, "331002", tmp_path / "stick" / "up.zip")
    count = len(written)
    assert count >= 4  # a 60 KB photo and the workbook over 20 KB parts
    assert [p.name for p in written] == [f"up.zip.part{n}of{count}" for n in range(1, count + 1)]
    assert sorted(p.name for p in (tmp_path / "stick").iterdir()) == sorted(p.name for p in written)
    assert all(p.stat().st_size == PART + parts.TRAILER_LEN for p in written[:-1])
    # The parts joined, less their trailers, are the bundle as one file: the same signature holds.
    joined = tmp_path / "joined.zip"
    joined.write_bytes(b"".join(p.read_bytes()[:-parts.TRAILER_LEN] for p in written))
    assert transfer.verify_bundle(county, joined).genuine
    info = transfer.verify_bundle(county, written[1])
    assert info.genuine and info.problem == ""

    result = transfer.import_bundle(county, written[2])  # any part names the set
    assert len(result.report.new_cases) == 1 and result.evidence_added == 1
    case_id = result.report.new_cases[0]
    assert county.case(case_id).request_summary
    assert county.conn.execute("SELECT count(*) FROM events WHERE origin = '331002001'").fetchone()[0] == \
        town.conn.execute("SELECT count(*) FROM events WHERE origin = '331002001'").fetchone()[0]


def test_the_plain_name_finds_the_parts_and_a_small_bundle_stays_one_file(tree: dict[str, Desk],
                                                                       tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    _export(town, "331002", tmp_path / "stick" / "up.zip")
    assert transfer.import_bundle(county, tmp_path / "stick" / "up.zip").report.new_cases
    # The county's answer carries little: it fits in one part and keeps its plain name, with no trailer.
    small = transfer.export_bundle(county, "331002001", tmp_path / "stick" / "next.zip", part_size=PART)
    assert small.parts == [tmp_path / "stick" / "next.zip"]
    assert not small.parts[0].read_bytes().endswith(b"\n")


def test_a_new_export_under_the_same_name_replaces_the_old_parts(tree: dict[str, Desk], tmp_path: Path) -> None:
    town = tree["331002001"]
    stick = tmp_path / "stick"
    first = _export(town, "331002", stick / "up.zip")
    second = transfer.export_bundle(town, "331002", stick / "up.zip", part_size=PART * 2).parts
    assert len(second) < len(first)
    assert sorted(p.name for p in stick.iterdir()) == sorted(p.name for p in second)
    one = transfer.export_bundle(town, "331002", stick / "up.zip").parts
    assert [p.name for p in stick.iterdir()] == ["up.zip"] == [p.name for p in one]


def _parts_of(tmp_path: Path, tree: dict[str, Desk]) -> list[Path]:
    written = _export(tree["331002001"], "331002", tmp_path / "stick" / "up.zip")
    assert len(written) >= 4
    return written


def test_a_missing_part_is_named(tree: dict[str, Desk], tmp_path: Path) -> None:
    written = _parts_of(tmp_path, tree)
    written[1].unlink()
    message = import_refused(tree["331002"], written[0])
    assert f"分为 {len(written)} 个部分，缺少第 2 部分（{written[1].name}）" in message
    assert "拷贝到同一个文件夹" in message
    written[-1].unlink()  # the last one too, asked for by the plain name
    message = import_refused(tree["331002"], tmp_path / "stick" / "up.zip")
    assert f"缺少第 2、{len(written)} 部分" in message


def test_an_extra_part_of_another_export_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    written = _parts_of(tmp_path, tree)
    count = len(written)
    stray = written[0].with_name(f"up.zip.part{count + 1}of{count + 1}")
    shutil.copy(written[0], stray)
    message = import_refused(tree["331002"], written[0])
    assert f"还有 {stray.name}" in message and "不属于这一组" in message
    stray.unlink()
    # A part of another export of the same size, put in place of one of these: the same name, not the same set.
    other = _export(tree["331002001"], "331002", tmp_path / "other" / "up.zip")
    assert len(other) == count
    shutil.copy(other[1], written[1])
    message = import_refused(tree["331002"], written[0])
    assert "第 2 部分（up.zip.part2of" in message and "不是同一次导出的" in message


def test_swapped_parts_are_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    written = _parts_of(tmp_path, tree)
    swap = tmp_path / "swap"
    written[0].rename(swap)
    written[1].rename(written[0])
    swap.rename(written[1])
    message = import_refused(tree["331002"], written[0])
    assert f"文件 {written[0].name} 的内容是第 2 部分（共 {len(written)} 部分），不是第 1 部分" in message
    assert "名字被改过" in message


def test_a_truncated_part_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    written = _parts_of(tmp_path, tree)
    data = written[2].read_bytes()
    written[2].write_bytes(data[:-1000])  # the copy stopped short: the trailer is gone
    message = import_refused(tree["331002"], written[0])
    assert f"第 3 部分（{written[2].name}）不完整" in message and "没有拷贝完" in message
    # Cut inside, trailer kept: the sizes do not add up.
    written[2].write_bytes(data[:5000] + data[-parts.TRAILER_LEN:])
    message = import_refused(tree["331002"], written[0])
    assert f"第 3 部分（{written[2].name}）不完整：应有 {PART + parts.TRAILER_LEN} 字节" in message


def test_a_changed_byte_in_a_part_fails_the_signature(tree: dict[str, Desk], tmp_path: Path) -> None:
    written = _parts_of(tmp_path, tree)
    data = bytearray(written[1].read_bytes())
    data[100] ^= 0xFF
    written[1].write_bytes(bytes(data))
    assert "签名不正确" in import_refused(tree["331002"], written[0])
    assert "签名不正确" in transfer.verify_bundle(tree["331002"], written[0]).problem


def test_a_failed_export_leaves_no_part(tree: dict[str, Desk], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    town = tree["331002001"]
    stick = tmp_path / "stick"
    stick.mkdir()
    from app.models.errors import DomainError
    from app.sync import bundle

    real = bundle.sealing.evidence_member

    def fail_on_evidence(key: bytes, sha: str) -> str:
        raise OSError(5, "Input/output error")

    before = store_state(town)
    monkeypatch.setattr(bundle.sealing, "evidence_member", fail_on_evidence)
    with pytest.raises(DomainError) as err:
        transfer.export_bundle(town, "331002", stick / "up.zip", part_size=PART)
    monkeypatch.setattr(bundle.sealing, "evidence_member", real)
    assert "未写完的文件已删除" in str(err.value)
    assert list(stick.iterdir()) == []
    assert store_state(town) == before


def test_the_command_line_writes_and_reads_parts(tree: dict[str, Desk], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    town, county = tree["331002001"], tree["331002"]
    stick = tmp_path / "stick"
    stick.mkdir()
    code, out, _ = run(capsys, town.data_dir, "export", "--to", "331002", "--out", str(stick / "up.zip"),
                       "--part-size", str(PART))
    assert code == 0
    count = len(list(stick.iterdir()))
    assert f"分为 {count} 个部分" in out and f"up.zip.part1of{count}" in out and "不要改名" in out
    code, out, _ = run(capsys, town.data_dir, "export", "--help")
    assert "--part-size" not in out
    code, _, err = run(capsys, town.data_dir, "export", "--to", "331002", "--out", str(stick / "x.zip"),
                       "--part-size", "10")
    assert code != 0 and "每部分的字节数应在 1024" in err

    (stick / f"up.zip.part2of{count}").rename(tmp_path / "aside")
    before = store_state(county)
    code, _, err = run(capsys, county.data_dir, "import", str(stick / f"up.zip.part1of{count}"))
    assert code != 0 and "缺少第 2 部分" in err
    assert store_state(county) == before
    (tmp_path / "aside").rename(stick / f"up.zip.part2of{count}")
    code, out, _ = run(capsys, county.data_dir, "import", str(stick / f"up.zip.part1of{count}"))
    assert code == 0 and "新案件 1 件" in out


def test_a_recovery_file_is_written_in_parts_too(tmp_path: Path, now: FakeNow) -> None:
    with handled_tree(tmp_path, now, ("331000", "331002", "331002001"), photo_bytes=60_000) as tree:
        town, county = tree["331002001"], tree["331002"]
        transfer.import_bundle(county, transfer.export_bundle(town, "331002", tmp_path / "up.zip").path)
        from tests.sync_helpers import set_up_again

        again = set_up_again(tmp_path, now, "331002001", county)
        try:
            (tmp_path / "stick").mkdir()
            made = recovery.recovery_file(county, "331002001", tmp_path / "stick" / "rec.zip", part_size=PART)
            assert len(made.parts) >= 4
            result = transfer.import_bundle(again, made.parts[-1])
            assert "已从站点 331002 恢复本站数据：新增 1 件案件" in result.recovery_message
            assert new_case(again).startswith("331002001-")
        finally:
            again.close()


def test_the_export_dialog_tells_the_parts_and_the_import_takes_one(qtbot, tree: dict[str, Desk],  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from app.views.qt import QtWidgets
    from app.views.sync_dialogs import ExportDialog, ImportSummary, start_import
    from tests.gui_support import make_window, open_dialog

    monkeypatch.setattr(parts, "FAT32_PART", PART)  # as if the bundle were past 4 GB
    window = make_window(qtbot, tree["331002001"])
    dialog = ExportDialog(window.desk, window)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "up.zip"))
    dialog.ok.click()
    assert dialog.runner is not None
    with qtbot.waitSignal(dialog.runner.done, timeout=20000):
        pass
    written = sorted(tmp_path.glob("up.zip.part*"))
    box = [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()][-1]
    assert f"分为 {len(written)} 个部分" in box.text() and written[0].name in box.text()
    box.close()

    county = make_window(qtbot, tree["331002"])
    runner = start_import(county.desk, written[0], county)
    with qtbot.waitSignal(runner.done, timeout=20000):
        pass
    summary = open_dialog(county, ImportSummary)
    assert "新案件 1 件" in summary.findChild(QtWidgets.QLabel, "importFigures").text()
    summary.close()
