"""Report rules: free-text intent, one-message parsing, which day may be reported, history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conversations.reports import text as T
from core.app import BotCore
from services import reports as rs
from services.errors import UserError
from services.text_intent import is_question, looks_like_report
from storage.models import Member
from tests.conftest import at

LONG = "今天上午走访了村里的三户脱贫户，了解家里务工和医保缴费情况，下午和村两委研究合作社分红方案。"


@pytest.mark.parametrize("text", [
    "小额信贷怎么申请？", "医保报销比例是多少", "雨露计划能不能申请", "这个月要交材料吗",
    "请问低保的申请条件和需要准备的材料都有哪些，村里谁负责审核这个事情", "如何申请危房改造补助",
    "是否需要本人到场办理", "What is this?",
])
def test_questions_are_not_offered_as_reports(text: str) -> None:
    assert is_question(text)
    assert not looks_like_report(text * 3 if len(text) < 40 else text)


def test_long_statements_are_reports_short_ones_and_commands_not() -> None:
    assert len(LONG) >= 40 and looks_like_report(LONG)
    assert not looks_like_report("今天走访了三户。")  # too short: 40 characters is the bar
    assert not looks_like_report("/report " + LONG)
    assert not looks_like_report(" " * 50)
    assert looks_like_report("走" * 40) and not looks_like_report("走" * 39)
    assert looks_like_report(LONG, min_chars=60) is (len(LONG) >= 60)


def test_one_message_with_labels_fills_every_field() -> None:
    got = rs.parse_report_text("走访脱贫户，了解务工情况。走访：张三、李四\n问题：王大爷家屋顶漏雨；"
                               "下一步：联系镇住建办")
    assert got == {"done": "走访脱贫户，了解务工情况。", "households": "张三、李四",
                   "problems": "王大爷家屋顶漏雨", "next_steps": "联系镇住建办"}
    assert rs.parse_report_text("开会学习") == {"done": "开会学习"}


@pytest.mark.parametrize("households, done, expected", [
    ("3", None, 3), ("5户", None, 5), ("张三、李四、王五", None, 3), ("无", None, 0),
    (None, "今天走访了三户脱贫户", 3), (None, "入户12户", 12), (None, "开会", None),
    ("十二户", None, 12),
])
def test_households_count(households: str | None, done: str | None, expected: int | None) -> None:
    assert rs.households_count(households, done) == expected


def test_which_day_may_be_reported() -> None:
    tz = "Asia/Shanghai"
    morning, afternoon = at("2026-11-23 11:59"), at("2026-11-23 12:00")
    rs.check_report_date(date(2026, 11, 23), afternoon, tz)
    rs.check_report_date(date(2026, 11, 22), morning, tz)  # yesterday until noon
    with pytest.raises(UserError, match="12:00 前补写") as exc:
        rs.check_report_date(date(2026, 11, 22), afternoon, tz)
    assert (exc.value.code, exc.value.params) == ("reports.late_yesterday", {"hour": 12})
    rs.check_report_date(date(2026, 11, 22), afternoon, tz, late_until_hour=18)  # configurable
    with pytest.raises(UserError, match="将来") as exc:
        rs.check_report_date(date(2026, 11, 24), morning, tz)
    assert (exc.value.code, exc.value.params) == ("reports.future_day", {"day": date(2026, 11, 24)})
    assert str(exc.value).startswith("不能为将来的日期（11月24日）写日志。")
    with pytest.raises(UserError, match="太久") as exc:
        rs.check_report_date(date(2026, 11, 20), morning, tz)
    assert (exc.value.code, exc.value.params) == ("reports.too_old",
                                                  {"day": date(2026, 11, 20), "hour": 12})
    # 00:30 in Beijing is still 16:30 UTC of the day before: "today" is the local date
    rs.check_report_date(date(2026, 11, 24), at("2026-11-24 00:30"), tz)


def _cadre(s) -> Member:  # type: ignore[no-untyped-def]
    return s.scalar(select(Member).where(Member.name == "张驻村"))


def test_edit_and_append_keep_every_previous_version(demo: BotCore) -> None:
    day, now = date(2026, 11, 23), at("2026-11-23 18:00")
    with demo.db.session() as s:
        m = _cadre(s)
        r = rs.save_report(s, member=m, day=day, draft={"done": "走访3户", "photos": ["P1"]},
                           mode="new", now=now)
        with pytest.raises(UserError, match="已经提交过") as exc:
            rs.save_report(s, member=m, day=day, draft={"done": "覆盖"}, mode="new", now=now)
        assert (exc.value.code, exc.value.params) == ("reports.already_submitted", {"day": day})
        rs.save_report(s, member=m, day=day, draft={"done": "走访4户", "photos": ["P1"]},
                       mode="edit", now=now + timedelta(minutes=5))
        rs.save_report(s, member=m, day=day, draft={"problems": "屋顶漏雨", "photos": ["P2"]},
                       mode="append", now=now + timedelta(minutes=9))
        assert (r.done, r.problems, r.photos, r.households_count) == ("走访4户", "屋顶漏雨",
                                                                      ["P1", "P2"], 4)
        revs = rs.revisions(s, r.id)
        assert [(v.reason, v.content["done"]) for v in revs] == [("edit", "走访3户"),
                                                                 ("append", "走访4户")]
        assert r.created_at == now and r.updated_at == now + timedelta(minutes=9)


def test_empty_and_huge_reports(demo: BotCore) -> None:
    now = at("2026-11-23 18:00")
    huge = "入户走访，了解情况。" * 1000  # 10,000 characters
    with demo.db.session() as s:
        m = _cadre(s)
        with pytest.raises(UserError, match="不能为空") as exc:
            rs.save_report(s, member=m, day=date(2026, 11, 23), draft={"done": "  "}, mode="new",
                           now=now)
        assert exc.value.code == "reports.done_empty"
        r = rs.save_report(s, member=m, day=date(2026, 11, 23), draft={"done": huge}, mode="new",
                           now=now)
    with demo.db.session() as s:
        assert len(rs.get_report(s, r.member_id, date(2026, 11, 23)).done) == 10_000
        shown = T.format_report(rs.get_report(s, r.member_id, date(2026, 11, 23)), preview=300)
        assert "共10000字，已完整保存" in shown


def test_missing_reporters_skips_leaders_leave_and_reporters(demo: BotCore,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    day = date(2026, 11, 23)
    with demo.db.session() as s:
        m = _cadre(s)
        rs.save_report(s, member=m, day=day, draft={"done": "开会"}, mode="new", now=at("2026-11-23 18:00"))
        team_id = m.team_id
        assert [x.name for x in rs.missing_reporters(s, team_id, day)] == ["李书记", "赵驻村"]
        zhao = s.scalar(select(Member).where(Member.name == "赵驻村"))
        from services import attendance
        monkeypatch.setattr(attendance, "leave_dates_for",
                            lambda _s, mid, a, b: {day: 1} if mid == zhao.id else {})
        assert [x.name for x in rs.missing_reporters(s, team_id, day)] == ["李书记"]
