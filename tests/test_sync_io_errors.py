"""Files that cannot be read or written as asked: a manifest with fields of the wrong type, a folder instead of a
file, a folder that does not exist (the USB stick removed), a full disk. Each is a Chinese message, never a
traceback, and leaves neither the store changed nor a half-written bundle behind."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import DomainError
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store import sealed
from app.sync import container
from tests.conftest import FakeNow
from tests.sync_helpers import handled_tree, import_refused, resign, store_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with handled_tree(tmp_path, now, ("331000", "331002", "331002001"), photo_bytes=200_000) as desks:
        yield desks


def _refused(desk: Desk, path: Path, text: str) -> None:
    assert text in import_refused(desk, path)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("counts", {"events": "x"}, "同步包清单中的数量（counts）格式不正确"),
    ("counts", {"events": 2, "cases": -1}, "同步包清单中的数量（counts）格式不正确"),
    ("counts", [], "同步包清单中的数量（counts）格式不正确"),
    ("acks", {"331002001": "x"}, "同步包清单中的确认记录（acks）格式不正确"),
    ("acks", ["331002001"], "同步包清单中的确认记录（acks）格式不正确"),
    ("coverage", {"331002001": [0]}, "同步包清单中的事件范围（coverage）格式不正确"),
    ("coverage", {"331002001": "0-2"}, "同步包清单中的事件范围（coverage）格式不正确"),
    ("coverage", {"331002001": [2, 1]}, "同步包清单中的事件范围（coverage）格式不正确"),
    ("sender_name", 7, "同步包清单中的“sender_name”格式不正确"),
    ("created_ms", "soon", "同步包清单中的“created_ms”格式不正确"),
])
def test_a_manifest_field_of_the_wrong_type_is_refused_with_a_message(
        tree: dict[str, Desk], tmp_path: Path, field: str, value: Any, message: str) -> None:
    transfer.export_bundle(tree["331002001"], "331002", tmp_path / "good.zip")
    bad = tmp_path / "bad.zip"
    resign(tmp_path / "good.zip", bad, tree["331002001"], manifest={field: value})  # signed by the real sender
    info = transfer.verify_bundle(tree["331002"], bad)
    assert not info.genuine and info.problem == message
    _refused(tree["331002"], bad, message)


def test_a_folder_or_a_missing_file_is_named_as_such(tree: dict[str, Desk], tmp_path: Path) -> None:
    county = tree["331002"]
    folder = tmp_path / "U盘"
    folder.mkdir()
    _refused(county, folder, f"{folder} 是一个文件夹，不是同步包：请选择文件夹里的同步包文件（.zip）")
    assert "是一个文件夹" in transfer.verify_bundle(county, folder).problem
    missing = tmp_path / "gone" / "同步包.zip"
    _refused(county, missing, f"找不到同步包文件：{missing}（U 盘可能已拔出，或路径写错了）")


def test_exporting_to_a_folder_that_does_not_exist_or_to_a_folder(tree: dict[str, Desk], tmp_path: Path) -> None:
    town = tree["331002001"]
    before = store_state(town)
    listings = [sorted(p.name for p in folder.iterdir()) for folder in (tmp_path, tmp_path.parent)]
    target = tmp_path / "nonexistent" / "dir" / "x.zip"
    with pytest.raises(DomainError, match="找不到要保存到的文件夹：.*nonexistent/dir（U 盘可能已拔出，或路径写错了）"):
        transfer.export_bundle(town, "331002", target)
    with pytest.raises(DomainError, match="是一个文件夹：请在其后写上同步包的文件名"):
        transfer.export_bundle(town, "331002", tmp_path)
    assert store_state(town) == before  # no export recorded
    assert [sorted(p.name for p in folder.iterdir()) for folder in (tmp_path, tmp_path.parent)] == listings


def test_a_missing_evidence_file_of_this_station_is_not_blamed_on_the_usb_stick(tree: dict[str, Desk],
                                                                                tmp_path: Path) -> None:
    town = tree["331002001"]
    [blob] = [f for f in town.blobs.root.rglob("*") if f.is_file() and not f.name.startswith(".")]
    blob.unlink()
    stick = tmp_path / "stick"
    stick.mkdir()
    with pytest.raises(DomainError) as err:
        transfer.export_bundle(town, "331002", stick / "x.zip")
    assert "佐证材料缺失" in str(err.value)
    assert "找不到要保存到的文件夹" not in str(err.value)
    assert list(stick.iterdir()) == []


class _FullAfter:
    """A file that takes ``room`` bytes and then fails as a full disk does."""

    def __init__(self, path: Path, room: int) -> None:
        self.handle = path.open("w+b")
        self.room = room

    def write(self, data: bytes) -> int:
        if self.handle.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.handle.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def test_a_full_usb_stick_leaves_no_partial_bundle(tree: dict[str, Desk], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    town = tree["331002001"]
    stick = tmp_path / "stick"
    stick.mkdir()
    opened: list[_FullAfter] = []

    def tiny_stick(self: Any, path: Path) -> Any:
        assert path.parent == stick
        opened.append(_FullAfter(path, 100_000))
        return opened[-1]

    monkeypatch.setattr(container.parts.SpannedWriter, "_open", tiny_stick)
    before = store_state(town)
    with pytest.raises(DomainError) as err:
        transfer.export_bundle(town, "331002", stick / "同步包.zip")
    assert opened
    for handle in opened:
        handle.handle.close()
    assert str(err.value).startswith("磁盘空间已满，同步包没有写完，未写完的文件已删除")
    assert list(stick.iterdir()) == []
    assert store_state(town) == before
    assert not [p for p in town.data_dir.iterdir() if p.name.startswith("bundle-")]


FULL_DISK = textwrap.dedent("""
    import os, subprocess, sys
    from pathlib import Path
    stick = Path(sys.argv[2])
    stick.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(stick)], check=True)
    from app.models.errors import DomainError
    from app.ops import sync_transfer
    from tests.conftest import login
    try:
        sync_transfer.export_bundle(login(Path(sys.argv[1])), "331002", stick / "同步包.zip")
    except DomainError as err:
        print("refused:", err)
    print("left:", sorted(os.listdir(stick)))
