"""Fixed vocabularies of the domain, each code with its Chinese label.

Codes are stored (in events and tables); labels are only shown. Keeping both in one place means a label can
change without touching stored data.
"""

from __future__ import annotations

CHANNELS: dict[str, str] = {"letter": "来信", "visit": "来访", "phone": "来电", "online": "网上"}

# 十大重点领域 + 其他. Stations may add their own (settings); these are the defaults.
OTHER_DOMAIN = "其他"  # always offered, and where an imported ledger's unknown domains go
DEFAULT_DOMAINS: tuple[str, ...] = (
    "纪检监察", "涉法涉诉", "教育", "劳动保障", "自然资源",
    "生态环境", "房地产", "农业农村", "卫生健康", "集资融资", OTHER_DOMAIN,
)

STATUSES: dict[str, str] = {
    "registered": "已登记",
    "dispatched": "已派发",
    "accepted": "已受理",
    "declined": "不予受理",
    "contacted": "已联系",
    "handling": "办理中",
    "replied": "已答复",
    "followed_up": "已回访",
    "reviewing": "复查中",
    "re_reviewing": "复核中",
    "closed": "已办结",
    "terminated": "依法终结",
}
FINISHED_STATUSES: frozenset[str] = frozenset({"closed", "terminated", "declined"})
OPEN_STATUSES: tuple[str, ...] = tuple(s for s in STATUSES if s not in FINISHED_STATUSES)

RATINGS: dict[str, str] = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}

COLOURS: dict[str, str] = {"red": "红", "yellow": "黄", "green": "绿", "none": "—"}

LEVELS: dict[str, str] = {"township": "乡镇", "county": "县（区）", "city": "市"}

EVIDENCE_KINDS: dict[str, str] = {"photo": "照片", "audio": "录音", "video": "视频", "scan": "扫描件", "other": "其他"}

# 四定四包, in the order the checklist shows them.
CHECKLIST_ITEMS: dict[str, str] = {
    "fix_leader": "定领导",
    "fix_measures": "定措施",
    "fix_deadline": "定时间",
    "fix_responsibility": "定责任",
    "own_planning": "包统筹",
    "own_coordination": "包协调",
    "own_counselling": "包疏导",
    "own_resolution": "包化解",
}

# Event kinds and how the timeline names them.
EVENT_LABELS: dict[str, str] = {
    "register": "登记",
    "dispatch": "派发",
    "accept": "受理",
    "decline": "不予受理",
    "object": "异议退回",
    "contact": "联系信访人",
    "handle": "办理措施",
    "feedback": "答复反馈",
    "follow_up": "回访评价",
    "close": "办结销号",
    "terminate": "依法终结",
    "extend": "延期",
    "request_review": "申请复查",
    "answer_review": "复查答复",
    "request_re_review": "申请复核",
    "answer_re_review": "复核答复",
    "edit": "修改信息",
    "set_leader": "设定包案领导",
    "set_backlog": "设定积案",
    "checklist": "四定四包",
    "link_repeat": "关联重复信访",
    "attach": "补充佐证材料",
    "annul": "撤销步骤",
    "supervise": "督办",
    "resolve": "处理修改冲突",
    "spot_check": "随机抽查",  # station-level (case_id ""): a recorded draw of unresolved cases
}
