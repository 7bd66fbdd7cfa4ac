"""Bundles sealed to the receiving station: a finder of the stick, or another station, reads nothing in them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.cli.main import main
from app.models.errors import DomainError
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from tests.conftest import VALID_ID, FakeNow, make_draft, own_seq
from tests.sync_helpers import import_refused, station_tree

NAME, ID_NUMBER, PHONE = "欧阳秘密", VALID_ID, "13912345678"
PHOTO = b"JFIF photo of the petitioner's house " * 200


def _case_with_evidence(town: Desk, tmp_path: Path) -> str:
    case_id = town.register_case(make_draft(name=NAME, id_number=ID_NUMBER, phone=PHONE,
                                            request_summary=f"{NAME}反映道路破损"))
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(PHOTO)
    town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    town.record(case_id, "accept", {})
    town.record(case_id, "contact", {"note": "电话联系"})
    town.handle(case_id, "现场核查", [photo])
    return case_id


def test_a_bundle_carries_nothing_readable_and_only_its_receiver_opens_it(tmp_path: Path, now: FakeNow,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001", "331002002")) as d:
        town = d["331002001"]
        case_id = _case_with_evidence(town, tmp_path)
        path = tmp_path / "up.zip"
        result = transfer.export_bundle(town, "331002", path)
        data = path.read_bytes()
        for text in (NAME, ID_NUMBER, PHONE, "道路破损"):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert text.encode(encoding) not in data, (text, encoding)
        assert PHOTO[:30] not in data
        sha = town.case(case_id).steps[-1].evidence[0]["sha256"]
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            assert not any(sha in n for n in names)  # which known file travels is not told either
            manifest = zf.read("manifest.json").decode()
        assert manifest.count('"sender": "331002001"') == 1 and '"counts"' not in manifest
        assert result.manifest["counts"]["events"] == own_seq(5)

        # Another township: genuine, whose it is, and that it cannot be read there.
        other = d["331002002"]
        info = transfer.verify_bundle(other, path)
        assert info.genuine and "只有 331002 能打开，本站无法读取" in info.unreadable
        assert main(["--data-dir", str(other.data_dir), "verify-bundle", str(path)]) == 0
        out = capsys.readouterr().out
        assert "发给 331002" in out and "本站无法读取" in out and "内容：事件" not in out
        with pytest.raises(DomainError, match="不是本站"):
            transfer.save_workbook(other, path, tmp_path / "not-mine.xlsx")
        assert not (tmp_path / "not-mine.xlsx").exists()

        county = d["331002"]
        assert transfer.verify_bundle(county, path).counts["events"] == own_seq(5)
        assert transfer.import_bundle(county, path).report.new_events == own_seq(5)
        assert b"".join(county.blobs.read_chunks(sha)) == PHOTO


def test_the_receiver_saves_a_readable_workbook_on_request(tmp_path: Path, now: FakeNow,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import python_calamine

    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        _case_with_evidence(d["331002001"], tmp_path)
        path = transfer.export_bundle(d["331002001"], "331002", tmp_path / "up.zip").path
        county = d["331002"]
        out = tmp_path / "查阅" / "工作簿.xlsx"
        assert main(["--data-dir", str(county.data_dir), "export-workbook", str(path), "--out", str(out)]) == 0
        assert "含有信访人个人信息" in capsys.readouterr().out
        book = python_calamine.CalamineWorkbook.from_path(str(out))
        cases = book.get_sheet_by_name("案件").to_python()
        assert any(NAME in str(cell) for row in cases for cell in row)


def test_a_receiver_whose_certificate_has_no_encryption_key_gets_nothing_in_clear(tmp_path: Path, now: FakeNow,
                                                                                   monkeypatch: pytest.MonkeyPatch
                                                                                   ) -> None:
    from app.sync import bundle

    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town = d["331002001"]
        town.register_case(make_draft(name=NAME))
        original = bundle.write_bundle

        def older_receiver(conn, plan, out, identity, receiver, *args, **kwargs):  # type: ignore[no-untyped-def]
            from dataclasses import replace
            return original(conn, plan, out, identity, replace(receiver, encryption_key=b""), *args, **kwargs)

        monkeypatch.setattr(bundle, "write_bundle", older_receiver)
        with pytest.raises(DomainError, match="证书没有加密公钥.*重新生成入网申请"):
            transfer.export_bundle(town, "331002", tmp_path / "up.zip")
        assert not (tmp_path / "up.zip").exists()


def test_a_sealed_bundle_changed_by_one_byte_is_refused(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        _case_with_evidence(d["331002001"], tmp_path)
        path = transfer.export_bundle(d["331002001"], "331002", tmp_path / "up.zip").path
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("data.xlsx")
        data = bytearray(path.read_bytes())
        data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 100] ^= 1  # inside the sealed workbook
        bad = tmp_path / "bad.zip"
        bad.write_bytes(bytes(data))
        assert "签名不正确" in import_refused(d["331002"], bad)
