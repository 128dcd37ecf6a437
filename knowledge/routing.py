"""Where a message typed outside any dialog should go: a pure function of text and role.

    route("我是脱贫户 医保费用有补贴不", "villager")   → Route.ASK_KB
    route("村里的路灯坏了一个月了", "villager")          → Route.OFFER_COMPLAINT
    route("上午入户走访了五户，下午整理台账", "cadre")    → Route.OFFER_REPORT
    route("谢谢", "cadre")                               → Route.HELP

The old rule looked for a question word in the first 6 or last 8 characters, so spoken
questions ending in 不/没 or asking 几年/好多 ("医保费用有补贴不") were taken for complaints,
and long questions that started with a story were offered as today's log. Here the
message is cut into clauses (knowledge/query.py) and read as people write:

1. nothing but courtesy, or a request to *use* a feature ("我要请假", "看看我的日志"):
   **help** — a short "I can help with…" reply naming the commands;
2. the message ends by asking (a final clause with a question word, 吗/不/没/嘛 at its
   end, a question mark), or asks somewhere and does not read as an account of work or a
   grievance: **ask_kb**;
3. a team member's account of work done (time words, work verbs, 了, counts of households
   or people): **offer_report**; a villager's grievance (broken, unpaid, nobody comes,
   unfair …): **offer_complaint**;
4. a bare policy topic or a wish to apply for one ("我想申请低保", "小额信贷"): **ask_kb**.

A villager's question is never sent to the complaint form unless it is also a grievance
with no policy topic in it ("路灯坏了一个月了为啥还不修"); a supervisor's or an
administrator's statement is never offered as a log or a complaint. Measured on the
labelled messages of bench/route_set.yaml by bench/route_bench.py.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from .query import clauses

DATA_DIR = Path(__file__).resolve().parent / "data"


class Route(StrEnum):
    ASK_KB = "ask_kb"
    OFFER_REPORT = "offer_report"
    OFFER_COMPLAINT = "offer_complaint"
    HELP = "help"


TEAM_ROLES = frozenset({"cadre", "first_secretary", "team_leader"})
VILLAGER = "villager"

# Courtesy, acknowledgements, pings and meta talk about the bot itself.
_SMALL_TALK = re.compile(
    r"^(?:(?:你好|您好|大家好|早上好|上午好|下午好|晚上好|早|过年好|新年好|在吗|在不在|喂+|哈喽|嗨|hi|hello|"
    r"谢谢|谢谢你|谢谢您|多谢|感谢|辛苦了|辛苦你们了|辛苦你了|好的|好|好滴|嗯+|哦+|ok|okay|收到|"
    r"明白|明白了|知道了|晓得了|懂了|要得|行|可以|好的谢谢|收到谢谢|明白了谢谢|"
    r"哈+|呵+|嘿嘿|测试|测试一下|test|[?？!！.。…]+|\d+|吃饭了没|吃了没|吃了吗|有人没|有人吗|有人不))+$")
_ABOUT_BOT = re.compile(r"^(?:你是谁|你是哪个|你叫什么|你是机器人吗|你能干啥|你能做什么|你能帮我做啥|"
                        r"你会什么|你有什么用|这个怎么用|这个助手怎么用|怎么用|怎么使用|有哪些功能|有什么功能|"
                        r"帮助|菜单|功能|help|menu)")
# Asking to use a feature rather than asking about a policy: the help reply names the command.
_FEATURE = re.compile(
    r"^(?:我|我们)?(?:要|想|想要|来|帮我|给我|需要)?(?:请假|请个假|请几天假|销假|签到|打卡|写日志|写今天的日志|"
    r"交日志|报日志|填日志|写.{0,4}日志|提交日志|审批|批假|导出.*|查看.*|看看.*|看一下.*|查一下我.*|列出.*|"
    r"邀请.*|导入.*|重新加载|看看没答上的问题|反映的事.*进度)$")
_MY_RECORDS = re.compile(r"^(?:我的|查看我的|看看我的|查一下我的|查我的).{0,12}$|(?:办得|处理得)(?:咋样|怎么样)了?$")

# A work account: when, what was done, how many.
_TIME = re.compile(r"今天|今日|上午|下午|晚上|早上|中午|昨天|昨日|本周|这周|本月|第.天|today|visited")
_WORK_VERB = re.compile(
    r"走访|入户|召开|组织|参加|参与|协调|对接|陪同|检查|排查|调解|整理|完成|开展|宣传|核查|核实|接待|"
    r"带队|督导|调研|研究了|讨论了|解答|登记|办理|代办|帮[^助]|送去|慰问|传达|通知了|填写|上报|争取|"
    r"联系了|谈好|收集|巡河|巡查|值班|讲了|学习了|研判|回访|清理|指导|办了|写完|交给|汇报|咨询了|"
    r"解释|协助|配合|考察|落实|推进|部署|督促|整改|维修|修好|发放了|统计|核对|录入|座谈|看望|探望|"
    r"陪|开了|去了|到了|办好|弄好|搞好|做好")
_COUNT = re.compile(r"\d+\s*(?:户|人|名|个|次|家|场|份|枚|元|斤|亩)|[一二两三四五六七八九十几]+(?:户|人次|名|位)")
_DONE = re.compile(r"了|过|已|完成|结束|通过")
# A grievance: something broken, unpaid, withheld, unfair, nobody coming or caring.
_GRIEVANCE = re.compile(
    r"坏了|坏掉|没人管|不管|没人修|没人来|没人回|没人清|推来推去|拖欠|欠[^款]|贪|吃拿卡要|态度差|态度很差|态度恶劣|"
    r"骂人|打人|不公平|不公正|凭什么|太气人|气人|优亲厚友|不通知|不公开|从来不|一直没|还没发|没发|没到账|"
    r"没领到|没拿到|一分钱|不给|没赔|占了|被收回|找不到人|见不到人|不在村|不来|不办事|啥事也不办|只在村委会|"
    r"拍个照就走|冒领|克扣|少了|打了对折|质量太差|裂了|堵了|漏了|塌|危险|电鱼|乱收|收钱|要钱|请吃饭|"
    r"没解决|扣了|被扣|我要举报|我要投诉|要投诉|我要反映|反映个情况|反映一下|反映过|举报|投诉")
# Wanting something from a policy, said as a statement.
_NEED = re.compile(r"想(?![不通])|要申请|申请|了解一下|查一下|查下|问一下|问问|"
                   r"不知道|不晓得|不清楚|不懂|帮我查")
# The end of a message that asks.
_ASK_END = re.compile(r"[?？]\s*$")
# A complaint already made ("投诉了好多天没人理 咋回事"): asking how it goes on, which the base
# answers (complaint-handling); a second complaint form would not help.
_FOLLOW_UP = re.compile(r"(?:投诉|举报)(?:了|过)")
_RHETORICAL = re.compile(r"凭什么|凭啥|为啥还不|为什么还不|怎么还不|咋还不|还不修|还不给|还不来|太不像话|"
                         r"咋回事|怎么回事")


_GENERIC_GROUPS = frozenset({"多少", "每月", "多久", "天数", "孩子", "家里", "资金", "职责", "在村", "谁",
                             "务工", "看病", "补贴", "考核", "请假"})


@lru_cache(maxsize=1)
def topic_words() -> frozenset[str]:
    """Policy topics the base knows: entry tags, the user dictionary, synonym groups.

    Words of one character and the base's most generic words are left out: a topic word
    must say *which* policy, not that there is one.
    """
    words: set[str] = set()
    generic: set[str] = {"申请", "标准", "任务", "问题", "工作", "时间", "考核", "补贴"}
    for path in DATA_DIR.glob("*.yaml"):
        if path.name == "english.yaml":
            continue
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader",  # noqa: S506
                                                                          yaml.SafeLoader))
        if path.name == "synonyms.yaml":
            for canonical, variants in (data or {}).items():
                group = {str(canonical), *(str(v) for v in variants or [])}
                # groups that fold ways of asking (多少, 每月, 谁 …), not topics
                (generic if str(canonical) in _GENERIC_GROUPS else words).update(group)
        else:
            for e in data or []:
                words.update(str(t) for t in e.get("tags") or [])
    userdict = DATA_DIR / "userdict.txt"
    words.update(ln.split()[0] for ln in userdict.read_text(encoding="utf-8").splitlines() if ln.strip())
    return frozenset(w for w in words if len(w) >= 2 and w not in generic)


@lru_cache(maxsize=1)
def _topic_re() -> re.Pattern[str]:
    return re.compile("|".join(sorted(map(re.escape, topic_words()), key=len, reverse=True)))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


@lru_cache(maxsize=512)  # pure: the three text handlers ask about the same message in turn
def route(text: str, role: str) -> Route:
    """Where ``text`` (typed by someone with ``role``, a services.roles.Role value) goes."""
    t = _norm(text)
    bare = re.sub(r"[\s,，。.!！~～、]+", "", t).lower()
    if not bare or _SMALL_TALK.match(bare) or _ABOUT_BOT.match(bare) or all(
            not ch.isalnum() for ch in bare):
        return Route.HELP
    cs = clauses(t)
    if not cs:  # nothing but courtesy
        return Route.HELP
    last_asks = cs[-1].asks or bool(_ASK_END.search(t))
    any_asks = last_asks or any(c.asks for c in cs)
    if (_FEATURE.match(bare) or _MY_RECORDS.search(bare)) and not (last_asks and _topic_re().search(bare)):
        return Route.HELP
    topic = bool(_topic_re().search(t))
    asks_anywhere = any_asks or "?" in t or "？" in t
    bare_topic = topic and len(bare) <= 8  # "低保", "危房改造补助标准": a topic, asked about
    if role in TEAM_ROLES:
        work = is_work_account(t)
        if last_asks and not (work and not (cs[-1].asks or _ASK_END.search(t))):
            return Route.ASK_KB
        if work:
            return Route.OFFER_REPORT
        if asks_anywhere or topic or _NEED.search(t):
            return Route.ASK_KB
        return Route.OFFER_REPORT if len(bare) >= 25 else Route.HELP
    if role == VILLAGER:
        grievance = bool(_GRIEVANCE.search(t))
        asked_plainly = last_asks or "?" in t or "？" in t
        if any_asks and _FOLLOW_UP.search(t):  # 投诉了好多天没人理 咋回事: how to follow up
            return Route.ASK_KB
        if grievance and _RHETORICAL.search(t):  # 凭什么…, 为啥还不修, 咋回事嘛
            return Route.OFFER_COMPLAINT
        if asked_plainly:
            return Route.ASK_KB
        if any_asks and topic:  # a policy question with a complaint around it
            return Route.ASK_KB
        if grievance:  # a grievance that ends as a statement
            return Route.OFFER_COMPLAINT
        if any_asks or _NEED.search(t) or bare_topic:
            return Route.ASK_KB
        # a statement about the village, not asking and wanting nothing from a policy
        return Route.OFFER_COMPLAINT if len(bare) >= 8 else Route.HELP
    # supervisors, administrators: questions and topics go to the base; their own
    # statements ("这个投诉我已经处理了") get the help reply
    if asks_anywhere or _NEED.search(t) or (topic and not _DONE.search(t)):
        return Route.ASK_KB
    return Route.HELP


def is_work_account(t: str) -> bool:
    """Reads like a log of work done: a work verb, plus a time, a count or a completed 了."""
    if not _WORK_VERB.search(t):
        return False
    return bool(_TIME.search(t) or _COUNT.search(t) or _DONE.search(t))
