"""Tasks, projects with their funds, council decisions and handover sheets in the team
workbook, and the same sheets written over several teams (what a county workbook uses:
services.export.teams_sheets())."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from services import council, export, handover, projects, tasks
from storage.models import Member, Team
from tests.harness import ChatHarness
from tests.issue15_support import actor, demo_team, member
from tests.strangers import add_strangers


def _month_of_work(chat: ChatHarness) -> None:
    """In November: a project approved, started and paid from; a task; a handover opened."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        team, c1, leader = demo_team(s), actor(s, "cadre1", now), actor(s, "leader", now)
        p = projects.create(s, c1, team, title="村东组道路硬化", fund_source="财政衔接资金",
                            amount_fen=12_000_000, now=now)
        tasks.create(s, c1, team, problem="村小学门口没有路灯", owner=member(s, "张驻村"),
                     due_month=date(2027, 3, 1), now=now)
        m = council.call_meeting(s, leader, team, "representative", now + timedelta(hours=1), now,
                                 "村民代表会议（加开）")
        council.record(s, leader, m, [council.Decision(i.id, council.APPROVED, (23, 2, 1))
                                      for i in council.items(s, m.id)], "纪要", [], now + timedelta(hours=2))
        later = now + timedelta(hours=3)
        projects.start(s, c1, p, later)
        projects.spend(s, c1, p, 3_600_000, "购买水泥和砂石", [{"kind": "photo", "file_id": "R-1"}], later)
        zhao = member(s, "赵驻村")
        zhao.term_end = date(2026, 12, 1)
        handover.sync_items(s, handover.open_handover(s, zhao, later), later)


def test_the_team_workbook_has_the_four_new_sheets(chat: ChatHarness, tmp_path: Path) -> None:
    _month_of_work(chat)
    chat.send("leader", "/export 2026-11")
    wb = load_workbook(tmp_path / "out" / "幸福村驻村工作队-2026-11-驻村工作.xlsx")
    rows = {name: list(wb[name].iter_rows(values_only=True)) for name in
            ("民生任务", "项目资金", "项目资金明细", "议事会决定", "交接表")}
    assert rows["民生任务"][1][1:7] == (1, "上学", "村小学门口没有路灯", "张驻村", "2027年3月", "进行中")
    project = dict(zip(rows["项目资金"][0], rows["项目资金"][1], strict=True))
    assert (project["项目"], project["资金来源"], project["批准资金（元）"], project["累计支出（元）"],
            project["本月支出（元）"], project["结余（元）"]) == ("村东组道路硬化", "财政衔接资金", 120000, 36000,
                                                            36000, 84000)
    assert project["议事会决定"].endswith("村民代表会议 通过")
    assert [r[3] for r in rows["项目资金明细"][1:]] == ["开工", "支出"]
    decision = dict(zip(rows["议事会决定"][0], rows["议事会决定"][1], strict=True))
    assert (decision["类别"], decision["事项"], decision["决定"], decision["赞成"], decision["会议纪要"]) == (
        "项目", "村东组道路硬化", "通过", 23, "纪要")
    # 赵驻村 owns no task or project: one row for the sheet itself
    assert [(r[1], r[5]) for r in rows["交接表"][1:]] == [("赵驻村", None)]


def test_the_sheets_are_written_over_several_teams(chat: ChatHarness) -> None:
    add_strangers(chat)
    now = chat.clock.now()
    with chat.core.db.session() as s:
        near = s.scalars(select(Team).where(Team.name == "邻村驻村工作队")).one()
        other = s.scalars(select(Member).where(Member.name == "邻村干部")).one()
        tasks.create(s, actor(s, "othercadre", now), near, problem="邻村水井干涸", owner=other,
                     due_month=date(2027, 1, 1), now=now)
        tasks.create(s, actor(s, "cadre1", now), demo_team(s), problem="村小学门口没有路灯",
                     owner=member(s, "张驻村"), due_month=date(2027, 3, 1), now=now)
        ids = [demo_team(s).id, near.id]
        fns = dict(export.teams_sheets())
        assert list(fns) == ["民生任务", "项目资金", "项目资金明细", "议事会决定", "交接表"]
        headers, rows, widths = fns["民生任务"](s, ids, date(2026, 11, 1))
        assert len(headers) == len(widths) == len(rows[0])
        assert sorted((r[0], r[3]) for r in rows) == [("幸福村驻村工作队", "村小学门口没有路灯"),
                                                       ("邻村驻村工作队", "邻村水井干涸")]
        for name, fn in fns.items():
            headers, rows, widths = fn(s, ids, date(2026, 11, 1))
            assert len(headers) == len(widths), name


def test_the_county_workbook_carries_the_sheets(chat: ChatHarness, tmp_path: Path) -> None:
    """What `bot.py admin export --county` and the workspace write (issue #13's workbook)."""
    from services.workspace.workbook import build_county_workbook, county_sheets

    _month_of_work(chat)
    add_strangers(chat)
    assert county_sheets()[-5:] == ["民生任务", "项目资金", "项目资金明细", "议事会决定", "交接表"]
    with chat.core.db.session() as s:
        ids = [t.id for t in s.scalars(select(Team).order_by(Team.id))]
        path = build_county_workbook(s, ids, date(2026, 11, 1), tmp_path / "county.xlsx", chat.core.settings)
    wb = load_workbook(path)
    assert [r[2] for r in wb["项目资金"].iter_rows(min_row=2, values_only=True)] == ["村东组道路硬化"]
    assert [r[0] for r in wb["民生任务"].iter_rows(min_row=2, values_only=True)] == ["幸福村驻村工作队"]
