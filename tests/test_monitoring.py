"""Monitoring cases: the 20-working-day clock on China's calendar (National Day 2026),
a villager's own request reaching the team and nobody else, every stage in chat, the
meeting's agenda in its reminder and decisions per case, and the sheets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from conversations.complaints.export import export_month
from conversations.households.sheets import cases_sheet, county_sheets
from services import monitoring as mon
from storage.models import AuditEvent, MonitoringCase, OutboxMessage, Team, Township, Village
from tests.harness import ChatHarness
from tests.households_support import household_id, load_register
from tests.strangers import add_strangers

WORDS = "老伴住院花了三万多，今年收成也不好"


def case_of(chat: ChatHarness, case_id: int = 1) -> MonitoringCase:
    with chat.core.db.session() as s:
        c = s.get(MonitoringCase, case_id)
        s.expunge(c)
        return c


def test_clock_counts_working_days_across_national_day() -> None:
    # 2026: 中秋 9/25–27, 国庆 10/1–7, make-up working Saturday 10/10
    assert mon.add_working_days(date(2026, 9, 28), 20) == date(2026, 10, 30)
    assert mon.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    case = MonitoringCase(opened_on=date(2026, 9, 28), due_on=date(2026, 10, 30), stage="check")
    c = mon.clock(case, date(2026, 10, 10), 20)
    assert (c.used, c.left, c.overdue, c.authoritative) == (5, 15, False, True)
    c = mon.clock(case, date(2026, 10, 7), 20)  # the holiday does not run the clock
    assert (c.used, c.left) == (2, 18)
    c = mon.clock(case, date(2026, 11, 2), 20)
    assert c.overdue and c.used == 21
    # a case opened in December ends in 2027, a year the calendar does not know yet
    late = MonitoringCase(opened_on=date(2026, 12, 10), stage="check",
                          due_on=mon.add_working_days(date(2026, 12, 10), 20))
    assert not mon.clock(late, date(2026, 12, 11), 20).authoritative


def test_a_villagers_request_reaches_the_team_and_nobody_else(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat)
    with chat.core.db.session() as s:
        before = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
    out = chat.send("villager", "我想申请防返贫监测")
    assert "只交给本村驻村工作队，不会转给县里的监督员" in out
    out = chat.send("villager", WORDS)
    assert "已收到您的申请（编号 #1）" in out and "12月21日前" in out
    with chat.core.db.session() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id > before)))
        told = {r.chat_id for r in rows if WORDS in r.payload["text"]}
        audit = [a for a in s.scalars(select(AuditEvent)) if a.action == "monitoring.request"]
    assert told == {"leader", "secretary", "cadre1"}  # the team: never supervisor or admin
    assert not any(WORDS in str(a.detail) for a in audit)  # the audit names the case only
    # the complaint road was not taken: no ticket, nothing for supervisors
    assert "没有待办" in chat.send("supervisor", "/tickets")
    c = case_of(chat)
    assert (c.source, c.stage, c.household_id) == ("self", "check", household_id(chat, "孙大伯"))
    # who may read it
    for user in ("supervisor", "othersup", "otheradmin", "othercadre"):
        out = chat.core.handle(_press(user, "view", c.id))
        assert "您不能查看这个监测案件" in out.replies[0].text, user
    assert WORDS in chat.core.handle(_press("cadre2", "view", c.id)).replies[0].text
    # the county's administrator sees the case, not the villager's words
    out = chat.core.handle(_press("admin", "view", c.id)).replies[0].text
    assert "孙大伯" in out and WORDS not in out
    # the sheets: the team's workbook has the words, the county's does not
    with chat.core.db.session() as s:
        team = s.scalar(select(Team).where(Team.name == "幸福村驻村工作队"))
        _, rows_team, _ = cases_sheet(s, [team.id], date(2026, 11, 1), with_words=True)
        county = s.scalar(select(Township.county_id).join(Village).where(Village.id == team.village_id))
        county_rows = dict(county_sheets(s, county, date(2026, 11, 1)))
    assert rows_team[0][-1] == WORDS
    assert WORDS not in str(county_rows["防返贫监测"][1])
    # nor in the complaints' export
    from openpyxl import load_workbook

    path = chat.channel.files_dir / "complaints.xlsx"
    with chat.core.db.session() as s:
        export_month(s, year=2026, month=11, tz="Asia/Shanghai", out_path=path)
    cells = [str(c) for ws in load_workbook(path).worksheets for r in ws.iter_rows(values_only=True)
             for c in r]
    assert not any(WORDS in c or "防返贫" in c for c in cells)


def _press(user: str, action: str, case_id: int):  # type: ignore[no-untyped-def]
    from conversations.households.buttons import CaseButton
    from core.messages import Incoming

    return Incoming(platform="console", user_id=user, chat_id=user,
                    callback=CaseButton(action, case_id).pack())  # type: ignore[arg-type]


def test_a_second_request_adds_to_the_open_case(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("villager", "申请监测")
    chat.send("villager", WORDS)
    chat.send("villager", "/apply")
    out = chat.send("villager", "儿子务工也中断了")
    assert "您的申请 #1 已在办理中" in out
    with chat.core.db.session() as s:
        assert s.scalar(select(MonitoringCase.id).where(MonitoringCase.id == 2)) is None


def test_a_case_through_every_stage(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("villager", "我想申请防返贫监测")
    chat.send("villager", WORDS)
    # the check is the team's, not the county's: refused, audited
    out = chat.core.handle(_press("admin", "pass", 1)).replies[0].text
    assert "这一步不由您处理" in out
    chat.send("cadre1", "/cases")
    chat.press("cadre1", "查看 #1")
    chat.press("cadre1", "核实完成，提交评议")
    chat.line("cadre1: @photo PHOTO-1")
    out = chat.send("cadre1", "住院自付3.2万元")
    assert "转入「村级评议公示」，已通知李书记" in out
    chat.clock_to("2026-11-30 09:00")
    out = chat.send("secretary", "/meeting")
    assert "一、上次会议以来新发现 1 户（农户自主申报1户）" in out
    assert "已用5/20个工作日" in out
    out = chat.press("secretary", "#1 通过")
    assert "转入「乡镇审核」，已通知王组长" in out
    chat.press("leader", "查看 #1")
    chat.press("leader", "乡镇审核通过")
    out = chat.press("leader", "不写说明")
    assert "转入「县级审批」，已通知刘管理" in out
    chat.send("admin", "/cases")
    chat.press("admin", "查看 #1")
    chat.press("admin", "批准纳入监测")
    out = chat.press("admin", "不写说明")
    assert "已批准纳入监测" in out and "-> villager: 您的防返贫监测申请已审批：纳入监测" in out
    c = case_of(chat)
    assert (c.stage, c.outcome) == ("closed", "included")
    chat.send("leader", "/cases")  # closed cases leave the list, the card stays
    out = chat.core.handle(_press("leader", "view", 1)).replies[0].text
    assert "结果：纳入监测" in out and "（照片1张）" in out
    chat.core.handle(_press("leader", "clear", 1))  # [风险消除] on that card
    out = chat.send("leader", "已稳定务工，医疗费用已报销")
    assert "风险消除" in out and "-> villager: 您家的监测已按程序标注风险消除" in out


def test_declined_at_the_meeting_with_a_reason(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("cadre1", "/households 张三")
    chat.press("cadre1", "发起监测")
    out = chat.send("cadre1", "务工中断，收入下降")
    assert "已发起防返贫监测 #1：张三" in out
    chat.send("secretary", "/meeting")
    chat.press("secretary", "#1 不纳入")
    out = chat.send("secretary", "已重新就业，收入高于监测线")
    assert "#1 不纳入监测" in out
    with chat.core.db.session() as s:
        events = mon.events(s, 1)
    assert events[-1].meeting_id is not None and events[-1].action == "no"


def test_the_meeting_reminder_carries_the_agenda(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("villager", "我想申请防返贫监测")
    chat.send("villager", WORDS)
    chat.clock_to("2026-11-23 09:01")  # seeds the team's default series
    out = chat.clock_to("2026-12-09 18:00")  # the evening before the 10th
    notices = [b for b in out.split("-> ") if "每月防返贫监测会议" in b]
    assert notices
    for n in notices:
        assert "#1 孙大伯｜入户核实" in n
        assert n.startswith(("secretary", "cadre1", "cadre2"))


def test_department_warnings_open_cases_all_or_nothing(chat: ChatHarness) -> None:
    vid = load_register(chat)
    now = datetime(2026, 11, 23, 1, tzinfo=UTC)
    with chat.core.db.session() as s:
        cases, errors = mon.import_warnings(s, vid, [["户主", "预警内容", "部门"],
                                                     ["周八", "医疗自付超2万元", "县医保局"],
                                                     ["王五", "低保停发", "民政局"],
                                                     ["钱九", "失业", "人社局"]],
                                            date(2026, 11, 23), now, 20)
    assert cases == [] and [(r, c) for r, c, _ in errors] == [(3, "row_many_households"),
                                                              (4, "row_no_household")]
    with chat.core.db.session() as s:
        cases, errors = mon.import_warnings(s, vid, [["户主", "网格", "预警内容", "部门"],
                                                     ["王五", "三网格", "低保停发", "民政局"]],
                                            date(2026, 11, 23), now, 20)
        assert not errors and cases[0].risk == "民政局：低保停发"
        assert cases[0].source == "warning"


def test_digest_lists_cases_overdue_and_due_within_a_week(chat: ChatHarness) -> None:
    from reminders.digest import compute

    load_register(chat)
    for name in ("张三", "李四"):
        chat.send("cadre1", f"/households {name}")
        chat.press("cadre1", "发起监测")
        chat.send("cadre1", "务工中断")
    with chat.core.db.session() as s:
        s.get(MonitoringCase, 1).due_on = date(2026, 11, 20)  # opened weeks ago, now late
    with chat.core.db.session() as s:
        team = s.scalar(select(Team))
        d = compute(s, [(team, date(2026, 12, 15))], chat.clock.now(), chat.core.settings)[team.id]
    assert "【防返贫监测】已超期1件（#1 张三），7天内到期1件（#2 李四）" in d.extra
