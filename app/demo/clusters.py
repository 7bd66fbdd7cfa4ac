"""共性问题 for the demo: several petitioners of one township about one matter (a factory's smell in one village,
road noise at several points, unpaid wages at one construction site …), each in their own words. Most groups
are still being handled, so ``common-problems`` finds them; some older ones were resolved in one batch
(成批解决) and show it in their timelines."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.demo import texts
from app.demo.lives import Evidence, People, Timeline, cn_date, register_payload
from app.demo.vocabulary import TOWNSHIPS, VILLAGES


@dataclass(frozen=True)
class ClusterKind:
    """One kind of common problem: how petitioners put it, what is done about it, the batch reply."""

    domain: str
    names: tuple[str, ...]  # the factory, road, site … it is about ({name} in the texts)
    requests: tuple[str, ...]  # in the petitioners' words: {name}, and {village} when it is one village's problem
    measures: tuple[str, ...]
    reply: str
    one_village: bool = False  # the requests name their village: one village's problem
    collective: float = 0.1  # share of its cases that are collective visits


def _names(prefixes: str, suffixes: str) -> tuple[str, ...]:
    return tuple(p + s for s in suffixes.split() for p in prefixes.split())


_FIRMS = "华丰 永兴 金盛 宏达 鑫源 恒通 海丰 瑞祥 兴旺 新亚 联创 明辉 天润 正泰"
KINDS: tuple[ClusterKind, ...] = (
    ClusterKind("生态环境", _names(_FIRMS, "铸造厂 化工厂 印染厂 橡胶厂"), (
        "反映{name}偷排废气，气味呛人，{village}村民晚上睡不着",
        "{village}村民反映{name}偷排废气，气味呛人，要求查处",
        "{name}偷排废气，{village}群众要求停产整改",
        "{name}半夜偷排废气，气味呛人，{village}村民门窗都不敢开",
    ), ("会同县生态环境分局对{name}开展夜间联合执法检查，现场取样", "委托第三方检测机构对{name}厂界废气开展监测",
        "召开{name}废气问题专题协调会，责令企业限期整改"),
        "经对{name}集中整治，废气收集处理设施已改造，检测达标，成批答复反映群众", one_village=True),
    ClusterKind("劳动保障", _names("滨江 城南 金港 东部新区 南湖 北山", "花园二期 安置房 物流园 标准厂房"), (
        "{township}{name}项目拖欠农民工工资{amount}元，包工头失联",
        "{township}{name}项目拖欠工友{people}人工资，要求总包单位兜底支付",
        "在{township}{name}项目干活半年，被拖欠工资{amount}元至今未付",
        "{township}{name}项目工地拖欠农民工工资，多次讨要无果",
    ), ("约谈{name}项目总承包单位，核实欠薪人数和金额", "启动{name}项目工资保证金支付程序",
        "将{name}项目劳务分包负责人涉嫌拒不支付劳动报酬线索移送公安机关"),
        "{name}项目欠薪已由总承包单位统一垫付到位，成批答复反映群众", collective=0.5),
    ClusterKind("房地产", _names("锦绣 阳光 金色 翡翠 江南 东湖", "家园 水岸 港湾 名都"), (
        "{township}{name}小区房屋渗漏，地下车库渗水，开发商拖着不修",
        "{township}{name}小区多户房屋外墙渗漏，要求开发商维修",
        "{township}{name}小区交房后房屋渗漏，物业和开发商互相推诿",
    ), ("会同县住建局对{name}渗漏点逐户排查，拍照取证", "约谈{name}开发商，责令制定统一维修方案",
        "组织{name}业主代表、开发商、物业三方协商"),
        "{name}渗漏问题已由开发商统一维修，经业主代表验收，成批答复反映群众", collective=0.3),
    # Noise at several points along one road of the township (宁波 found 30 such points in the city).
    ClusterKind("生态环境", ("104国道", "东环大道", "椒新线", "滨海大道", "82省道", "疏港大道"), (
        "{name}{township}段大货车半夜轰鸣，噪音太大，要求限速禁鸣",
        "反映{name}{township}段货车噪音太大，晚上无法入睡",
        "{name}{township}段车流量大，货车噪音太大，要求采取降噪措施",
        "住在{name}{township}段边上，货车噪音太大，要求整治",
    ), ("会同县交通运输局、公安交警对{name}沿线噪音点位开展监测", "召开{name}货车噪音问题联席会议，研究限速和禁鸣措施",
        "梳理{name}沿线噪音投诉点位，形成综合整治方案"),
        "{name}沿线已设置限速禁鸣标志，重点路段加装降噪设施，成批答复反映群众"),
    ClusterKind("农业农村", ("东干渠", "红旗水库放水渠", "下洋机埠", "西江闸站", "南排涝站"), (
        "{village}{name}年久失修，灌溉用水送不到田里，要求修复",
        "{name}年久失修漏水严重，{village}上百亩稻田缺水",
        "{village}村民反映{name}淤塞失修，灌溉困难，要求尽快修复",
    ), ("会同镇农业农村办现场查看{name}破损情况", "安排专项资金对{name}进行清淤修复"),
        "{name}已完成清淤修复，灌溉恢复正常，成批答复反映群众", one_village=True),
    ClusterKind("集资融资", _names("鑫诚 汇金 聚财 盛世", "投资公司 理财工作室"), (
        "{township}{name}以高息为诱饵吸收资金，投入{amount}元到期无法兑付，要求追回",
        "{township}{name}停止兑付，投入{amount}元无法兑付，要求追回本金",
        "被{township}{name}业务员拉去投资{amount}元，到期无法兑付，要求追回",
    ), ("登记{name}集资参与人信息，移交县公安局经侦大队", "配合公安机关对{name}开展资产查封"),
        "{name}涉嫌非法吸收公众存款案已立案侦查，追赃挽损进展将及时告知，成批答复反映群众", collective=0.3),
)
NAMES: tuple[str, ...] = tuple(name for kind in KINDS for name in kind.names)


@dataclass
class Cluster:
    """One group being planted: its kind, name and place, and the day its batch reply goes out."""

    kind: ClusterKind
    name: str
    township: str
    villages: tuple[str, ...]
    batch_day: date


def plan_clusters(rng: random.Random, now: datetime, open_count: int, resolved_count: int,
                  size: tuple[int, int], domains: tuple[str, ...]) -> list[tuple[Cluster, list[datetime]]]:
    """Groups and the registration times of their cases: the open ones reported over the last weeks, with
    their batch reply still to come; the resolved ones months ago. Only kinds in the station's ``domains``."""
    plans = []
    names: set[str] = set()
    places: set[tuple[int, str]] = set()  # (kind, township) of the open groups: one matter of a kind per township
    kinds = [k for k in KINDS if k.domain in domains]
    for number in range(open_count + resolved_count if kinds else 0):
        pick = number % len(kinds) if number < len(kinds) else rng.randrange(len(kinds))
        kind = kinds[pick]
        name, township = rng.choice(kind.names), rng.choice(TOWNSHIPS)
        is_open = number < open_count
        if name in names or (is_open and (pick, township) in places):
            continue  # one factory, one site in one place; a second draw of it is dropped
        names.add(name)
        if is_open:
            places.add((pick, township))
        villages = (rng.choice(VILLAGES),) if kind.one_village else tuple(rng.sample(VILLAGES, rng.randint(2, 5)))
        first = rng.randint(10, 40) if is_open else rng.randint(60, 400)
        starts = sorted(now - timedelta(days=rng.randint(max(1, first - 25), first), hours=-rng.uniform(8.5, 16.5))
                        for _ in range(rng.randint(*size)))
        if is_open:
            batch_day = now.date() + timedelta(days=rng.randint(3, 20))
        else:
            batch_day = starts[-1].date() + timedelta(days=rng.randint(8, 20))
        plans.append((Cluster(kind, name, township, villages, batch_day), starts))
    return plans


