"""Free text routed by meaning (knowledge/routing.py), per role, and its measured quality."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from knowledge.routing import Route, route
from services.text_intent import offers_complaint, offers_report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from kb_eval import load_routes  # noqa: E402


@pytest.mark.parametrize("text", [
    "我是脱贫户 医保费用有补贴不",      # ends in 不: a spoken question
    "贷款能贷几年",                     # asks 几年
    "低保一个月给好多钱",               # dialect 好多 = 多少
    "娃上学有补助没得",                 # ends in 没得
    "孩子读高中学费免不免",             # A-not-A
    "我想申请低保",                     # a wish, said as a statement
    "危房改造",                         # a bare topic
    "张驻村为什么总不来",               # a question, even if it is a grievance too
    "交好多钱才能参加医保",             # 好多 inside the clause, after 交: "how much"
    "收入好多以上就不算困难户",         # 好多以上: "above how much"
    "开会要提前好多天通知",             # 提前好多天: "how many days ahead"
    "上个月举报了 到现在都没人回 咋回事",  # a complaint already made: how it goes on
])
def test_villager_questions_go_to_the_base_not_the_complaint_form(text: str) -> None:
    assert route(text, "villager") == Route.ASK_KB
    assert not offers_complaint(text)


@pytest.mark.parametrize("text", [
    "村里的路灯坏了一个月了",
    "公益岗的工资拖欠三个月了",
    "凭什么他家能吃低保我家不能 太不公平了",  # rhetorical: a grievance, not a question
    "路灯都坏了一个月了 为啥还不修",
    "工作队的人来拍个照就走了，啥事也不办",  # 啥…也: "nothing at all", not a question
    "好多人都没领到补贴",               # 好多 = "many", not "how much"
    "等了好多天了还没人来修",
])
def test_villager_grievances_get_the_complaint_offer(text: str) -> None:
    assert route(text, "villager") == Route.OFFER_COMPLAINT
    assert offers_complaint(text)


def test_a_long_question_that_opens_with_a_story_is_not_a_log() -> None:
    text = ("领导您好，我是县农业农村局派到石桥村的驻村干部小李，刚下来不到一个月，好多规矩还不清楚，"
            "想问下我们驻村干部每个月的生活补助是多少，是按月发还是按天算的？谢谢！")
    assert route(text, "cadre") == Route.ASK_KB
    assert not offers_report(text, "cadre", 40)


def test_an_account_of_work_is_offered_as_a_log_whatever_its_length() -> None:
    assert route("入户3户", "cadre") == Route.OFFER_REPORT
    assert offers_report("入户3户", "cadre", 40)  # a work account: the 40-character bar does not apply
    story = "今天入户时有群众问怎么申请低保，我解释了流程，并帮他写了申请书"  # asks inside, ends as a log
    assert route(story, "first_secretary") == Route.OFFER_REPORT
    assert not offers_report("/report 今天走访了三户", "cadre", 10)


@pytest.mark.parametrize("role", ["cadre", "villager", "supervisor", "admin"])
@pytest.mark.parametrize("text", ["你好", "谢谢", "好的 收到", "👍", "？", "在吗", "你能干啥"])
def test_small_talk_gets_help_from_every_role(text: str, role: str) -> None:
    assert route(text, role) == Route.HELP


def test_requests_to_use_a_feature_get_help_naming_it() -> None:
    for text in ("我要请假", "签到", "看看我这个月在村几天", "导出本月考勤"):
        assert route(text, "cadre") == Route.HELP, text
    assert route("签到有几种方式", "cadre") == Route.ASK_KB  # asking about check-in is a question


def test_staff_statements_are_never_logs_or_complaints() -> None:
    for role in ("supervisor", "admin"):
        assert route("这个投诉我已经处理了", role) == Route.HELP
        assert route("投诉一般多少天要办结", role) == Route.ASK_KB
        assert route("今天上午走访了三户脱贫户，下午参加村两委会议", role) != Route.OFFER_REPORT


def test_routing_on_the_test_half_meets_the_bar() -> None:
    """A real behaviour test on the half no rule was written against: it fails if routing regresses.

    One villager question of the test half still reaches the complaint offer
    ("收入好多以下算监测户": 好多 in the middle of a clause is not read as asking), hence ≤ 1.
    """
    items = load_routes("test")
    got = [(it, route(it.text, it.role).value) for it in items]
    right = sum(g == it.route for it, g in got)
    assert right / len(items) >= 0.95
    villager_q = [g for it, g in got if it.role == "villager" and it.route == "ask_kb"]
    assert len(villager_q) >= 100 and villager_q.count("offer_complaint") <= 1
    for cls in Route:  # every class is recognised, not just the big one
        n = sum(it.route == cls.value for it, _ in got)
        hit = sum(it.route == cls.value and g == cls.value for it, g in got)
        assert n and hit / n >= 0.85, cls