""")


def test_a_really_full_filesystem_leaves_no_partial_bundle(tree: dict[str, Desk], tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("需要 Linux 的 unshare 来挂载一个很小的文件系统")
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "true"], capture_output=True,
                           check=False)
    if probe.returncode != 0:
        pytest.skip("本机不允许非特权挂载（unshare）")
    town = tree["331002001"]
    folder = town.data_dir
    town.close()
    done = subprocess.run([unshare, "--user", "--map-root-user", "--mount", sys.executable, "-c", FULL_DISK,
                           str(folder), str(tmp_path / "stick")], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert "refused: 磁盘空间已满，同步包没有写完，未写完的文件已删除" in done.stdout, done.stdout + done.stderr
    assert "left: []" in done.stdout


def test_the_usb_stick_removed_or_the_disk_full_during_an_import(tree: dict[str, Desk], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    county = tree["331002"]
    path = transfer.export_bundle(tree["331002001"], "331002", tmp_path / "up.zip").path

    def removed(self: container.OpenedBundle, name: str, target: Path) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    original = container.OpenedBundle.extract
    monkeypatch.setattr(container.OpenedBundle, "extract", removed)
    _refused(county, path, "导入失败：读写出错（U 盘可能已拔出或损坏）")

    monkeypatch.setattr(container.OpenedBundle, "extract", original)

    def full(self: sealed.SealWriter, plain: bytes, last: bool) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sealed.SealWriter, "_emit", full)  # the evidence sealed into the station's blob store
    _refused(county, path, "保存佐证材料失败：磁盘空间已满，本站数据未作任何改动")
    monkeypatch.undo()
    assert transfer.import_bundle(county, path).evidence_added == 1  # the same file once there is room
