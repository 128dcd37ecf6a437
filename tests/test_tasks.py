"""The livelihood task list (民生任务表): tasks with an owner and a month, progress asked
monthly and given in one message, closing with evidence and the leader's check
(对账销号), the public list, the digest line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from conversations.tasks.buttons import TaskButton
from services import tasks
from services.errors import UserError
from storage.models import LivelihoodTask, TaskUpdate
from tests.harness import ChatHarness
from tests.issue15_support import actor, demo_team, member
from tests.strangers import press_data


def _task(chat: ChatHarness, problem: str, owner: str, due: date = date(2027, 3, 1)) -> int:
    now = chat.clock.now()
    with chat.core.db.session() as s:
        return tasks.create(s, actor(s, "leader", now), demo_team(s), problem=problem,
                            owner=member(s, owner), due_month=due, now=now).id


def test_a_task_is_added_in_four_taps_and_the_owner_is_told(chat: ChatHarness) -> None:
    chat.send("leader", "/newtask 三组自来水水压低，高处农户吃水难")
    chat.press("leader", "赵驻村")
    assert "看不懂「去年」" in chat.send("leader", "去年")
    out = chat.send("leader", "3月")
    assert "【吃水】三组自来水水压低，高处农户吃水难\n   责任人：赵驻村\n   计划完成：2027年3月" in out
    out = chat.press("leader", "添加")
    assert "已添加民生任务 #1" in out
    assert "-> cadre2: 📋 您被指定为民生任务 #1 的责任人：三组自来水水压低，高处农户吃水难（计划 2027年3月）" in out
    with chat.core.db.session() as s:
        t = s.scalars(select(LivelihoodTask)).one()
        assert (t.category, t.status, t.council, t.due_month) == ("water", "open", None, date(2027, 3, 1))


def test_progress_is_asked_monthly_and_given_in_one_message(chat: ChatHarness) -> None:
    chat.core.tick()
    road = _task(chat, "村东组道路坑洼，雨天无法通行", "张驻村")
    _task(chat, "三组自来水水压低", "赵驻村")
    # 赵驻村 already wrote this month: no reminder for him
    out = chat.send("cadre2", "进展 2 加压泵已订购")
    assert "已记下任务 #2 的11月进展" in out
    # 22 November 2026 is a Sunday: the reminder moves to Monday the 23rd, 10:00
    assert "民生任务进展" not in chat.clock_to("2026-11-23 09:59")
    out = chat.clock_to("2026-11-23 10:00")
    assert "-> cadre1: 📋 民生任务进展 · 11月" in out and "-> cadre2: 📋 民生任务进展" not in out
    chat.clock_to("2026-12-21 10:00")
    out = chat.clock_to("2026-12-22 10:00")
    assert "-> cadre1: 📋 民生任务进展 · 12月\n   张驻村，您负责的 1 项民生任务本月还没有填报进展" in out
    assert "-> cadre2: 📋 民生任务进展 · 12月" in out
    assert "民生任务进展" not in chat.clock_to("2026-12-22 10:05")  # once
    chat.press("cadre1", f"进展#{road}")
    assert "已记下任务 #1 的12月进展" in chat.send("cadre1", "@photo ROAD-1 路基测量完成")
    chat.press("cadre1", f"进展#{road}")
    assert "已记下任务 #1 的12月进展" in chat.send("cadre1", "@voice VOICE-9")  # a voice note is progress too
    # a photo with the command as its caption: one message
    assert "已记下任务 #1 的12月进展" in chat.send("cadre1", "@photo ROAD-2 进展 1 水泥已到位")
    with chat.core.db.session() as s:
        ups = s.scalars(select(TaskUpdate).where(TaskUpdate.task_id == road).order_by(TaskUpdate.id)).all()
        assert [(u.month, u.text, u.media) for u in ups] == [
            (date(2026, 12, 1), "路基测量完成", [{"kind": "photo", "file_id": "ROAD-1"}]),
            (date(2026, 12, 1), "", [{"kind": "voice", "file_id": "VOICE-9"}]),
            (date(2026, 12, 1), "水泥已到位", [{"kind": "photo", "file_id": "ROAD-2"}])]
    assert "请写编号" in chat.send("cadre1", "进展")  # which task? shown with its buttons


def test_closing_needs_evidence_and_the_leaders_check(chat: ChatHarness) -> None:
    tid = _task(chat, "三组自来水水压低", "赵驻村")
    chat.send("cadre2", f"/task {tid}")
    chat.press("cadre2", "申请销号")
    with chat.core.db.session() as s:
        with pytest.raises(UserError) as exc:
            tasks.report_done(s, actor(s, "cadre2", chat.clock.now()), s.get(LivelihoodTask, tid),  # type: ignore[arg-type]
                              "  ", [], chat.clock.now())
        assert exc.value.code == "tasks.need_evidence"
    out = chat.send("cadre2", "@photo WATER-1 加压泵已安装，高处农户水压正常")
    assert "已申请销号" in out
    assert "-> leader: 📋 民生任务申请销号，请核实" in out and "（照片：WATER-1）" in out
    # sent back with a reason, the owner is told and the task is open again
    chat.press("secretary", "退回")
    out = chat.send("secretary", "还缺高处农户的用水照片")
    assert "-> cadre2: ↩️ 民生任务 #1【吃水】三组自来水水压低 的销号申请被退回：还缺高处农户的用水照片" in out
    with chat.core.db.session() as s:
        assert s.get(LivelihoodTask, tid).status == "open"  # type: ignore[union-attr]
    press_data(chat, "cadre2", TaskButton("d", tid).pack())
    chat.send("cadre2", "@photo WATER-2 高处农户王家水龙头出水正常")
    out = press_data(chat, "leader", TaskButton("ok", tid).pack())
    assert "已核实销号" in out
    chat.channel.flush()
    with chat.core.db.session() as s:
        t = s.get(LivelihoodTask, tid)
        assert (t.status, t.closed_by_id) == ("closed", member(s, "王组长").id)  # type: ignore[union-attr]
    out = chat.send("villager", "/tasks")
    assert "【最近销号】\n   ✅ 三组自来水水压低" in out


def test_the_owner_who_leads_cannot_check_their_own_task(chat: ChatHarness) -> None:
    tid = _task(chat, "村部厕所改造", "王组长")
    press_data(chat, "leader", TaskButton("d", tid).pack())
    chat.send("leader", "已完工")
    assert "自己负责的任务不能自己核实销号" in press_data(chat, "leader", TaskButton("ok", tid).pack())
    assert "已核实销号" in press_data(chat, "secretary", TaskButton("ok", tid).pack())


def test_the_digest_counts_tasks_waiting_for_a_check_or_late(chat: ChatHarness) -> None:
    chat.core.tick()
    late = _task(chat, "路灯维修", "张驻村", due=date(2026, 11, 1))
    _task(chat, "村道修补", "张驻村")
    chat.clock_to("2026-12-01 07:59")
    out = chat.clock_to("2026-12-01 08:00")
    assert "【民生任务】未销号 2 项，逾期 1 项（/tasks）" in out
    with chat.core.db.session() as s:
        assert tasks.counts_by_team(s, [demo_team(s).id], date(2026, 12, 1))[demo_team(s).id] == {
            "open": 2, "checking": 0, "overdue": 1}
    assert late


@pytest.mark.parametrize("text, want", [
    ("2027-03", date(2027, 3, 1)), ("2027年3月", date(2027, 3, 1)), ("3月", date(2027, 3, 1)),
    ("12月", date(2026, 12, 1)), ("11月", date(2026, 11, 1)), ("本月", date(2026, 11, 1)),
    ("下月", date(2026, 12, 1)), ("三个月内", date(2027, 2, 1)), ("年底", date(2026, 12, 1)),
    ("2026-10", None), ("去年", None), ("2040-01", None), ("13月", None)])
def test_due_months_read_as_people_write_them(text: str, want: date | None) -> None:
    assert tasks.parse_due_month(text, date(2026, 11, 29)) == want


@pytest.mark.parametrize("problem, category", [
    ("村东组道路坑洼，雨天无法通行", "travel"), ("三组自来水水压低", "water"), ("村卫生室缺药", "health"),
    ("村小学门口没有路灯，学生放学不安全", "school"), ("村部需要修缮", "other")])
def test_categories_follow_the_seeds_four_difficulties(problem: str, category: str) -> None:
    assert tasks.guess_category(problem) == category
