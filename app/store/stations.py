"""The stations below this one, as the hub groups its cases: each case by the station it was registered at
(``origin``), gathered under the station directly below this one on the way to it. No Qt.

At a county a township's cases are that township's; at the city a township's cases count for the county above
it, together with the county's own cases. This station's own cases are a group of their own. A case from a
station this one cannot place (no certificate linking it to this station) is a group by itself.

The ranking (``stats --by station``, the dashboard), ``spot-check --per-station``, the case list's station
filter and the status bar's per-station counts all read this one mapping. The parent links come from the
certificates sync brought in (``sync_certificates``: the latest certificate of each station names its parent).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from app.models.divisions import township_of
from app.models.errors import DomainError

_MAX_DEPTH = 8  # city > county > township is 3; anything deeper is a broken or looping chain


@dataclass(frozen=True)
class StationGroup:
    """The cases of one station directly below (or of this station itself), for ranking and filtering."""

    code: str
    name: str
    own: bool  # this station's own cases
    origins: tuple[str, ...]  # the registering stations whose cases belong here, the group's own code first


@dataclass(frozen=True)
class StationTree:
    """This station, the names of the stations it knows, and their parent links."""

    own: str
    names: dict[str, str]
    parents: dict[str, str]

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> StationTree:
        """Read this station and the certificates it holds (a handful of rows)."""
        names: dict[str, str] = {}
        parents: dict[str, str] = {}
        for code, name, parent in conn.execute(
                "SELECT code, name, parent FROM sync_certificates ORDER BY issued_at"):
            names[str(code)], parents[str(code)] = str(name), str(parent or "")
        # A township moved to another county (app.sync.moves, checked when stored) is under its successor there,
        # with every laptop of it.
        successors: dict[str, str] = {}
        for (document,) in conn.execute("SELECT value FROM sync_trust WHERE key >= 'move:' AND key < 'move;'"):
            body = json.loads(document)["body"]
            successors[str(body["code"])] = str(body["successor"])
            parents.setdefault(str(body["successor"]), str(body["new_county"]))
        for code in [*parents, *successors]:
            if township_of(code) in successors:
                parents[code] = successors[township_of(code)]
        row = conn.execute("SELECT value FROM settings WHERE key = 'station'").fetchone()
        own = ""
        if row:
            station = json.loads(row[0])
            own = str(station.get("code", ""))
            names[own] = str(station.get("name", "")) or names.get(own, "")
        return cls(own, names, parents)

    def path(self, origin: str) -> list[str]:
        """The stations from the one directly below this station down to ``origin`` (``[origin]`` for this
        station's own cases and for a station that cannot be placed below it)."""
        chain = [origin]
        current = origin
        for _ in range(_MAX_DEPTH):
            if current == self.own:
                return chain[-2::-1] or [origin]
            parent = self.parents.get(current, "")
            if not parent or parent in chain:
                break
            chain.append(parent)
            current = parent
        return [origin]

    def above(self) -> frozenset[str]:
        """The stations above this one (its county and city, for a township): what a timeline marks as coming
        from above."""
        found: list[str] = []
        current = self.own
        for _ in range(_MAX_DEPTH):
            parent = self.parents.get(current, "")
            if not parent or parent in found or parent == self.own:
                break
            found.append(parent)
            current = parent
        return frozenset(found)

    def below(self) -> list[str]:
        """The stations known to be below this one (its townships, for a county), in code order: those a case
        can be dispatched to, so that they may record steps on it."""
        found = []
        for code in sorted(self.names):
            current = code
            for _ in range(_MAX_DEPTH):
                current = self.parents.get(current, "")
                if not current or current == code:
                    break
                if current == self.own:
                    found.append(code)
                    break
        return found

    def require_below(self, codes: list[str]) -> None:
        """Refuse (DomainError) a dispatch to stations not known to be below this one: the exports carry a case
        only down the tree, and the stations above accept steps only from the stations a case was dispatched to."""
        below = self.below()
        for code in codes:
            if code not in below:
                known = "、".join(self.label(c) for c in below) or "无（本站还没有下级站点的证书）"
                raise DomainError(f"站点 {code} 不是本站已知的下级站点，不能派发给它。可派发的站点：{known}")
        if len(set(codes)) != len(codes):
            raise DomainError("一事双交的两个站点不能相同")

    def group_of(self, origin: str) -> str:
        """The station directly below this one on the way to ``origin`` (this station for its own cases). The
        further laptops of a township count with the township (app.models.divisions)."""
        code = self.path(origin)[0]
        township = township_of(code)
        return township if township not in (code, self.own) and township in self.names else code

    def name(self, code: str) -> str:
        return self.names.get(code, "")

    def label(self, code: str) -> str:
        """How a station is named to a person: 新河镇信访办（TZ01）, or the bare code when its name is unknown."""
        name = self.names.get(code)
        return f"{name}（{code}）" if name else code

    def short_label(self, code: str) -> str:
        """The name alone when known (the case list's column, the status bar), else the code."""
        return self.names.get(code) or code

    def groups(self, origins: Iterable[str]) -> list[StationGroup]:
        """The groups the given registering stations fall into: this station's own first, then by code."""
        members: dict[str, set[str]] = {}
        for origin in origins:
            members.setdefault(self.group_of(origin), set()).add(origin)
        ordered = sorted(members, key=lambda code: (code != self.own, code))
        return [StationGroup(code, self.name(code), code == self.own,
                             tuple(sorted(members[code], key=lambda o: (o != code, o)))) for code in ordered]

    def depth(self, origin: str) -> int:
        """How far below the group's station ``origin`` is (0: the group's station itself)."""
        return len(self.path(origin)) - 1


def origins_with_cases(conn: sqlite3.Connection) -> list[str]:
    """The registering stations of the cases held here (read from the origin index)."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT origin FROM cases ORDER BY 1")]
