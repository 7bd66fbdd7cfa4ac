"""What the demo's handlers write at each step: contact notes, reasons for declining, extending and
terminating, review opinions, follow-up notes, supervision orders and the 四定四包 notes of a leader's case
(the measures and replies of each request are in ``app.demo.requests``)."""

from __future__ import annotations

CONTACT_NOTES = ("电话联系信访人，约定上门时间", "上门走访，当面听取诉求", "约信访人到镇信访室面谈",
                 "电话告知信访人已受理及办理期限", "会同村干部上门走访，了解具体情况")

FOLLOW_UP_NOTES: dict[str, tuple[str, ...]] = {
    "satisfied": ("电话回访", "上门回访", "短信回访", "电话回访，信访人认可答复"),
    "basically_satisfied": ("电话回访，希望后续加强监管", "上门回访"),
    "dissatisfied": ("电话回访，信访人认为处理不到位，表示不满意", "上门回访，信访人认为问题没有解决，不满意",
                     "回访时信访人对答复意见有异议，不满意"),
}

# (reason, domains it fits; empty: any domain)
DECLINE_REASONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("该事项已进入诉讼程序，应依照有关法律规定通过司法途径解决，依法不予受理，已书面告知信访人",
     ("涉法涉诉", "房地产")),
    ("诉求属于劳动争议仲裁范围，已告知信访人向县劳动人事争议仲裁委员会申请仲裁，不予受理", ("劳动保障",)),
    ("同一事项已由县级有关部门受理并正在办理中，信访人又提出同一事项，依据《信访工作条例》第十九条不予受理", ()),
    ("反映事项不属本机关职权范围，已告知信访人向有权处理的机关提出，不予受理", ("其他", "卫生健康", "教育")),
    ("来信未署真实姓名和联系方式，反映内容不具体，无法调查核实，不予受理", ("纪检监察", "其他")),
)
RE_PETITION_DECLINE = "该事项已经复查、复核，信访人以同一事实和理由再次提出，依据《信访工作条例》第三十六条不再受理"

EXTENSION_REASONS = ("需委托第三方机构检测鉴定，无法在60日内办结，经单位负责人批准延期，已书面告知信访人",
                     "涉及多个部门职责，需提请县信访联席会议协调，经单位负责人批准延期，已告知信访人",
                     "需等待县人民法院相关判决结果，经单位负责人批准延期，已告知信访人理由",
                     "涉及历史遗留问题，需调阅档案核实，经单位负责人批准延期，已告知信访人")

LEGAL_ROUTE_NOTES = {
    "仲裁": "属劳动争议，已告知信访人向县劳动人事争议仲裁委员会申请仲裁",
    "诉讼": "属民事纠纷，已告知信访人依法向人民法院提起诉讼",
    "行政复议": "对行政处罚决定不服，已告知信访人依法申请行政复议",
}
OBJECTION = "经核，该事项属县交通运输局管养范围，不属本单位职责，请重新转送"
# Approvals as the program records them: the approving account beside the one that took the step.
EXTENSION_APPROVAL = {"account": "wangzr", "display": "王主任", "role": "leader", "reason": "情况复杂，同意延期"}
TERMINATION_APPROVAL = {"account": "zhouxy", "display": "周晓燕", "role": "leader",
                        "reason": "经集体研究，同意依法终结"}
EXHAUSTED = "已穷尽信访程序（经复查、复核）"
REFUSED_OPINION = "信访人拒不接受依法依规提出的处理意见"


def notice(what: str, way: str = "当面") -> dict[str, str]:
    """A notice (告知) given after a decision; the number of its paper is left for the papers to fill."""
    return {"notice": what, "way": way, "document": ""}


TERMINATE_REASONS = ("经复查、复核，原处理意见维持，信访人仍以同一事实和理由反复信访，依法终结",
                     "诉求已依法依规处理到位，信访人要求超出政策规定，经公开听证评议，依法终结")

