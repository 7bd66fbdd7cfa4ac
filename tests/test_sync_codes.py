"""Whose code: station codes are administrative division codes, a parent certifies only codes within its own, a
code has one standing certificate, and every broken link of a certificate chain is refused. Each hostile file is a
real bundle signed with the sending station's real key, carrying a chain made by hand, so that only the check
under test refuses it; every refusal leaves the receiving store as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.models.divisions import certify_problem, is_division_code
from app.models.errors import DomainError
from app.ops import sync
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.sync import certs, keys
from app.sync.certs import Certificate
from app.sync.trust import TrustStore
from tests.conftest import FakeNow
from tests.sync_helpers import STATIONS, bundle_events, enroll, import_refused, new_case, resign, send, station_tree

# The tree of sync_helpers, a second county of the same city, and townships not yet enrolled anywhere.
TREE = (*STATIONS, ("331023", "天台县信访局", "county", "331000"), ("331024", "仙居县信访局", "county", "331000"),
        ("331023101", "平桥镇信访办", "township", "331023"), ("331002003", "章安街道信访办", "township", None),
        ("331023102", "冒名镇信访办", "township", None))
Forge = Callable[[dict[str, Desk]], list[Certificate]]


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now, None, TREE) as desks:
        yield desks


def test_division_codes_and_who_may_certify_them() -> None:
    assert is_division_code("331000", "city") and is_division_code("331002", "county")
    assert is_division_code("331002001", "township")
    assert not is_division_code("331002", "city") and not is_division_code("TZ01", "township")
    assert not is_division_code("331000", "county") and not is_division_code("33100", "county")
    assert certify_problem("331000", "city", "331024", "county") is None
    assert certify_problem("331024", "county", "331024101", "township") is None
    assert certify_problem("331024", "county", "331023101", "township") == (
        "乡镇站点 331023101 的代码不以 331024 开头，不属于站点 331024 的辖区，331024 不能为它签发证书")
    assert certify_problem("331000", "city", "332001", "county") == (
        "县（区）站点 332001 的代码不以 3310 开头，不属于站点 331000 的辖区，331000 不能为它签发证书")
    assert "不是行政区划代码" in (certify_problem("331002", "county", "TZ01", "township") or "")
    assert "不在站点树中" in (certify_problem("SZ", "city", "331002", "county") or "")


def test_a_county_cannot_certify_another_countys_township(tree: dict[str, Desk], tmp_path: Path) -> None:
    impostor = tree["331023102"]
    sync.enroll_request(impostor, tmp_path / "imp.req")
    with pytest.raises(DomainError, match="不属于站点 331024 的辖区，331024 不能为它签发证书"):
        sync.certify(tree["331024"], tmp_path / "imp.req", tmp_path / "imp.cert")
    assert not (tmp_path / "imp.cert").exists()


def _forge(tree: dict[str, Desk], code: str, make: Forge) -> Desk:
    """Install a hand-made chain at station ``code`` as if it were genuine (the station could not install it)."""
    desk = tree[code]
    chain = make(tree)
    with desk._write({"stations"}, ()) as conn:
        trust = TrustStore(conn)
        trust.pin_root(chain[-1])
        for cert in chain:
            trust.store_certificate(cert)
    return desk


def _key(desk: Desk):  # type: ignore[no-untyped-def]
    key = keys.load_key(desk.data_dir)
    assert key is not None
    return key


def _cert(desk: Desk) -> Certificate:
    own = sync.identity(desk).certificate
    assert own is not None
    return own


def _issue(issuer_desk: Desk | None, issuer: Certificate | None, subject: Desk, at: str = "2026-03-02T08:00:00",
           level: str | None = None, code: str | None = None, key=None) -> Certificate:  # type: ignore[no-untyped-def]
    station = subject.require_station()
    signing = key or _key(issuer_desk)  # type: ignore[arg-type]
    return certs.issue(signing, issuer, code or station.code, station.name, level or station.level,
                       keys.raw_public(_key(subject)), at)


def _root(tree: dict[str, Desk]) -> Certificate:
    return _cert(tree["331000"])


def _county(tree: dict[str, Desk]) -> Certificate:
    return _cert(tree["331002"])


CHAINS: dict[str, tuple[Forge, str]] = {
    "expired": (lambda t: [_issue(t["331002"], _county(t), t["331002003"], at="2014-01-01T00:00:00"),
                           _county(t), _root(t)],
                "站点 331002003（章安街道信访办）的证书在 2026-03-02 09:00:00 不在有效期内（2014-01-01 00:00:00 至 "
                "2024-01-01 00:00:00）"),
    "forged": (lambda t: [_issue(None, _county(t), t["331002003"], key=_key(t["331002003"])), _county(t), _root(t)],
               "站点 331002003（章安街道信访办）的证书签名不正确（证书被改动或伪造）"),
    "unknown issuer": (lambda t: [_issue(None, _forged_county(t), t["331002003"], key=_OTHER_KEY),
                                  _forged_county(t), _root(t)],
                       "站点 331002003（章安街道信访办）不是本站已知的站点：找不到签发其证书的上级证书（未知站点）"),
    "wrong level": (lambda t: [_issue(t["331000"], _root(t), t["331002003"]), _root(t)],
                    "站点 331002003（章安街道信访办）的证书签发关系不正确（应由其上一级站点签发）"),
    "too long": (lambda t: [_issue(None, _second_county(t), t["331002003"], key=_OTHER_KEY), _second_county(t),
                            _second_city(t), _root(t)],
                 "站点 331000（台州市信访局）的证书链过长：市局证书只能是根证书，不是本程序签发的证书链"),
    "outside its county": (lambda t: [_issue(t["331023"], _cert(t["331023"]), t["331002003"]),
                                      _cert(t["331023"]), _root(t)],
                           "站点 331002003（章安街道信访办）的证书不可信：乡镇站点 331002003 的代码不以 331023 开头，"
                           "不属于站点 331023 的辖区，331023 不能为它签发证书"),
}
_OTHER_KEY = keys.new_key()
_CITY_KEY = keys.new_key()


def _forged_county(tree: dict[str, Desk]) -> Certificate:
    """A certificate for county 331002 under a key no station knows, 'issued' by a city that never issued it."""
    return certs.issue(_OTHER_KEY, _root(tree), "331002", "椒江区信访局", "county", keys.raw_public(_OTHER_KEY),
                       "2026-03-02T08:00:00", _sealing(tree["331002"]))


def _sealing(desk: Desk) -> bytes:
    """The station's real encryption key: a forged certificate names it, so a file can still be sealed to it."""
    return keys.raw_public_x(keys.load_or_create_encryption_key(desk.data_dir))


