"""Reminders, handover and knowledge buttons and commands pressed or typed by the wrong
person: a villager whose villager id equals the owner's member id, a leader of another
team, a supervisor and an administrator of another county, someone not registered.
Each is refused in words the user reads, and a refusal the feature makes leaves an audit
row with its code. Also: the feature catalogues render every code they declare."""

from __future__ import annotations

import string
from datetime import date
from typing import get_args

import pytest
from sqlalchemy import select

from conversations.reminders import buttons as rb
from core import text as CT
from core.messages import Incoming
from core.words import codes, fields, render
from reminders import series as sv
from services import admin, handover
from services.roles import Role
from storage.models import (
    AuditEvent,
    EventSeries,
    Handover,
    Identity,
    KbQuestion,
    Member,
    Team,
    Villager,
)
from tests.harness import ChatHarness

STRANGER = "stranger"  # never registered


def _identity(s, user: str, *, member: Member | None = None,  # type: ignore[no-untyped-def]
              villager: Villager | None = None, now) -> None:
    s.add(Identity(platform="console", external_id=user, chat_id=user, created_at=now,
                   last_seen_at=now, member_id=member.id if member else None,
                   villager_id=villager.id if villager else None))


@pytest.fixture
def people(chat: ChatHarness) -> ChatHarness:
    """The demo plus a team next door (east_leader) and a county next door
    (far_supervisor, far_admin)."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        east = admin.create_team(s, name="东村驻村工作队", now=now, village=admin.add_village(
            s, county="示范县", township="示范镇", name="东村", now=now))
        far_village = admin.add_village(s, county="邻县", township="邻镇", name="邻村", now=now)
        admin.create_team(s, name="邻村驻村工作队", village=far_village, now=now)
        far_county = far_village.township.county_id
        for user, name, role, team, county in (
                ("east_leader", "东组长", Role.TEAM_LEADER, east.id, None),
                ("far_supervisor", "邻监督", Role.SUPERVISOR, None, far_county),
                ("far_admin", "邻管理", Role.ADMIN, None, far_county)):
            m = Member(name=name, role=role.value, team_id=team, county_id=county, created_at=now)
            s.add(m)
            s.flush()
            _identity(s, user, member=m, now=now)
    chat.core.tick()  # default reminder series for every team
    return chat


def twin_of(chat: ChatHarness, member_name: str) -> str:
    """A registered villager of 幸福村 whose villager id equals the member's id."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        m = s.scalars(select(Member).where(Member.name == member_name)).one()
        v = s.get(Villager, m.id)
        if v is None:
            village = s.scalars(select(Villager)).first().village_id  # type: ignore[union-attr]
            v = Villager(id=m.id, name=f"村民{m.id}号", village_id=village, created_at=now)
            s.add(v)
            s.flush()
        user = s.scalar(select(Identity.external_id).where(Identity.villager_id == v.id))
        if user is None:
            user = f"twin{m.id}"
            _identity(s, user, villager=v, now=now)
        return user


def press(chat: ChatHarness, user: str, data: str) -> str:
    out = chat.core.handle(Incoming("console", user, user, callback=data))
    return "\n".join(r.text for r in out.replies)


def audits(chat: ChatHarness, action: str = "refused") -> list[AuditEvent]:
    with chat.core.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)))


def refused_with(chat: ChatHarness, code: str) -> list[str]:
    """Actors of the refusals audited with this code."""
    return [a.actor for a in audits(chat) if a.detail.get("detail") == code]


def _member_id(chat: ChatHarness, name: str) -> int:
    with chat.core.db.session() as s:
        return s.scalars(select(Member.id).where(Member.name == name)).one()


