"""Bad files (issue 3 §5): each is refused with a clear Chinese message and the store is left exactly as it was."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import sync
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store import sealed
from tests.conftest import FakeNow, login, own_seq, reopen
from tests.sync_helpers import handled_tree, new_case, resign, send, snapshot, station_tree, store_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with handled_tree(tmp_path, now) as desks:
        yield desks


def refused(desk: Desk, path: Path, match: str) -> str:
    before = store_state(desk)
    with pytest.raises(DomainError, match=match) as err:
        transfer.import_bundle(desk, path)
    assert store_state(desk) == before
    assert transfer.verify_bundle(desk, path).genuine is False or "导入过" in str(err.value) \
        or "发给站点" in str(err.value)
    return str(err.value)


def test_a_byte_changed_anywhere_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    transfer.export_bundle(tree["331002001"], "331002", good)
    data = good.read_bytes()
    with zipfile.ZipFile(good) as zf:
        landmarks = [i.header_offset + 40 for i in zf.infolist()]
    positions = sorted({*range(0, len(data), max(1, len(data) // 60)), *landmarks, len(data) - 1, len(data) - 90,
                        len(data) - 200})
    bad = tmp_path / "bad.zip"
    messages = set()
    for position in positions:
        bad.write_bytes(data[:position] + bytes([data[position] ^ 0x20]) + data[position + 1:])
        message = refused(tree["331002"], bad, "[\u4e00-\u9fff]")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
        messages.add(message.split("：")[0])
    assert any("签名不正确" in m for m in messages)
    transfer.import_bundle(tree["331002"], good)  # the good file still imports


@pytest.mark.parametrize("cut", [1, 89, 1000, 0.5])
def test_a_truncated_file_is_refused(tree: dict[str, Desk], tmp_path: Path, cut: float) -> None:
    good = tmp_path / "good.zip"
    transfer.export_bundle(tree["331002001"], "331002", good)
    data = good.read_bytes()
    keep = int(len(data) * cut) if isinstance(cut, float) else len(data) - int(cut)
    (tmp_path / "short.zip").write_bytes(data[:keep])
    refused(tree["331002"], tmp_path / "short.zip", "不完整|已损坏|签名")


def test_the_same_file_twice_does_no_harm(tree: dict[str, Desk], tmp_path: Path) -> None:
    path = tmp_path / "up.zip"
    first = send(tree["331002001"], tree["331002"], path)
    assert first.report.new_events == own_seq(5)
    refused(tree["331002"], path, "已于 .* 导入过，本次未作任何改动")


def test_files_out_of_order_do_no_harm(tree: dict[str, Desk], tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    transfer.export_bundle(town, "331002", tmp_path / "early.zip")
    new_case(town, "李四")
    transfer.export_bundle(town, "331002", tmp_path / "late.zip")
    late = transfer.import_bundle(county, tmp_path / "late.zip")
    assert late.report.new_events == own_seq(6)
    prints, count, _ = snapshot(county)
    early = transfer.import_bundle(county, tmp_path / "early.zip")
    assert (early.report.new_events, early.report.duplicates) == (0, own_seq(5))
    assert snapshot(county)[:2] == (prints, count)


def test_a_file_from_an_unknown_station_is_refused(tree: dict[str, Desk], tmp_path: Path, now: FakeNow) -> None:
    # Another city with a county of the same code and a township of its own: a different root of trust.
    with station_tree(tmp_path / "elsewhere", now, ("331000", "331002", "331002001")) as other:
        new_case(other["331002001"])
        transfer.export_bundle(other["331002001"], "331002", tmp_path / "foreign.zip")
    refused(tree["331002"], tmp_path / "foreign.zip", "未知站点")


def test_a_revoked_station_is_refused_whatever_time_its_file_states(tree: dict[str, Desk], tmp_path: Path,
                                                                    now: FakeNow) -> None:
    town, county, city = tree["331002001"], tree["331002"], tree["331000"]
    transfer.export_bundle(town, "331002", tmp_path / "before.zip")
    now.advance(hours=1)
    sync.revoke(county, "331002001", "笔记本电脑丢失")
    now.advance(hours=1)
    new_case(town, "李四")
    transfer.export_bundle(town, "331002", tmp_path / "after.zip")
    message = refused(county, tmp_path / "after.zip", "331002001（新河镇信访办）的密钥已于 2026-03-02 10:00:00 被吊销")
    assert "一律不再接受" in message and "重新认证" in message
    # Made before the revocation but carried after it: the key is no longer trusted at all.
    refused(county, tmp_path / "before.zip", "已于 2026-03-02 10:00:00 被吊销")
    # The sender's clock set back to before the revocation: the file is refused all the same.
    now.current = datetime(2026, 3, 2, 8, 0, 0)
    with pytest.raises(DomainError, match="本机时钟为 2026-03-02 08:00，早于本站最近一次记录的时间 2026-03-02 11:00"):
        new_case(town, "赵六")  # no step is taken on a clock set back
    backdated = transfer.export_bundle(town, "331002", tmp_path / "backdated.zip")
    assert backdated.manifest["created_at"] >= "2026-03-02T11:00:00"  # never before the events it carries
    refused(county, tmp_path / "backdated.zip", "被吊销")
    # Even a file whose stated time was edited to before the revocation (and signed again with the lost key).
    resign(tmp_path / "after.zip", tmp_path / "edited.zip", town,
           manifest={"created_at": "2026-03-02T09:30:00", "created_ms": None})
    refused(county, tmp_path / "edited.zip", "被吊销")
    now.current = datetime(2026, 3, 2, 12, 0, 0)
    with pytest.raises(DomainError, match="不是本站的上级或直属下级（或已被吊销）"):
        transfer.export_bundle(county, "331002001", tmp_path / "down.zip")
    send(county, city, tmp_path / "up.zip")  # the revocation travels up
    assert [r.code for r in sync.TrustStore(city.conn).revocations()] == ["331002001"]


def test_a_file_addressed_to_another_station_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    path = tmp_path / "to-county.zip"
    transfer.export_bundle(tree["331002001"], "331002", path)
    refused(tree["331002002"], path, "是发给站点 331002（椒江区信访局）的，不是本站（331002002）")
    refused(tree["331000"], path, "是发给站点 331002")
    info = transfer.verify_bundle(tree["331000"], path)
    assert info.genuine and not info.for_us


def test_the_sealed_workbook_changed_and_zipped_again_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    transfer.export_bundle(tree["331002001"], "331002", good)
    with zipfile.ZipFile(good) as zf:
        member = zf.read("data.xlsx")
    assert member.startswith(sealed.MAGIC)  # sealed: nothing that Excel, WPS or LibreOffice could open or save
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():  # what a person re-zipping the folder with one byte changed would make
            data = src.read(info)
            dst.writestr(info, data[:-1] + bytes([data[-1] ^ 1]) if info.filename == "data.xlsx" else data)
        dst.comment = src.comment
    refused(tree["331002"], tampered, "签名不正确")
    # Signed again by the sender (a faulty station), the digests still tell which member changed.
    resign(good, tmp_path / "resigned.zip", tree["331002001"])
    assert transfer.verify_bundle(tree["331002"], tmp_path / "resigned.zip").genuine


def test_a_zip_bomb_is_refused_from_the_directory(tree: dict[str, Desk], tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    transfer.export_bundle(tree["331002001"], "331002", good)
    squeezed = tmp_path / "bomb.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(squeezed, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        bomb = zipfile.ZipInfo("evidence/" + "0" * 64)
        bomb.compress_type = zipfile.ZIP_DEFLATED
        dst.writestr(bomb, bytes(256 << 20))  # 256 MB of zeros in about 256 KB
        dst.comment = src.comment
    assert squeezed.stat().st_size < 2 << 20
    refused(tree["331002"], squeezed, "疑似压缩炸弹|不属于同步包")


def _inflate_sheet(book: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(book) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    parts[sheet] = parts[sheet].replace(old.encode(), new.encode())
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


# VmHWM, not ru_maxrss: the latter keeps the forking parent's high-water mark across exec on Linux.
CHILD_MEMORY = textwrap.dedent("""
    import re, sys
    from pathlib import Path
    from app.cli.main import main
    code = main(sys.argv[1:])
    print(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1), code)
