"""Word lists the demo draws from: names, places, firms, units and leaders (the requests are in
``app.demo.requests``)."""

from __future__ import annotations

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤")
# Given names by sex, so the ID number's sex digit (odd: male) agrees with the name.
GIVEN_MALE = ("建国 志强 伟 强 磊 军 洋 勇 杰 涛 明 超 平 刚 文 辉 鹏 华 国庆 建华 德明 福生 根土 阿三 永康 海林 "
              "晓东 国平 志华 建平 卫东 金龙 新民 荣华 炳根 阿福 海军 立新 振华 文斌 国良 友根").split()
GIVEN_FEMALE = ("秀英 桂英 海燕 芳 娜 敏 静 丽 艳 娟 秀兰 霞 桂兰 玉兰 红 金凤 小红 春梅 美琴 雪芬 丽萍 素珍 彩娥 "
                "月娥 菊花 爱玲 冬梅 仙娥 玲芝 巧云").split()

# Region codes (first six digits of ID numbers) of the coastal counties the demo is set in.
REGION_CODES = ("331002", "331003", "331004", "331081", "331082", "331022", "331023", "330203", "330206", "330212")
# Mobile number prefixes in use (三大运营商).
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "157", "158", "159", "177", "180", "181", "186", "187", "188", "189", "199")
AREA_CODE = "0576"  # 台州

TOWNSHIPS = ("城关镇", "新河镇", "横街镇", "金清镇", "桐屿街道", "峰江街道", "大溪镇", "温峤镇")
VILLAGES = ("东岙村", "前王村", "后洋村", "下岙村", "上塘村", "新民村", "石桥头村", "河头村", "沙埠村", "南山村",
            "北洋村", "白石村", "金竹村", "长浦村", "塘下村", "洋屿村", "湖滨社区", "镇东社区", "青山村", "双桥村")
# Who a leader or a handler brings along to meet the petitioner.
VILLAGE_CADRES = ("党支部书记", "调解主任", "妇联主席", "网格员")

LEADERS = ("陈建平（副县长）", "林海涛（县委常委）", "王立新（县人大副主任）", "周晓燕（副县长）",
           "郑国强（县政协副主席）", "黄志明（镇党委书记）", "吴丽华（镇长）", "徐振华（县公安局局长）",
           "蒋文斌（县委政法委书记）", "叶美琴（县人社局局长）")
# Township officials who do the day-to-day work on a leader's case.
DEPUTIES = ("镇党委副书记李卫东", "镇纪委书记潘晓红", "镇综治办主任邵国良", "镇司法所所长严志华",
            "镇信访办主任金海林", "分管副镇长杜振华")

HANDLERS = ("张丽", "王海峰", "李晓燕", "陈志刚", "刘芳")

# Firms and housing estates the requests name ({company}, {estate}).
COMPANIES = tuple(p + s for p in "华丰 永兴 金盛 宏达 鑫源 恒通 东方 海丰 瑞祥 兴旺 新亚 联创 明辉 天润 正泰".split()
                  for s in ("机械有限公司", "塑料制品厂", "鞋业有限公司", "汽配有限公司", "模具厂", "服装厂"))
ESTATES = ("新城", "锦绣家园", "阳光水岸", "金色港湾", "江南名都", "滨江花苑", "翡翠华庭", "桂花园", "东湖名邸")

# domain → (unit with authority, city-level competent department)
UNITS: dict[str, tuple[str, str]] = {
    "农业农村": ("镇农业农村办", "市农业农村局"),
    "生态环境": ("县生态环境分局", "市生态环境局"),
    "劳动保障": ("县人力社保局", "市人力社保局"),
    "房地产": ("县住建局", "市住建局"),
    "教育": ("县教育局", "市教育局"),
    "卫生健康": ("县卫生健康局", "市卫生健康局"),
    "自然资源": ("县自然资源规划分局", "市自然资源规划局"),
    "集资融资": ("县金融工作中心", "市地方金融监管局"),
    "涉法涉诉": ("县人民法院", "市中级人民法院"),
    "纪检监察": ("县纪委县监委", "市纪委市监委"),
    "其他": ("镇综合信息指挥室", "市信访局"),
}

# Domains weighted as petitions tend to arrive at a township: land and environment first.
DOMAIN_WEIGHTS: dict[str, int] = {
    "农业农村": 20, "生态环境": 14, "劳动保障": 14, "房地产": 12, "自然资源": 10, "其他": 10,
    "涉法涉诉": 6, "教育": 5, "卫生健康": 4, "纪检监察": 3, "集资融资": 2,
}