# -- /events buttons ------------------------------------------------------------------------
def test_series_buttons_refuse_everyone_but_the_teams_managers(people: ChatHarness) -> None:
    chat = people
    with chat.core.db.session() as s:
        sid = s.scalars(select(EventSeries.id).join(Team).where(
            Team.name == "幸福村驻村工作队", EventSeries.key == "friday_study")).one()
        added = s.scalars(select(EventSeries.id).where(EventSeries.key.is_(None))).all()
    assert added == []
    twin = twin_of(chat, "王组长")  # the demo's villager 1 and the leader, member 1
    for user, words, code in ((twin, "只有组长、第一书记和管理员可以管理提醒", "reminders.manager_only"),
                              ("east_leader", "这是别的工作队的提醒", "reminders.other_team"),
                              ("far_supervisor", "这个工作队不在您管理的县", "reminders.other_county"),
                              ("far_admin", "这个工作队不在您管理的县", "reminders.other_county")):
        for action in ("p", "x"):
            before = len(refused_with(chat, code))
            assert words in press(chat, user, rb.SeriesButton(action, sid).pack()), (user, action)
            assert len(refused_with(chat, code)) == before + 1
    assert len(refused_with(chat, "reminders.manager_only")) == 2
    assert len(refused_with(chat, "reminders.other_team")) == 2
    assert len(refused_with(chat, "reminders.other_county")) == 4
    assert "您还没有注册" in press(chat, STRANGER, rb.SeriesButton("p", sid).pack())
    assert len(audits(chat, "button.unregistered")) == 1
    with chat.core.db.session() as s:
        row = s.get(EventSeries, sid)
        assert row is not None and row.active
    # the team's own leader may; a default series is paused, never deleted
    assert "默认提醒不能删除" in press(chat, "leader", rb.SeriesButton("x", sid).pack())
    assert refused_with(chat, "reminders.default_undeletable") == ["member:1"]
    assert "已暂停「每周五学习」" in press(chat, "leader", rb.SeriesButton("p", sid).pack())


def test_series_button_data_is_parsed_before_any_handler(people: ChatHarness) -> None:
    for data in ("rm:p:abc", "rm:z:1", "rm:p:" + "9" * 40, "rm:p", "rm:run:report"):
        assert CT.STALE_BUTTON in press(people, "leader", data), data
    assert len(audits(people, "button.malformed")) == 5


# -- buttons that run a command ----------------------------------------------------------------
def test_run_buttons_keep_each_commands_own_roles(people: ChatHarness) -> None:
    chat = people
    twin = twin_of(chat, "张驻村")
    for command in ("events", "handover", "reports", "report"):
        assert "这个按钮对您不可用" in press(chat, twin, rb.RunButton(command).pack()), command  # type: ignore[arg-type]
    assert refused_with(chat, "reminders.button_not_for_you") == [f"villager:{_member_id(chat, '张驻村')}"] * 4
    assert "您还没有注册" in press(chat, STRANGER, rb.RunButton("events").pack())
    assert len(audits(chat, "button.unregistered")) == 1
    # only the commands a digest may run parse at all
    assert CT.STALE_BUTTON in press(chat, "admin", "rn:term")
    assert CT.STALE_BUTTON in press(chat, "admin", "rn:closeterm")
    assert len(audits(chat, "button.malformed")) == 2
    # a leader of another team runs the command for their own team, never this one
    out = press(chat, "east_leader", rb.RunButton("events").pack())
    assert "东村驻村工作队 的提醒安排" in out and "幸福村" not in out
    out = press(chat, "far_admin", rb.RunButton("handover").pack())
    assert "现在没有进行中的交接" in out


def test_a_run_button_does_not_break_into_an_open_dialog(people: ChatHarness) -> None:
    chat = people
    chat.send("cadre1", "/ask")
    out = press(chat, "cadre1", rb.RunButton("report").pack())
    assert "您还有未完成的「政策问答」" in out and "再点「写日志」" in out
    assert "驻村干部" in chat.send("cadre1", "驻村干部每月补助多少")  # the question still answered


# -- handover -----------------------------------------------------------------------------------
def _open_handover(chat: ChatHarness) -> int:
    chat.send("admin", "/term 赵驻村 2026-12-20")
    chat.clock_to("2026-12-05 09:00")
    with chat.core.db.session() as s:
        return s.scalars(select(Handover.id)).one()


