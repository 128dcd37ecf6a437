"""Projects and funds: a project without the council's approving decision cannot start;
spending stays within what the council approved; a fund use put to the council raises
the budget; approval, milestones and completion reach the villagers of the village."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conversations.council.text import money
from conversations.projects.buttons import ProjectButton
from services import council, projects
from services.errors import UserError
from storage.models import Project, ProjectEntry
from tests.harness import ChatHarness
from tests.issue15_support import actor, demo_team
from tests.strangers import press_data


def _propose(chat: ChatHarness, title: str = "村东组道路硬化", fen: int = 12_000_000) -> int:
    now = chat.clock.now()
    with chat.core.db.session() as s:
        return projects.create(s, actor(s, "cadre1", now), demo_team(s), title=title,
                               fund_source="财政衔接资金", amount_fen=fen, now=now).id


def _decide(chat: ChatHarness, decision: str, kind: str = "project") -> None:
    """A meeting held an hour ago decides everything on its agenda the same way."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        leader = actor(s, "leader", now)
        m = council.call_meeting(s, leader, demo_team(s), "representative", now + timedelta(minutes=1),
                                 now, "村民代表会议（加开）")
        items = council.items(s, m.id)
        assert kind in {i.subject_kind for i in items}
        council.record(s, leader, m, [council.Decision(i.id, decision) for i in items], None, [],
                       now + timedelta(hours=1))


def test_a_project_without_a_council_decision_cannot_start(chat: ChatHarness) -> None:
    pid = _propose(chat)
    now = chat.clock.now()
    with chat.core.db.session() as s:
        p = s.get(Project, pid)
        with pytest.raises(UserError) as exc:
            projects.start(s, actor(s, "cadre1", now), p, now)  # type: ignore[arg-type]
        assert exc.value.code == "projects.no_decision" and exc.value.params == {"title": "村东组道路硬化"}
        # a decision_id pointing at something that is not an approval does not count either
        p.status = "approved"  # type: ignore[union-attr]
        with pytest.raises(UserError):
            projects.start(s, actor(s, "cadre1", now), p, now)  # type: ignore[arg-type]
        p.status = "proposed"  # type: ignore[union-attr]
    # in chat: no start button is shown, and a forged press is refused in words
    assert "[开工]" not in chat.send("cadre1", f"/project {pid}")
    for user in ("cadre1", "leader"):
        out = press_data(chat, user, ProjectButton("s", pid).pack())
        assert "还没有经村民议事会通过，不能开工" in out
    # nor may money be spent or progress recorded on it
    for action in ("sp", "p", "d"):
        assert "还没有开工" in press_data(chat, "cadre1", ProjectButton(action, pid).pack())
    assert "先等项目本身通过再申请追加资金" in press_data(chat, "cadre1", ProjectButton("f", pid).pack())
    with chat.core.db.session() as s:
        assert s.get(Project, pid).status == "proposed"  # type: ignore[union-attr]
        assert s.scalars(select(ProjectEntry)).all() == []
        with pytest.raises(UserError) as exc:
            projects.spend(s, actor(s, "cadre1", now), s.get(Project, pid), 100, "水泥", [], now)  # type: ignore[arg-type]
        assert exc.value.code == "projects.not_started"


def test_a_rejected_project_cannot_start_and_an_approved_one_can(chat: ChatHarness) -> None:
    rejected = _propose(chat, "村口牌坊")
    _decide(chat, council.REJECTED)
    chat.clock_to("2026-11-24 09:00")
    approved = _propose(chat, "村东组道路硬化")
    _decide(chat, council.APPROVED)
    assert "不能开工" in press_data(chat, "cadre1", ProjectButton("s", rejected).pack())
    out = press_data(chat, "cadre1", ProjectButton("s", approved).pack())
    assert "「村东组道路硬化」已开工" in out
    assert "已经开工了" in press_data(chat, "cadre1", ProjectButton("s", approved).pack())