""")


def _import_in_child(desk: Desk, path: Path) -> tuple[int, int, str]:
    folder = str(desk.data_dir)
    desk.close()
    done = subprocess.run([sys.executable, "-c", CHILD_MEMORY, "--data-dir", folder, "import", str(path)],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    peak_kb, code = done.stdout.split()[-2:]
    return int(peak_kb) // 1024, int(code), done.stderr


def _varied_text(chars: int) -> str:
    """Chinese text that deflate cannot shrink (a random block longer than its 32 KB window, repeated), so that
    a sheet holding it stays under the compression-ratio check and only the cell's length is wrong with it."""
    rng = random.Random(7)
    block = "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(100_000))
    return (block * (chars // len(block) + 1))[:chars]


def test_a_huge_cell_and_a_bomb_inside_the_workbook_are_refused_with_bounded_memory(
        tree: dict[str, Desk], tmp_path: Path) -> None:
    from openpyxl import Workbook

    from app.sync.workbook import CELL_MAX, EVENT_HEADERS, MAX_SHEET_XML

    good = tmp_path / "good.zip"
    transfer.export_bundle(tree["331002001"], "331002", good)
    county = tree["331002"]
    before = store_state(county)
    huge = _varied_text(10_000_000)  # 30 MB of XML: under the sheet's size limit, 300 times a cell's limit
    assert len(huge.encode()) < MAX_SHEET_XML
    for label, cell in (("huge-cell", huge), ("bomb", "0" * (100 << 20))):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("办理事件")
        ws.append(list(EVENT_HEADERS))
        ws.append(["331002001:1", "331002001-2026-00001", "331002001", 1, "000000000000001.00000",
                   "2026-03-02T09:00:00", "张丽",
                   "register", "登记", "诉" * CELL_MAX, "0" * 64, "0" * 64])
        book = tmp_path / f"{label}.xlsx"
        wb.save(book)
        _inflate_sheet(book, "诉" * CELL_MAX, cell)  # openpyxl cuts cells at 32,767 characters: by hand
        bad = tmp_path / f"{label}.zip"
        # One event in the workbook and one in the manifest: nothing but the cell itself is wrong.
        counts = {"events": 1, "cases": 1, "evidence": 1, "evidence_bytes": 5000}
        resign(good, bad, tree["331002001"], manifest={"counts": counts}, replace={"data.xlsx": book.read_bytes()})
        reopened = reopen(county)
        try:
            assert transfer.verify_bundle(reopened, bad).genuine
        finally:
            reopened.close()
        peak_mb, code, err = _import_in_child(county, bad)
        expected = ("工作簿部件 xl/worksheets/sheet1.xml 过大" if label == "bomb"
                    else f"工作表“办理事件”第 2 行：单元格内容过长（{len(huge)} 字，超过 {CELL_MAX} 字的上限）")
        assert code == 1 and expected in err, err
        assert peak_mb < 300, f"{label}: {peak_mb} MB"
    county = reopen(county)
    assert store_state(county) == before
    county.close()


CHILD_KILLED = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from app.ops import sync_transfer
    from app.sync import apply, container
    from tests.conftest import login

    def die(*args, **kwargs):
        print("dying", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    desk = login(Path(sys.argv[1]))
    where = sys.argv[3]
    if where == "events":  # every event written, the transaction still open: the worst moment to lose power
        apply.refresh = die
        sync_transfer.refresh = die
    elif where == "evidence":  # an evidence file being sealed into the blob store
        from app.store import sealed
        copy = sealed.SealWriter.write

        def write(self, data):
            copy(self, data)
            self.close()
            die()
        sealed.SealWriter.write = write
    else:  # everything written, the sync log too: killed as COMMIT starts
        seen = []

        def trace(statement):
            seen.append(statement)
            if statement.strip() == "COMMIT" and any("INSERT INTO sync_log" in s for s in seen):
                die()
        desk.conn.set_trace_callback(trace)
    sync_transfer.import_bundle(desk, Path(sys.argv[2]))
""")


def _stray(folder: Path) -> list[str]:
    """What an import or export may leave behind when it is killed: temporary folders, half-copied evidence."""
    found = [str(p) for p in folder.rglob("*") if p.name.startswith(("import-", "bundle-"))]
    blobs = folder / "blobs"
    if blobs.exists():
        found += [str(p) for p in blobs.rglob("*") if p.name.startswith(".incoming-")]
    return found


@pytest.mark.parametrize("where", ["evidence", "events", "commit"])
def test_killed_during_an_import_the_store_is_as_before(tree: dict[str, Desk], tmp_path: Path, where: str) -> None:
    path = tmp_path / "up.zip"
    transfer.export_bundle(tree["331002001"], "331002", path)
    county = tree["331002"]
    before = store_state(county)[:3]  # the tables and events; evidence files are looked at below
    folder = county.data_dir
    county.close()
    child = subprocess.run([sys.executable, "-c", CHILD_KILLED, str(folder), str(path), where], check=False,
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL and "dying" in child.stdout, child.stderr
    if where == "evidence":
        assert any(".incoming-" in s for s in _stray(folder))  # what the kill left: a half-copied file
    reopened = login(folder)
    try:
        assert store_state(reopened)[:3] == before
        assert transfer.import_bundle(reopened, path).report.new_events == own_seq(5)
        assert _stray(folder) == []
        assert transfer.import_bundle(reopened, transfer.export_bundle(
            tree["331002001"], "331002", tmp_path / "again.zip").path).report.duplicates == own_seq(5)
    finally:
        reopened.close()