def test_handover_buttons_refuse_the_wrong_people(people: ChatHarness) -> None:
    """Every kind of handover button, forged by people who are no party to the sheet
    (the full set per button kind is in tests/test_handover_sheet.py)."""
    from conversations.handover.buttons import SheetButton, SuccessorButton

    chat = people
    hid = _open_handover(chat)
    twin = twin_of(chat, "赵驻村")  # villager id == the outgoing member's id
    for user in (twin, "east_leader", "far_supervisor", "supervisor"):
        out = press(chat, user, SuccessorButton(hid, _member_id(chat, "张驻村")).pack())
        assert "只有本队组长或本县管理员可以指定接任人" in out, user
    assert len(refused_with(chat, "handover.namers_only")) == 4
    # an administrator of another county may neither name nor approve this county's handover
    assert "这份交接表不在您管理的县" in press(chat, "far_admin", SheetButton("n", hid).pack())
    assert "这份交接表不在您管理的县" in press(chat, "far_admin", SheetButton("ok", hid).pack())
    assert refused_with(chat, "handover.other_county") == [f"member:{_member_id(chat, '邻管理')}"] * 2
    for user in (twin, "east_leader", "far_supervisor", "cadre1"):
        assert "只有离任的队员本人可以添加" in press(chat, user, SheetButton("f", hid).pack()), user
    assert len(refused_with(chat, "handover.outgoing_only")) == 4
    assert "您还没有注册" in press(chat, STRANGER, SheetButton("v", hid).pack())
    assert len(audits(chat, "button.unregistered")) == 1
    assert "这份交接表不存在了" in press(chat, "cadre2", SheetButton("v", hid + 99).pack())
    assert CT.STALE_BUTTON in press(chat, "cadre2", f"hs:everything:{hid}")
    assert CT.STALE_BUTTON in press(chat, "cadre2", f"ho:{hid}:files")  # the old checklist's buttons
    # the right people still can
    assert "已指定张驻村为赵驻村的接任人" in press(chat, "leader", SuccessorButton(
        hid, _member_id(chat, "张驻村")).pack())
    assert "离任方已签字" in press(chat, "cadre2", SheetButton("so", hid).pack())


def test_handover_list_shows_only_ones_own(people: ChatHarness) -> None:
    chat = people
    _open_handover(chat)
    twin = twin_of(chat, "赵驻村")
    assert "/handover 只对" in chat.send(twin, "/handover")
    assert "您还没有注册" in chat.send(STRANGER, "/handover")
    for user in ("east_leader", "far_admin", "far_supervisor"):
        out = chat.send(user, "/handover")
        assert "现在没有进行中的交接" in out and "赵驻村的交接表" not in out, user
    assert "赵驻村的交接表" in chat.send("cadre1", "交接表")  # a teammate, by its Chinese name


# -- /term and /closeterm ---------------------------------------------------------------------------
def test_terms_are_set_and_closed_only_by_the_countys_admin(people: ChatHarness) -> None:
    chat = people
    zhao = _member_id(chat, "赵驻村")
    for text in ("/term 赵驻村 2026-12-20", f"/term {zhao} 2026-12-20", "/closeterm 赵驻村 理由：调走",
                 f"/closeterm {zhao} 理由：调走", "结束任期 赵驻村 理由：调走"):
        assert "这位成员不在您管理的县" in chat.send("far_admin", text), text
    assert len(refused_with(chat, "reminders.member_other_county")) == 5
    twin = twin_of(chat, "赵驻村")
    for user in (twin, "east_leader", "far_supervisor", "supervisor", "cadre2"):
        assert "/term 只对管理员开放" in chat.send(user, "/term 赵驻村 2026-12-20"), user
        assert "/closeterm 只对管理员开放" in chat.send(user, "/closeterm 赵驻村 理由：调走"), user
    assert "您还没有注册" in chat.send(STRANGER, "/term 赵驻村 2026-12-20")
    with chat.core.db.session() as s:
        m = s.get(Member, zhao)
        assert m is not None and m.active and m.term_end == date(2027, 3, 1)
    # the county's own administrator, by the command's Chinese name
    out = chat.send("admin", "设置任期 赵驻村 2026-12-20")
    assert "已设置：赵驻村的任期到 2026-12-20" in out and "到期前 60、30、15 天" in out


