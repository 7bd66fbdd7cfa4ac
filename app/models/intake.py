"""A new case as the handler types it in, checked before it becomes a ``register`` event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.models.case import Petitioner
from app.models.errors import DomainError
from app.models.identity import normalize_id_number, normalize_phone
from app.models.shapes import payload_problem
from app.models.vocab import CHANNELS, DEFAULT_PROBLEM_TYPES, HOTLINE_CHANNEL
from app.models.workflow import check_classification

COLLECTIVE_MIN_PEOPLE = 5  # 集体访: five or more people about one matter


@dataclass
class CaseDraft:
    """What the new-case dialog and the command line collect."""

    channel: str
    petitioners: list[Petitioner]
    request_summary: str
    domain: str = "其他"
    township: str = ""
    village: str = ""
    authority_unit: str = ""
    jurisdiction: str = ""
    head_count: int = 1
    backlog: bool = False
    leader: str = ""
    repeat_of: list[str] = field(default_factory=list)
    # 诉求分类 and the national fields; work_order is the 12345 hotline's work-order number.
    category: str = ""
    problem_type: str = ""
    purpose: str = ""
    first_time: bool = True
    legal_route: str = ""
    work_order: str = ""

    def to_payload(self, domains: tuple[str, ...] | list[str],
                   problem_types: dict[str, Any] | None = None) -> dict[str, Any]:
        """The register event's payload; raises DomainError naming the first thing wrong."""
        if self.channel not in CHANNELS:
            raise DomainError(f"来源渠道须为：{'、'.join(CHANNELS.values())}")
        if not self.petitioners:
            raise DomainError("请至少填写一名信访人")
        people = []
        for number, person in enumerate(self.petitioners, start=1):
            who = f"第{number}名信访人"
            if not person.name.strip():
                raise DomainError(f"{who}：请填写姓名")
            try:
                id_number = normalize_id_number(person.id_number) if person.id_number.strip() else ""
                phone = normalize_phone(person.phone) if person.phone.strip() else ""
            except DomainError as err:
                raise DomainError(f"{who}（{person.name.strip()}）：{err}") from None
            people.append(Petitioner(person.name.strip(), id_number, phone, person.address.strip()).to_json())
        if not self.request_summary.strip():
            raise DomainError("请填写诉求")
        if self.domain not in domains:
            raise DomainError(f"领域“{self.domain}”不在本站的领域列表中")
        head_count = max(self.head_count, len(people))
        classification = {"category": self.category.strip(), "problem_type": self.problem_type.strip(),
                          "purpose": self.purpose.strip(), "legal_route": self.legal_route.strip()}
        check_classification(classification)
        check_problem_type(classification["problem_type"], problem_types or DEFAULT_PROBLEM_TYPES)
        work_order = self.work_order.strip()
        if self.channel == HOTLINE_CHANNEL and not work_order:
            raise DomainError("12345热线转来的事项请填写工单编号")
        payload = {
            **{k: v for k, v in classification.items() if v},
            "first_time": self.first_time and not self.repeat_of,
            **({"work_order": work_order} if work_order else {}),
            "channel": self.channel,
            "collective": self.channel == "visit" and head_count >= COLLECTIVE_MIN_PEOPLE,
            "head_count": head_count,
            "domain": self.domain,
            "township": self.township.strip(),
            "village": self.village.strip(),
            "request_summary": self.request_summary.strip(),
            "authority_unit": self.authority_unit.strip(),
            "jurisdiction": self.jurisdiction.strip(),
            "backlog": self.backlog,
            "leader": self.leader.strip(),
            "petitioners": people,
            "repeat_of": list(self.repeat_of),
        }
        problem = payload_problem("register", payload)  # lengths and characters, as for every event (shapes)
        if problem:
            raise DomainError(problem)
        return payload


def check_problem_type(value: str, tree: dict[str, Any]) -> None:
    """问题类别 is ``大类`` or ``大类/小类`` from the station's tree."""
    if not value:
        return
    top, _, kind = value.partition("/")
    if top not in tree or (kind and kind not in tree[top]):
        raise DomainError(f"问题类别“{value}”不在本站的问题类别中（格式：大类/小类，如 城乡建设/物业管理）")


REPEAT_WARN_ROUND = 3  # 事不过二: the third round of one matter is a warning sign


def repeat_warning(round_number: int) -> str:
    """The warning a case shows for its round, or an empty string."""
    if round_number >= REPEAT_WARN_ROUND:
        return f"第{round_number}次信访同一事项，已违“事不过二”，请重点化解"
    if round_number == 2:
        return "重复信访（第2次）"
    return ""