def _second_city(tree: dict[str, Desk]) -> Certificate:
    return certs.issue(_key(tree["331000"]), _root(tree), "331000", "台州市信访局", "city",
                       keys.raw_public(_CITY_KEY), "2026-03-02T08:00:00", _sealing(tree["331000"]))


def _second_county(tree: dict[str, Desk]) -> Certificate:
    return certs.issue(_CITY_KEY, _second_city(tree), "331002", "椒江区信访局", "county",
                       keys.raw_public(_OTHER_KEY), "2026-03-02T08:00:00", _sealing(tree["331002"]))


@pytest.mark.parametrize("case", list(CHAINS))
def test_each_broken_link_of_a_certificate_chain_is_refused(tree: dict[str, Desk], tmp_path: Path,
                                                            case: str) -> None:
    make, message = CHAINS[case]
    town = _forge(tree, "331002003", make)
    parent = sync.identity(town).chain[1]
    path = transfer.export_bundle(town, parent.code, tmp_path / "forged.zip").path
    if case == "unknown issuer":  # the issuer's certificate left out of the file, signed again by the township
        resign(path, tmp_path / "unknown.zip", town, drop=(f"certs/{parent.code}-{parent.key_id[:16]}.json",))
        path = tmp_path / "unknown.zip"
    assert import_refused(tree[parent.code], path) == message


