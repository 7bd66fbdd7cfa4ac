"""The parts of a case that changes replace whole: a petitioner, a 四定四包 item (app.models.case folds them into
``CaseState``; app.models.case_conflicts sets them when changes made apart meet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Petitioner:
    """One person who brought the case."""

    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "id_number": self.id_number, "phone": self.phone, "address": self.address}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Petitioner:
        return cls(data.get("name", ""), data.get("id_number", ""), data.get("phone", ""), data.get("address", ""))


@dataclass(frozen=True, slots=True)
class ChecklistEntry:
    """One 四定四包 item. Frozen: a change replaces the entry, so every case can share the open one."""

    done: bool = False
    by: str = ""
    at: str = ""
    note: str = ""


OPEN_ITEM = ChecklistEntry()