def test_spending_stays_within_the_budget_and_a_fund_use_goes_to_the_council(chat: ChatHarness) -> None:
    pid = _propose(chat)
    _decide(chat, council.APPROVED)
    press_data(chat, "cadre1", ProjectButton("s", pid).pack())
    chat.send("cadre1", f"/project {pid}")
    chat.press("cadre1", "记支出")
    assert "请在开头写金额" in chat.send("cadre1", "买水泥")
    out = chat.send("cadre1", "@photo RECEIPT-1 3.6万 购买水泥和砂石")
    assert "已记支出 3.6万元。「村东组道路硬化」批准 12万元，已支出 3.6万元，结余 8.4万元" in out
    chat.send("cadre1", f"/project {pid}")
    chat.press("cadre1", "记支出")
    out = chat.send("cadre1", "90000元 浇筑路面")
    assert "批准的资金是 120,000.00元，已支出 36,000.00元，还剩 84,000.00元" in out
    chat.press("cadre1", "追加资金")
    assert "已申请追加 1.5万元" in chat.send("cadre1", "1.5万 增加排水沟")
    with chat.core.db.session() as s:
        assert [(e.kind, e.amount_fen, e.status) for e in projects.entries(s, pid)] == [
            ("start", None, None), ("spend", 3_600_000, None), ("fund", 1_500_000, "waiting")]
        assert [e.kind for e in council.waiting(s, demo_team(s).id)] == ["fund"]
    chat.clock_to("2026-11-24 09:00")
    _decide(chat, council.APPROVED, kind="fund")
    with chat.core.db.session() as s:
        p = s.get(Project, pid)
        assert p.budget_fen == 13_500_000  # type: ignore[union-attr]
        projects.spend(s, actor(s, "cadre1", chat.clock.now()), p, 9_000_000, "浇筑路面", [],  # type: ignore[arg-type]
                       chat.clock.now())
        assert projects.spent(s, [pid])[pid] == 12_600_000


def test_milestones_and_completion_are_published_to_the_village(chat: ChatHarness) -> None:
    pid = _propose(chat)
    _decide(chat, council.APPROVED)
    press_data(chat, "cadre1", ProjectButton("s", pid).pack())
    chat.send("cadre1", f"/project {pid}")
    chat.press("cadre1", "记进展")
    chat.send("cadre1", "备料完成")
    assert "-> villager" not in chat.press("cadre1", "只保存")
    chat.send("cadre1", f"/project {pid}")
    chat.press("cadre1", "记进展")
    chat.send("cadre1", "@photo ROAD-1 路基已完成，开始浇筑路面")
    out = chat.press("cadre1", "保存并公示")
    assert "-> villager: 📢 项目进展公示：村东组道路硬化\n   路基已完成，开始浇筑路面" in out
    chat.send("cadre1", f"/project {pid}")
    chat.press("cadre1", "完工")
    out = chat.send("cadre1", "@photo DONE-1 全长1.2公里，已通过镇里验收")
    assert "-> villager: 📢 项目完工公示：村东组道路硬化" in out and "实际支出 0元" in out
    assert "已经完工了" in press_data(chat, "cadre1", ProjectButton("p", pid).pack())
    assert "[记进展]" not in chat.send("cadre1", f"/project {pid}")
    out = chat.send("villager", f"/project {pid}")
    assert "已完工" in out and "[" not in out.split("\n", 1)[1]  # no buttons for the village


@pytest.mark.parametrize("text, fen", [("12万", 12_000_000), ("12.5万元", 12_500_000), ("120000", 12_000_000),
                                       ("1,200元", 120_000), ("¥3000", 300_000), ("3千", 300_000),
                                       ("0", None), ("十万", None), ("-5", None), ("99999999999万", None)])
def test_amounts_read_as_people_write_them(text: str, fen: int | None) -> None:
    assert projects.parse_amount(text) == fen


@pytest.mark.parametrize("fen, words", [(12_000_000, "12万元"), (12_500_000, "12.5万元"), (350_000, "3,500元"),
                                        (123_456, "1,234.56元"), (0, "0元"), (1_234_567_800, "12,345,678元"),
                                        (1_234_500_000, "1234.5万元")])
def test_amounts_are_written_as_people_read_them(fen: int, words: str) -> None:
    assert money(fen) == words
