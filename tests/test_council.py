"""The villager council (村民议事会): series active by default with their dates, agendas built
from what waits for a decision, decisions recorded after the meeting and applied to their
subjects, villagers of the village told, dates the village moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from reminders.defaults import default_series
from reminders.leads import Lead
from services import admin, council, projects, tasks
from services.errors import UserError
from storage.models import (
    CouncilItem,
    CouncilMeeting,
    EventSeries,
    Identity,
    LivelihoodTask,
    OutboxMessage,
    Project,
    Villager,
)
from tests.harness import ChatHarness
from tests.issue15_support import actor, demo_team, member

SH = ZoneInfo("Asia/Shanghai")


def texts_to(chat: ChatHarness, chat_id: str, prefix: str = "") -> list[str]:
    with chat.core.db.session() as s:
        return [r.payload["text"] for r in s.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.id))]


def _waiting_three(chat: ChatHarness) -> None:
    """Two projects and a task put to the council, as in the issue's walk."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        team = demo_team(s)
        c1 = actor(s, "cadre1", now)
        projects.create(s, c1, team, title="村东组道路硬化", fund_source="财政衔接资金",
                        amount_fen=12_000_000, now=now)
        projects.create(s, c1, team, title="三组饮水管网改造", fund_source="帮扶单位资金",
                        amount_fen=8_500_000, now=now)
        tasks.create(s, c1, team, problem="村小学门口没有路灯", owner=member(s, "张驻村"),
                     due_month=date(2027, 3, 1), now=now, to_council=True)


def test_the_two_meetings_are_active_defaults_with_notice() -> None:
    by_key = {t.key: t for t in default_series()}
    for key in ("villager_representative_meeting", "villager_meeting"):
        assert by_key[key].active and by_key[key].kind == "council"
        assert "villager" in by_key[key].audience
    assert by_key["villager_representative_meeting"].spec.kind == "quarterly"
    assert Lead(days=10, at="09:00") in by_key["villager_meeting"].leads  # 10 days' notice


def test_the_quarterly_notice_carries_the_agenda_to_team_and_village(chat: ChatHarness) -> None:
    chat.core.tick()
    _waiting_three(chat)
    # a villager of another village hears nothing of this one's council
    with chat.core.db.session() as s:
        v = admin.add_village(s, county="示范县", township="示范镇", name="邻村", now=chat.clock.now())
        far = Villager(name="邻村村民", village_id=v.id, created_at=chat.clock.now())
        s.add(far)
        s.flush()
        s.add(Identity(platform="console", external_id="farvillager", chat_id="farvillager",
                       villager_id=far.id, created_at=chat.clock.now(), last_seen_at=chat.clock.now()))
    chat.clock_to("2027-02-12 08:59")
    out = chat.clock_to("2027-02-12 09:00")  # three days before 15 Feb
    head = "-> villager: 📢 村里通知：2月15日（周一）09:00 召开村民代表会议（村民议事会）（还有3天）"
    assert head in out
    notice = out.split(head, 1)[1].split("\n-> ", 1)[0]
    for line in ("1. 项目：村东组道路硬化（财政衔接资金，12万元）", "2. 项目：三组饮水管网改造（帮扶单位资金，8.5万元）",
                 "3. 民生任务：村小学门口没有路灯（责任人 张驻村）"):
        assert line in notice
    assert "-> cadre1: 🏛 村民代表会议 · 2月15日（周一）09:00（还有3天）" in out
    assert "farvillager" not in out
    # a project proposed after the first notice joins the agenda at the next one
    with chat.core.db.session() as s:
        projects.create(s, actor(s, "cadre2", chat.clock.now()), demo_team(s), title="文化广场路灯",
                        fund_source="村集体经济收入", amount_fen=2_000_000, now=chat.clock.now())
    out = chat.clock_to("2027-02-14 18:00")
    assert "4. 项目：文化广场路灯（村集体经济收入，2万元）" in out
    with chat.core.db.session() as s:
        m = s.scalars(select(CouncilMeeting).where(CouncilMeeting.kind == "representative")).one()
        assert len(council.items(s, m.id)) == 4
        # the yearly 村民会议 of 15 January fell in the jump: it exists, with no agenda sent
        yearly = s.scalars(select(CouncilMeeting).where(CouncilMeeting.kind == "villager")).one()
        assert council.items(s, yearly.id) == []
    assert chat.clock_to("2027-02-14 18:01").count("村民代表会议") == 0  # nothing twice