def cluster_register(people: People, cluster: Cluster) -> dict[str, object]:
    rng = people.rng
    kind = cluster.kind
    village = rng.choice(cluster.villages)
    summary = rng.choice(kind.requests).format(name=cluster.name, village=village, township=cluster.township,
                                               amount=rng.randrange(8, 90) * 1000, people=rng.randint(6, 40))
    collective = rng.random() < kind.collective
    channel = "visit" if collective else rng.choices(("visit", "letter", "phone", "online"), (30, 10, 35, 25))[0]
    return register_payload(people, channel=channel, domain=kind.domain, township=cluster.township,
                            village=village, summary=summary, head_count=rng.randint(5, 40) if collective else 1)


def cluster_handling(cluster: Cluster) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kind = cluster.kind
    return tuple(m.format(name=cluster.name) for m in kind.measures), (kind.reply.format(name=cluster.name),)


def cluster_life(tl: Timeline, evidence: Evidence, cluster: Cluster) -> None:
    """Accepted at once, measures on the whole matter, a supervision order, one batch reply for the group."""
    rng = tl.rng
    register = tl.steps[0][2]
    tl.add("dispatch", {"units": [register["authority_unit"]], "note": texts.DISPATCH_NOTE}, rng.randint(0, 1))
    tl.add("accept", {"note": "予以受理，与同类问题并案研究"}, rng.randint(0, 1))
    tl.follow("notify", texts.notice("受理"))
    tl.add("contact", {"note": rng.choice(texts.CONTACT_NOTES)}, rng.randint(0, 1))
    for note in rng.sample(tl.measures, rng.randint(1, 2)):
        days = min(rng.randint(1, 6), tl.days_until(cluster.batch_day))
        tl.add("handle", {"note": note, "evidence": evidence.for_measure(0.5)}, days)
    if rng.random() < 0.3:
        def order(when: datetime) -> dict[str, str]:
            due = max(cluster.batch_day, when.date() + timedelta(days=7))
            return {"deadline": due.isoformat(), "note": texts.CLUSTER_SUPERVISION.format(deadline=cn_date(due))}
        tl.add("supervise", order, rng.randint(0, 2))
    tl.add("feedback", {"reply": tl.replies[0]}, tl.days_until(cluster.batch_day))
    result = rng.choices(("satisfied", "basically_satisfied"), (80, 20))[0]
    tl.add("follow_up", {"rating": result, "note": rng.choice(texts.FOLLOW_UP_NOTES[result])}, rng.randint(1, 4))
    tl.add("close", {"note": "同类问题成批解决，予以办结"}, rng.randint(0, 2))
