"""Sealed at rest: evidence encrypted, keys inside the store, owner-only files, a private temporary folder."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store import private, sealed
from app.sync import keys
from tests.conftest import FakeNow, new_station, reopen

ROOT = Path(__file__).resolve().parents[1]
PHOTO = b"\x89PNG secret photo of the petitioner " * 1000


def _stream(data: bytes, key: bytes) -> bytes:
    out = io.BytesIO()
    sealed.seal(io.BytesIO(data), out, key, b"test")
    return out.getvalue()


def _open(blob: bytes, key: bytes) -> bytes:
    return b"".join(sealed.unseal(io.BytesIO(blob), key, b"test"))


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 350])
def test_a_sealed_stream_gives_back_its_bytes_and_nothing_else(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(sealed, "CHUNK", 100)  # many chunks from a few bytes
    key, data = sealed.new_key(), os.urandom(size)
    blob = _stream(data, key)
    assert len(blob) == sealed.sealed_size(size)
    assert _open(blob, key) == data
    with pytest.raises(sealed.Damaged):
        _open(blob, sealed.new_key())  # another key
    if size > 100:
        body = blob[sealed.HEADER:]
        swapped = blob[:sealed.HEADER] + body[116:232] + body[:116] + body[232:]
        for bad in (blob[:-1], blob[:sealed.HEADER + 116], swapped, blob + blob[-116:]):
            with pytest.raises(sealed.Damaged):  # cut, cut at a chunk's end, reordered, extended
                _open(bad, key)
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(sealed.Damaged):
        _open(bytes(flipped), key)


def test_evidence_is_stored_sealed_and_read_back_checked(desk: Desk, tmp_path: Path) -> None:
    photo = tmp_path / "现场.png"
    photo.write_bytes(PHOTO)
    sha, size = desk.blobs.put_file(photo)
    stored = desk.blobs.path(sha)
    assert stored.name != sha and size == len(PHOTO)  # the name does not tell which file it is
    assert b"secret photo" not in stored.read_bytes()
    assert desk.blobs.export_to(sha, tmp_path / "copy.png").read_bytes() == PHOTO
    damaged = bytearray(stored.read_bytes())
    damaged[100] ^= 1
    stored.write_bytes(bytes(damaged))
    with pytest.raises(DomainError, match="佐证材料已损坏"):
        desk.blobs.export_to(sha, tmp_path / "copy2.png")
    assert not (tmp_path / "copy2.png").exists()


def test_an_older_stations_key_file_and_plain_evidence_are_sealed_when_it_opens(tmp_path: Path,
                                                                               now: FakeNow) -> None:
    import hashlib

    folder = tmp_path / "old"
    desk = new_station(folder, "TZ01", "新河镇信访办", "township", now=now)
    key = desk.master_key
    desk.conn.execute("DELETE FROM secrets")  # as an older program left it: no keys, evidence not yet sealed
    desk.close()
    old_key = Ed25519PrivateKey.generate()
    (folder / "keys" / "retired").mkdir(parents=True)
    pem = old_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    (folder / "keys" / "station-ed25519.pem").write_bytes(pem)
    (folder / "keys" / "retired" / "station-ed25519-2025.pem").write_bytes(pem)
    sha = hashlib.sha256(PHOTO).hexdigest()
    (folder / "blobs" / sha[:2]).mkdir(parents=True)
    (folder / "blobs" / sha[:2] / sha).write_bytes(PHOTO)  # as an older program kept it
    desk = Desk(folder, now=now, master_key=key)
    try:
        assert not (folder / "keys").exists()
        assert keys.raw_public(keys.load_key(folder)) == keys.raw_public(old_key)  # type: ignore[arg-type]
        assert not (folder / "blobs" / sha[:2] / sha).exists()
        assert b"".join(desk.blobs.read_chunks(sha)) == PHOTO
        assert all(PHOTO[:20] not in p.read_bytes() for p in (folder / "blobs").rglob("*") if p.is_file())
    finally:
        desk.close()


def test_the_data_folder_and_its_files_are_readable_by_their_owner_only(desk: Desk, tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(PHOTO)
    desk.blobs.put_file(photo)
    folder = desk.data_dir
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_an_older_world_readable_store_is_made_owner_only(tmp_path: Path, now: FakeNow) -> None:
    desk = Desk(tmp_path / "s", now=now)
    desk.close()
    os.chmod(tmp_path / "s", 0o755)
    os.chmod(tmp_path / "s" / "station.db", 0o644)
    Desk(tmp_path / "s", now=now).close()
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "s" / "station.db").stat().st_mode) == 0o600


def test_temporary_files_go_to_the_private_folder_and_a_killed_programs_are_removed_at_the_next_start(
        desk: Desk, tmp_path: Path) -> None:
    assert Path(tempfile.gettempdir()).is_relative_to(desk.data_dir / private.SCRATCH)
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["王小明"])
    made = list((desk.data_dir / private.SCRATCH).rglob("openpyxl.*"))
    assert made, "openpyxl's sheet file is in the station's private folder"
    book.save(tmp_path / "out.xlsx")
    # A program killed while it wrote a workbook leaves its folder; the next start removes it, not a live one's.
    child = ("import os, signal, sys\nfrom pathlib import Path\nfrom app.ops.desk import Desk\n"
             "d = Desk(Path(sys.argv[1]))\nimport tempfile\nPath(tempfile.mkstemp()[1]).write_text('王小明')\n"
             "os.kill(os.getpid(), signal.SIGKILL)\n")
    other = tmp_path / "other"
    done = subprocess.run([sys.executable, "-c", child, str(other)], cwd=ROOT, check=False, timeout=60)
    assert done.returncode == -9
    left = [p for p in (other / private.SCRATCH).rglob("*") if p.is_file() and p.name != private.LOCK]
    assert len(left) == 1 and left[0].read_text() == "王小明"
    again = Desk(other)
    try:
        assert not left[0].exists()
        assert [p.parent for p in (other / private.SCRATCH).iterdir()] == [other / private.SCRATCH]
    finally:
        again.close()
    assert not (other / private.SCRATCH).exists() or list((other / private.SCRATCH).iterdir()) == []


def test_a_station_open_twice_keeps_each_programs_temporary_folder(desk: Desk) -> None:
    second = reopen(desk)
    try:
        assert desk.scratch.path.is_dir() and second.scratch.path.is_dir()
    finally:
        second.close()
    assert desk.scratch.path.is_dir()
    assert Path(tempfile.gettempdir()) == desk.scratch.path


def test_an_error_log_tells_where_not_what_the_user_typed(tmp_path: Path) -> None:
    from app.views.errors import write_log

    name, number = "".join(["欧阳", "秘密"]), str(110105194912310000 + 21)
    try:
        raise KeyError(f"{name} {number}")
    except KeyError:
        path, _ = write_log(tmp_path, sys.exc_info())  # type: ignore[arg-type]
    text = path.read_text("utf-8")
    assert "test_an_error_log_tells_where_not_what_the_user_typed" in text and "KeyError（说明" in text
    assert name not in text and number not in text