# -- /events and /addevent -----------------------------------------------------------------------------
def test_events_of_another_team_are_not_listed(people: ChatHarness) -> None:
    chat = people
    target = "/events 幸福村驻村工作队"
    assert "您只能查看本工作队的提醒安排" in chat.send("east_leader", target)
    assert "您只能查看本工作队的提醒安排" in chat.send("cadre1", "/events 东村驻村工作队")
    assert len(refused_with(chat, "reminders.other_team_read")) == 2
    for user in ("far_admin", "far_supervisor"):
        out = chat.send(user, target)
        assert "这个工作队不在您管理的县" in out and "每周五学习" not in out
    assert len(refused_with(chat, "reminders.other_county_read")) == 2
    assert "/events 只对" in chat.send(twin_of(chat, "王组长"), "/events")
    assert "您还没有注册" in chat.send(STRANGER, "/events")
    assert "幸福村驻村工作队 的提醒安排" in chat.send("admin", target)  # the county's own admin
    assert "幸福村驻村工作队 的提醒安排" in chat.send("cadre1", "提醒安排")


def test_addevent_only_for_managers_and_only_for_their_team(people: ChatHarness) -> None:
    chat = people
    for user in ("cadre1", twin_of(chat, "王组长")):
        assert "/addevent 只对" in chat.send(user, "/addevent 项目验收 | 2026-12-14 10:00 | 全队")
    assert "您还没有注册" in chat.send(STRANGER, "/addevent")
    chat.send("east_leader", "添加提醒 项目验收 | 2026-12-14 10:00 | 全队")
    assert "已添加" in chat.press("east_leader", "确认添加")
    with chat.core.db.session() as s:
        row = s.scalars(select(EventSeries).where(EventSeries.title == "项目验收")).one()
        assert s.get(Team, row.team_id).name == "东村驻村工作队"  # type: ignore[union-attr]


def test_addevent_explains_a_bad_time_in_chinese(chat: ChatHarness) -> None:
    chat.send("leader", "/addevent 项目验收")
    out = chat.send("leader", "每月32日 9:00")
    assert "看不懂时间「每月32日 9:00」" in out and "日期要写 1..31 或 -1（最后一天），收到的是 32" in out
    assert "cannot parse" not in out
    out = chat.send("leader", "每周八 9:00")
    assert "看不懂时间「每周八 9:00」" in out and "（" not in out.split("。例如")[1]
    chat.send("leader", "/cancel")
    out = chat.send("leader", "/addevent 验收 | 每周五 15:00 | 全队 | 大概前几天")
    assert "无法识别的提醒时间 '大概前几天'" in out


def test_a_manager_who_lost_the_role_mid_dialog_cannot_add(chat: ChatHarness) -> None:
    chat.send("leader", "/addevent 项目验收 | 2026-12-14 10:00 | 全队")
    with chat.core.db.session() as s:
        s.scalars(select(Member).where(Member.name == "王组长")).one().role = Role.CADRE.value
    assert "只有组长、第一书记和管理员可以管理提醒" in chat.press("leader", "确认添加")
    with chat.core.db.session() as s:
        assert s.scalars(select(EventSeries).where(EventSeries.title == "项目验收")).all() == []
    assert refused_with(chat, "reminders.manager_only") == ["member:1"]


# -- knowledge buttons ------------------------------------------------------------------------------------
def test_question_buttons_only_for_the_asker(people: ChatHarness) -> None:
    from conversations.knowledge.flow import ChoiceButton, QuestionButton

    chat = people
    chat.send("cadre1", "小额信贷")  # the base offers choices and [都不是]
    with chat.core.db.session() as s:
        q = s.scalars(select(KbQuestion)).one()
        entry = q.entry_id
    twin = twin_of(chat, "张驻村")  # villager id == the asker's member id
    data = [QuestionButton(a, q.id).pack() for a in ("n", "x", "f")] + [ChoiceButton(q.id, 0).pack()]
    for user in (twin, "east_leader", "far_supervisor", "far_admin", "cadre2"):
        for d in data:
            assert "这个按钮是给提问的人用的" in press(chat, user, d), (user, d)
    assert len(refused_with(chat, "knowledge.not_yours")) == 5 * len(data)
    for d in data:
        assert "您还没有注册" in press(chat, STRANGER, d)
    assert len(audits(chat, "button.unregistered")) == len(data)
    with chat.core.db.session() as s:
        q = s.get(KbQuestion, q.id)  # type: ignore[assignment]
        assert not q.unresolved and not q.forwarded and q.entry_id == entry
    assert "-> admin" not in chat.line("!clock 2026-11-23 09:05")  # nothing was forwarded
    assert "您还没有注册" in chat.send(STRANGER, "/ask 低保怎么申请")
    assert "/reload 只对管理员开放" in chat.send("far_supervisor", "重新加载知识库")


