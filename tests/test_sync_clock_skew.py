"""Certificates tolerate a day of clock skew between stations: a county whose laptop runs a day fast certifies a
township, which installs the certificate and sends its cases up the same day; a day and a minute is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import sync
from app.ops import sync_transfer as transfer
from app.sync import certs
from tests.conftest import FakeNow
from tests.sync_helpers import STATIONS, new_case, station_tree

# The tree of sync_helpers with its townships not yet enrolled: each is certified by hand, the clocks apart.
UNENROLLED = tuple((code, name, level, None if level == "township" else parent)
                   for code, name, level, parent in STATIONS)


def _certify_ahead(tree: dict[str, object], code: str, folder: Path, now: FakeNow, ahead: dict[str, float]) -> Path:
    """The township ``code`` asks to enrol; the county certifies it with its clock ``ahead`` of the township's."""
    town, county = tree[code], tree["331002"]
    sync.enroll_request(town, folder / f"{code}.req")  # type: ignore[arg-type]
    now.advance(**ahead)
    sync.certify(county, folder / f"{code}.req", folder / f"{code}.cert")  # type: ignore[arg-type]
    now.advance(**{unit: -value for unit, value in ahead.items()})
    return folder / f"{code}.cert"


def test_a_certificate_from_a_county_a_day_ahead_installs_and_its_files_are_taken(tmp_path: Path,
                                                                                    now: FakeNow) -> None:
    with station_tree(tmp_path, now, None, UNENROLLED) as tree:
        town, county = tree["331002001"], tree["331002"]
        cert = _certify_ahead(tree, "331002001", tmp_path, now, {"days": 1})  # type: ignore[arg-type]
        installed = sync.install_cert(town, cert)
        assert (installed.not_before, now().isoformat()) == ("2026-03-03T09:00:00", "2026-03-02T09:00:00")
        case_id = new_case(town)
        transfer.export_bundle(town, "331002", tmp_path / "up.zip")  # made at the township's clock: a day early
        transfer.import_bundle(county, tmp_path / "up.zip")
        assert county.case(case_id).petitioner_names() == "王小明"


def test_a_day_and_a_minute_of_skew_is_refused_with_the_dates(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, None, UNENROLLED) as tree:
        cert = _certify_ahead(tree, "331002002", tmp_path, now, {"days": 1, "minutes": 1})  # type: ignore[arg-type]
        with pytest.raises(DomainError) as err:
            sync.install_cert(tree["331002002"], cert)
        assert str(err.value) == ("站点 331002002（下陈街道信访办）的证书在 2026-03-02 09:00:00 不在有效期内"
                                  "（2026-03-03 09:01:00 至 2036-03-03 09:01:00）")
        assert sync.identity(tree["331002002"]).certificate is None


def test_validity_at_the_edges_of_a_day_either_side() -> None:
    cert = certs.Certificate("331002001", "新河镇信访办", "township", b"k" * 32, "331002", "i", "2026-03-02T09:00:00",
                             "2026-03-02T09:00:00", "2036-03-02T09:00:00", "")
    assert cert.valid_at("2026-03-01T09:00:00") and not cert.valid_at("2026-03-01T08:59:59")
    assert cert.valid_at("2036-03-03T09:00:00") and not cert.valid_at("2036-03-03T09:00:01")
    assert not cert.valid_at("不是日期")