def test_an_impostor_certified_by_another_county_is_not_taken_by_the_city(tree: dict[str, Desk],
                                                                          tmp_path: Path) -> None:
    """County 331024 signs a certificate for 331023101, a township of county 331023, and relays the impostor's
    events up: neither it nor the city takes them, and the real township's files still come in."""
    city, rogue, real = tree["331000"], tree["331024"], tree["331023101"]
    with station_tree(tmp_path / "imp", FakeNow(real.now()), None,
                      (("331023101", "冒名镇信访办", "township", None),)) as made:
        tree["impostor"] = made["331023101"]
        impostor = _forge(tree, "impostor", lambda t: [_issue(t["331024"], _cert(t["331024"]), t["impostor"]),
                                                       _cert(t["331024"]), _root(t)])
        with rogue._write({"stations"}, ()) as conn:
            TrustStore(conn).store_certificate(_cert(impostor))
        new_case(impostor, "冒名者")
        forged = transfer.export_bundle(impostor, "331024", tmp_path / "imp.zip").path
        assert import_refused(rogue, forged) == (
            "站点 331023101（冒名镇信访办）的证书不可信：乡镇站点 331023101 的代码不以 331024 开头，"
            "不属于站点 331024 的辖区，331024 不能为它签发证书")
        relayed = tmp_path / "relayed.zip"
        resign(transfer.export_bundle(rogue, "331000", tmp_path / "rogue-up.zip").path, relayed, rogue,
               events=bundle_events(forged))
        assert import_refused(city, relayed) == (
            "事件 331023101:1：下级站点 331024 的同步包只能携带其本站及其下级站点的事件")
    case_id = new_case(real)
    send(real, tree["331023"], tmp_path / "real-up.zip")
    assert case_id in send(tree["331023"], city, tmp_path / "county-up.zip").report.new_cases
    assert city.case(case_id).petitioner_names() == "王小明"


def test_a_second_certificate_for_a_standing_code_is_refused_where_it_arrives(tree: dict[str, Desk],
                                                                             tmp_path: Path) -> None:
    """County 331002 signs a second certificate for its township 331002001 (another key) while the first stands:
    the city, which holds the first, refuses the county's file that carries the second."""
    city, county, town = tree["331000"], tree["331002"], tree["331002001"]
    send(county, city, tmp_path / "first.zip")  # the city now holds 331002001's certificate
    other = keys.new_key()
    second = certs.issue(_key(county), _county(tree), "331002001", "新河镇信访办", "township",
                         keys.raw_public(other), "2026-03-02T09:00:00")
    with county._write({"stations"}, ()) as conn:
        TrustStore(conn).store_certificate(second)
    new_case(town)
    message = import_refused(city, transfer.export_bundle(county, "331000", tmp_path / "second.zip").path)
    assert message.startswith("同步包带来站点 331002001（新河镇信访办）的另一份证书（密钥指纹 "
                              f"{second.fingerprint}），而本站已有它的一份有效证书（密钥指纹 {_cert(town).fingerprint}")
    assert "同一站点代码不能有两份有效证书" in message


def test_stations_outside_the_tree_neither_are_certified_nor_certify(tmp_path: Path, now: FakeNow) -> None:
    outside = (("SZ", "演示市", "city", None), ("331002", "椒江区信访局", "county", None),
               ("TZ01", "演示镇", "township", None))
    with station_tree(tmp_path, now, None, outside) as d:
        sync.enroll_request(d["331002"], tmp_path / "county.req")
        with pytest.raises(DomainError, match="站点 SZ 的代码不是市的行政区划代码.*不在站点树中，不能签发证书"):
            sync.certify(d["SZ"], tmp_path / "county.req", tmp_path / "county.cert")
    with station_tree(tmp_path / "real", now, ("331000", "331002")) as d, \
            station_tree(tmp_path / "demo", now, None, (("TZ01", "演示镇", "township", None),)) as demo:
        with pytest.raises(DomainError, match="乡镇站点 TZ01 的代码不是行政区划代码"):
            enroll(demo["TZ01"], d["331002"], tmp_path)