def test_decisions_are_recorded_after_the_meeting_applied_and_published(chat: ChatHarness) -> None:
    chat.core.tick()
    _waiting_three(chat)
    chat.send("leader", "/council")
    chat.press("leader", "加开会议")
    chat.press("leader", "村民代表会议")
    assert "请确认：村民代表会议 · 11月25日（周三）15:00" in chat.send("leader", "后天下午3点")
    out = chat.press("leader", "确认召开")
    assert "已召开" in out and "-> villager: 📢 村里通知：11月25日（周三）15:00 召开村民代表会议" in out
    with chat.core.db.session() as s:
        mid = s.scalars(select(CouncilMeeting.id)).one()
    from conversations.council.buttons import CouncilButton
    from tests.strangers import press_data

    assert "会议还没有开" in press_data(chat, "leader", CouncilButton("r", mid).pack())
    chat.clock_to("2026-11-25 17:00")
    chat.send("leader", "/council")
    chat.press("leader", "记录决定：11月25日")
    assert "没有看懂结果" in chat.send("leader", "再议")
    chat.send("leader", "同意 赞成23 反对2 弃权1")
    chat.press("leader", "不通过")
    chat.press("leader", "暂缓")
    chat.press("leader", "没有纪要")
    out = chat.press("leader", "确认并公示")
    assert "已记录「11月25日（周三）15:00 村民代表会议」的 3 项决定" in out
    assert ("-> villager: 📢 议事会决定公示 · 11月25日（周三）15:00 村民代表会议\n"
            "   1. 项目：村东组道路硬化（财政衔接资金，12万元） — 通过（赞成23 反对2 弃权1）\n"
            "   2. 项目：三组饮水管网改造（帮扶单位资金，8.5万元） — 不通过\n"
            "   3. 民生任务：村小学门口没有路灯（责任人 张驻村） — 暂缓") in out
    with chat.core.db.session() as s:
        road, water = s.scalars(select(Project).order_by(Project.id)).all()
        assert (road.status, road.budget_fen, road.decision_id is not None) == ("approved", 12_000_000, True)
        assert water.status == "rejected"
        task = s.scalars(select(LivelihoodTask)).one()
        assert (task.status, task.council) == ("open", "waiting")  # deferred: waits again
        assert [e.kind for e in council.waiting(s, task.team_id, unscheduled=True)] == ["task"]
        item = s.scalars(select(CouncilItem).where(CouncilItem.subject_kind == "project")
                         .order_by(CouncilItem.id)).first()
        assert (item.votes_for, item.votes_against, item.votes_abstain) == (23, 2, 1)  # type: ignore[union-attr]
    assert "已经记录过了" in press_data(chat, "leader", CouncilButton("r", mid).pack())


def test_a_rejected_task_leaves_the_list(chat: ChatHarness) -> None:
    now = chat.clock.now()
    with chat.core.db.session() as s:
        team, leader = demo_team(s), actor(s, "leader", now)
        t = tasks.create(s, leader, team, problem="修村口牌坊", owner=member(s, "张驻村"),
                         due_month=date(2027, 3, 1), now=now, to_council=True)
        m = council.call_meeting(s, leader, team, "villager", now + timedelta(hours=1), now, "村民会议")
        items = council.items(s, m.id)
        with pytest.raises(UserError) as exc:
            council.record(s, leader, m, [], None, [], now + timedelta(hours=2))
        assert exc.value.code == "council.decisions_missing" and exc.value.params == {"n": 1}
        council.record(s, leader, m, [council.Decision(items[0].id, council.REJECTED)], "否决", [],
                       now + timedelta(hours=2))
        assert (t.status, t.council) == ("dropped", "rejected")
        assert tasks.team_tasks(s, team.id) == []


def test_the_village_moves_its_meeting(chat: ChatHarness) -> None:
    chat.core.tick()
    chat.send("secretary", "/council")
    chat.press("secretary", "改会议时间")
    chat.press("secretary", "村民代表会议")
    assert "请写一个周期" in chat.send("secretary", "2026-12-10 15:00")
    out = chat.send("secretary", "每季度第一个月10日 9:00 顺延")
    assert "改为：每季度第一个月10日 09:00（遇法定节假日顺延），下次 1月11日（周一）09:00" in out
    assert "已修改" in chat.press("secretary", "确认修改")
    with chat.core.db.session() as s:
        row = s.scalars(select(EventSeries).where(EventSeries.key == "villager_representative_meeting")).one()
        assert (row.spec["kind"], row.spec["month"], row.spec["day"]) == ("quarterly", 1, 10)
    assert "每季度第一个月10日" in chat.send("villager", "/council")


@pytest.mark.parametrize("text, want", [
    ("通过 赞成23 反对2 弃权1", ("approved", (23, 2, 1))), ("不通过", ("rejected", None)),
    ("暂缓", ("deferred", None)), ("否决 5比20", ("rejected", (5, 20, 0))),
    ("反对2 赞成30 通过", ("approved", (30, 2, 0))), ("23:2:1", (None, (23, 2, 1))),
    ("再议", (None, None))])
def test_decisions_read_as_people_write_them(text: str, want: tuple) -> None:  # type: ignore[type-arg]
    assert council.parse_decision(text) == want


@pytest.mark.parametrize("text, want", [
    ("2026-12-10 15:00", datetime(2026, 12, 10, 15, 0)), ("12月10日 15:00", datetime(2026, 12, 10, 15, 0)),
    ("下周四下午3点", datetime(2026, 12, 3, 15, 0)), ("后天上午9点半", datetime(2026, 12, 1, 9, 30)),
    ("15:00", None), ("开会", None), ("2026-02-30 9:00", None)])
def test_meeting_times_read_as_people_write_them(text: str, want: datetime | None) -> None:
    now = datetime(2026, 11, 29, 10, 0, tzinfo=SH)
    got = council.parse_meeting_time(text, now, "Asia/Shanghai")
    assert (got.replace(tzinfo=None) if got else None) == want
    if got is not None:
        assert got.utcoffset() == timedelta(hours=8) and got.astimezone(UTC).tzinfo is UTC
