"""Fixed vocabularies of the domain, each code with its Chinese label.

Codes are stored (in events and tables); labels are only shown. Keeping both in one place means a label can
change without touching stored data.
"""

from __future__ import annotations

CHANNELS: dict[str, str] = {"letter": "来信", "visit": "来访", "phone": "来电", "online": "网上",
                            "hotline": "12345热线"}

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
    "objected": "异议待审",
    "not_accepted": "不再受理",
    "routed_legal": "导入法定途径",
}
# A finished case is never dispatched again: a new matter is a new case linked to it.
FINISHED_STATUSES: frozenset[str] = frozenset({"closed", "terminated", "declined", "not_accepted", "routed_legal"})
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
    "notify": "告知",
    "completion_report": "办结报告",
    "agree_objection": "同意异议",
    "refuse_objection": "驳回异议",
    "no_longer_accept": "不再受理",
    "hearing": "听证",
    "route_legal": "导入法定途径",
    "classify": "诉求分类",
    "document": "制作文书",
}

# 告知: what the petitioner is told, and how.
NOTICES: tuple[str, ...] = ("受理", "不予受理", "不再受理", "转送", "延期", "导入法定途径")
NOTICE_WAYS: tuple[str, ...] = ("当面", "邮寄", "短信", "电话")
# 转送 hands a matter on; 交办 also asks for a completion report (办结报告) by a date.
DISPATCH_MODES: dict[str, str] = {"transfer": "转送", "assign": "交办"}

# 依法终结: the legal grounds a handler chooses from.
TERMINATION_GROUNDS: tuple[str, ...] = (
    "诉求无法律政策依据",
    "已穷尽信访程序（经复查、复核）",
    "信访人拒不接受依法依规提出的处理意见",
    "信访人死亡或放弃诉求且无其他权利义务承受人",
    "诉求已依法依规解决",
    "其他依法终结情形",
)

# 诉求分类 (信访工作条例 2022, art. 31) and the national fields.
CATEGORIES: tuple[str, ...] = ("建议意见", "检举控告", "申诉求决")
LEGAL_ROUTES: tuple[str, ...] = ("信访程序", "诉讼", "仲裁", "行政复议", "其他法定途径")
PETITION_ROUTE = "信访程序"  # the one route handled as a 信访; the others end with 导入法定途径
PURPOSES: tuple[str, ...] = ("求决", "申诉", "建议", "揭发控告", "咨询", "其他")
# 问题类别: a two-level tree (category → kinds); stations may set their own (settings).
DEFAULT_PROBLEM_TYPES: dict[str, tuple[str, ...]] = {
    "城乡建设": ("住房保障", "物业管理", "市政设施", "拆迁安置", "违章建筑"),
    "农村农业": ("土地承包", "宅基地", "村务管理", "农业补贴"),
    "劳动和社会保障": ("拖欠工资", "社会保险", "劳动关系", "养老待遇"),
    "自然资源": ("土地征收", "矿产资源", "林业"),
    "生态环境": ("大气污染", "水污染", "噪声污染", "固体废物"),
    "政法": ("治安", "诉讼", "执法监督"),
    "教育": ("招生入学", "教师待遇", "学校管理"),
    "卫生健康": ("医疗纠纷", "医保", "公共卫生"),
    "交通运输": ("道路建设", "公共交通", "交通管理"),
    "纪检监察": ("违纪", "作风问题"),
    "经济管理": ("集资融资", "市场监管", "企业改制"),
    "其他": ("其他",),
}
# Where a case came in: the four channels and the 12345 hotline, whose work-order number stays with the case.
HOTLINE_CHANNEL = "hotline"