REVIEW_REQUESTS = ("信访人对答复意见不服，向县信访局申请复查", "信访人认为处理不公，书面申请复查")
REVIEW_ANSWERS = ("经复查，原处理意见认定事实清楚、适用政策正确，予以维持",
                  "经复查，部分支持信访人诉求，责令责任单位限期重新办理")
RE_REVIEW_REQUESTS = ("信访人对复查意见不服，向市信访局申请复核",)
RE_REVIEW_ANSWERS = ("经复核，维持复查意见；同一事实和理由不再受理", "经复核并组织听证，维持原处理意见")

CLOSE_NOTES = ("已化解，予以销号", "诉求已解决，予以办结")
CLOSE_AFTER_DISSATISFIED = "信访人对答复不满意，经解释，未在规定期限内申请复查，予以办结"
BACKLOG_CLOSE = "积案化解到位，信访人签字息诉罢访，予以销号"

# What a leader adds on a backlog case, after the measures its request calls for.
LEADER_MEASURES = ("包案领导召集属地和市级主管部门召开协调会，形成化解方案", "组织公开听证，邀请人大代表、律师参与评议",
                   "委托律师和人民调解员参与化解，上门释法明理")
DISPATCH_NOTE = "请依法依规办理"
ACCEPT_NOTE = "予以受理"
DOUBLE_DISPATCH_NOTE = "列为信访积案，一事双交：属地牵头化解，市级主管部门督促指导"
STALLED_DISPATCH_NOTE = "请核实事权归属后办理"

SUPERVISION_NOTES = ("县信访局督办：该积案化解进度滞后，请于{deadline}前报送化解方案及进展",
                     "县委督查室督办：请包案领导于{deadline}前约见信访人，落实化解措施",
                     "县信访局督办：请于{deadline}前书面答复信访人，逾期将予以通报")
CLUSTER_SUPERVISION = "县信访局督办：同类问题集中反映，请于{deadline}前拿出成批解决方案"

# 四定四包 notes of a leader's case. Fields: leader, deputy, unit (the unit with authority), jurisdiction,
# city_unit, measure, deadline, cadre, village, meeting (a date).
CHECKLIST_NOTES: dict[str, tuple[str, ...]] = {
    "fix_leader": ("由{leader}包案，{deputy}具体负责", "{leader}领衔包案，{deputy}协助落实"),
    "fix_measures": ("{measure}；每周回访信访人一次", "一案一策：{measure}，必要时组织公开听证"),
    "fix_deadline": ("{deadline}前化解到位，每半月报告一次进展", "限{deadline}前办结，逾期由包案领导说明原因"),
    "fix_responsibility": ("{jurisdiction}为责任主体，{city_unit}业务指导，{unit}具体落实",
                           "{unit}牵头，{jurisdiction}配合，责任落实到人"),
    "own_planning": ("{leader}于{meeting}主持召开专题会议，研究化解方案", "{meeting}召开积案化解推进会，明确任务分工"),
    "own_coordination": ("协调{unit}、{city_unit}联合办理，明确分工和时限", "召集{unit}等部门会商，统一答复口径",
                         "{deputy}协调{jurisdiction}和{unit}现场办公，逐项解决具体问题"),
    "own_counselling": ("{leader}与信访人当面谈心，{village}{cadre}陪同，信访人情绪稳定",
                        "{deputy}和镇司法所调解员多次上门沟通，讲解政策，信访人表示理解"),
    "own_resolution": ("达成和解协议，信访人签字息诉罢访", "诉求已解决，信访人书面确认不再信访",
                       "经{leader}协调解决到位，信访人签订息诉罢访承诺书"),
}
CHECKLIST_OVERRIDE = {"account": "zhouxy", "display": "周晓燕", "role": "leader",
                      "reason": "信访人已签订息诉罢访协议，包化解一项待包案领导补签"}