# -- the catalogues -----------------------------------------------------------------------------------------
def test_every_code_of_these_features_renders() -> None:
    mine = {c: t for c, t in codes().items() if c.startswith(("reminders.", "knowledge."))}
    assert len(mine) > 60
    for code in mine:
        params = {name: "X" for name in fields(code)}
        text = render(code, params)
        assert text != code and "{" not in text, code
        # every placeholder is a plain name: a service passes values, never words
        for _, name, spec, _ in string.Formatter().parse(mine[code]):
            assert name is None or name.isidentifier(), (code, name, spec)


def test_button_choices_match_the_rules() -> None:
    from core.features import build_registry

    reg = build_registry()
    assert set(get_args(rb.RunCommand)) - set(reg.commands) <= {"approvals", "leaves"}
    for name in ("events", "addevent", "handover", "term", "closeterm", "ask", "reload"):
        assert reg.commands[name].aliases, name
    assert sv.AUDIENCES.keys() == {"team", "villagers", "leaders"}


def test_handover_service_refuses_with_codes(demo) -> None:  # type: ignore[no-untyped-def]
    from services.errors import NotFound, UserError

    now = demo.clock.now()
    with demo.db.session() as s:
        with pytest.raises(NotFound) as exc:
            handover.find_member(s, "没有这个人")
        assert exc.value.code == "reminders.member_not_found" and exc.value.params == {"ref": "没有这个人"}
        zhao = handover.find_member(s, "赵驻村")
        with pytest.raises(UserError) as exc:
            handover.close_term(s, zhao, by="test", now=now)
        assert exc.value.code == "reminders.handover_not_started" and exc.value.params == {"name": "赵驻村"}
        h = handover.open_handover(s, zhao, now)
        with pytest.raises(UserError) as exc:
            handover.close_term(s, zhao, by="test", now=now)
        assert exc.value.code == "reminders.handover_incomplete"
        assert exc.value.params == {"name": "赵驻村", "left": 4}  # successor, 2 signatures, approval
        assert "赵驻村的交接还没有完成（还差 4 步" in str(exc.value)
        with pytest.raises(UserError) as exc:
            handover.set_term_end(s, handover.find_member(s, "陈监督"), date(2027, 1, 1), by="t", now=now)
        assert exc.value.code == "reminders.not_team_member"
        with pytest.raises(UserError) as exc:
            handover.set_term_end(s, zhao, date(2025, 1, 1), by="t", now=now)
        assert exc.value.code == "reminders.term_before_start"
        assert exc.value.params == {"start": date(2025, 3, 1)}
        assert h.ticks == {}


# -- issue #10: the text kept while asking "save as today's report?" --------------------------------------
def test_a_villager_with_the_same_id_cannot_take_a_cadres_kept_text(chat: ChatHarness) -> None:
    from conversations.reports.flow import OfferButton
    from storage.models import PendingReportText

    chat.send("cadre1", "今天上午走访了三户脱贫户，了解了他们家的收入情况和产业发展遇到的困难，"
                        "下午参加村两委会议，讨论了明年的产业项目安排。")
    with chat.core.db.session() as s:
        pid = s.scalars(select(PendingReportText.id)).one()
    twin = twin_of(chat, "张驻村")
    assert "这条内容不是您发的" in press(chat, twin, OfferButton("no", pid).pack())
    assert [a.actor for a in audits(chat)] == [f"villager:{_member_id(chat, '张驻村')}"]
    with chat.core.db.session() as s:
        assert s.get(PendingReportText, pid).used_at is None  # type: ignore[union-attr]
    assert "没有保存" in chat.press("cadre1", "不用了")  # the cadre's own button still works
