"""Every button and command of issue #15 — the council, the task list, projects and funds,
the work summaries — pressed or typed by the wrong person: a villager whose villager id
equals the owner's member id, a member of the team without the role, a cadre and a
leader of another team of the county, a supervisor and an administrator of another
county, the county's own supervisor and administrator where only the team may act, and
someone never registered. Each gets a refusal in words and leaves an audit row with the
refusal's code; nothing they pressed changed anything. (The handover sheet's buttons:
tests/test_handover_sheet.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conversations.council.buttons import CouncilButton
from conversations.projects.buttons import ProjectButton
from conversations.summaries.buttons import SummaryButton
from conversations.tasks.buttons import TaskButton
from storage.models import (
    AuditEvent,
    CouncilMeeting,
    Identity,
    LivelihoodTask,
    Project,
    TaskUpdate,
    WorkSummary,
)
from tests.harness import ChatHarness
from tests.issue15_support import Objects, make_objects
from tests.strangers import (
    UNREGISTERED,
    add_other_leader,
    add_strangers,
    audits,
    press_data,
    villager_as,
)

OTHERS = ("othercadre", "otherleader", "othersup", "otheradmin")  # another team or county
COUNTY = ("supervisor", "admin")  # this county's staff: they read, the team acts


@pytest.fixture
def world(chat: ChatHarness) -> tuple[ChatHarness, Objects, str]:
    add_strangers(chat)
    add_other_leader(chat)
    chat.core.tick()  # default series for every team
    objs = make_objects(chat)
    twin = villager_as(chat, "cadre1")  # a villager of 幸福村 whose id is 张驻村's member id
    return chat, objs, twin


def refusals(chat: ChatHarness) -> list[tuple[str, str]]:
    """(actor, code) of every audited refusal so far."""
    with chat.core.db.session() as s:
        return [(a.actor, a.detail.get("detail")) for a in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "refused").order_by(AuditEvent.id))]


def key_of(chat: ChatHarness, user: str) -> str:
    with chat.core.db.session() as s:
        ident = s.scalars(select(Identity).where(Identity.external_id == user)).one()
        return f"member:{ident.member_id}" if ident.member_id else f"villager:{ident.villager_id}"


WORDS = {
    "council.not_your_team": "这是别的村（工作队）的公开事项",
    "council.team_members_only": "只有本工作队的成员可以办理",
    "council.managers_only": "只有本队的组长和第一书记可以办理",
    "tasks.owner_only": "只有这项任务的责任人和本队的组长、第一书记可以办理",
    "tasks.checkers_only": "只有本队的组长和第一书记可以核实销号",
    "projects.owner_only": "只有项目负责人和本队的组长、第一书记可以办理这个项目",
    "summaries.not_yours": "这份工作总结不是您的",
}


def expect_refused(chat: ChatHarness, user: str, data: str, code: str) -> None:
    before = len(refusals(chat))
    out = press_data(chat, user, data)
    assert WORDS[code] in out, (user, data, out)
    got = refusals(chat)[before:]
    assert got == [(key_of(chat, user), code)], (user, data, got)


# -- the council's buttons ----------------------------------------------------------------------
def test_council_buttons_refuse_by_role_team_and_county(world) -> None:  # type: ignore[no-untyped-def]
    chat, o, twin = world
    record, minutes, view = (CouncilButton("r", o.held).pack(), CouncilButton("m", o.recorded).pack(),
                             CouncilButton("v", o.held).pack())
    for user in OTHERS:
        for data in (record, minutes, view):
            expect_refused(chat, user, data, "council.not_your_team")
    expect_refused(chat, twin, record, "council.team_members_only")
    expect_refused(chat, twin, minutes, "council.team_members_only")
    for user in ("cadre1", "cadre2"):
        expect_refused(chat, user, record, "council.managers_only")
    for user in COUNTY:
        expect_refused(chat, user, record, "council.team_members_only")
    for action in ("c", "t"):
        data = CouncilButton(action, 0).pack()
        for user in (twin, "othersup", "otheradmin", *COUNTY):
            expect_refused(chat, user, data, "council.team_members_only")
        for user in ("cadre1", "othercadre"):
            expect_refused(chat, user, data, "council.managers_only")
    # the agenda is public to the village; the county reads the minutes
    assert "议程" in press_data(chat, twin, view)
    assert "纪要" in press_data(chat, "supervisor", minutes)
    # a leader of another team calls meetings for their own team only
    assert "加开哪种会议" in press_data(chat, "otherleader", CouncilButton("c", 0).pack())
    with chat.core.db.session() as s:
        assert s.get(CouncilMeeting, o.held).status == "planned"  # type: ignore[union-attr]


# -- the task list's buttons ----------------------------------------------------------------------
def test_task_buttons_refuse_by_role_team_and_county(world) -> None:  # type: ignore[no-untyped-def]
    chat, o, twin = world
    for user in OTHERS:
        for action in ("v", "p", "d", "cn", "md"):
            expect_refused(chat, user, TaskButton(action, o.task).pack(), "council.not_your_team")
        for action in ("ok", "b"):
            expect_refused(chat, user, TaskButton(action, o.checking).pack(), "council.not_your_team")
    for action in ("p", "d", "cn", "md"):
        expect_refused(chat, twin, TaskButton(action, o.task).pack(), "council.team_members_only")
    for action in ("ok", "b"):
        expect_refused(chat, twin, TaskButton(action, o.checking).pack(), "council.team_members_only")
        # a teammate, and the owner themself, may not check it
        expect_refused(chat, "cadre2", TaskButton(action, o.checking).pack(), "tasks.checkers_only")
        expect_refused(chat, "cadre1", TaskButton(action, o.checking).pack(), "tasks.checkers_only")
    for action in ("p", "d"):
        expect_refused(chat, "cadre2", TaskButton(action, o.task).pack(), "tasks.owner_only")
        for user in COUNTY:
            expect_refused(chat, user, TaskButton(action, o.task).pack(), "council.team_members_only")
    expect_refused(chat, "cadre2", TaskButton("cn", o.task).pack(), "council.managers_only")
    for user in (twin, "othersup", "otheradmin", *COUNTY):
        expect_refused(chat, user, TaskButton("new", 0).pack(), "council.team_members_only")
    with chat.core.db.session() as s:
        assert s.get(LivelihoodTask, o.checking).status == "checking"  # type: ignore[union-attr]
        assert s.get(LivelihoodTask, o.task).council is None  # type: ignore[union-attr]
    # the public list stays readable by the village, and the leader still checks
    assert "三组自来水水压低" in press_data(chat, twin, TaskButton("v", o.checking).pack())
    assert "已核实销号" in press_data(chat, "leader", TaskButton("ok", o.checking).pack())


# -- projects' buttons ---------------------------------------------------------------------------------
def test_project_buttons_refuse_by_role_team_and_county(world) -> None:  # type: ignore[no-untyped-def]
    chat, o, twin = world
    actions = ("s", "p", "sp", "f", "d", "md")
    for user in OTHERS:
        for action in ("v", *actions):
            expect_refused(chat, user, ProjectButton(action, o.approved).pack(), "council.not_your_team")
    for action in actions:
        expect_refused(chat, twin, ProjectButton(action, o.approved).pack(), "council.team_members_only")
    for action in ("s", "p", "sp", "f", "d"):
        expect_refused(chat, "cadre2", ProjectButton(action, o.approved).pack(), "projects.owner_only")
        for user in COUNTY:
            expect_refused(chat, user, ProjectButton(action, o.approved).pack(), "council.team_members_only")
    for user in (twin, "othersup", "otheradmin", *COUNTY):
        expect_refused(chat, user, ProjectButton("new", 0).pack(), "council.team_members_only")
    with chat.core.db.session() as s:
        assert s.get(Project, o.approved).status == "approved"  # type: ignore[union-attr]
    assert "村东组道路硬化" in press_data(chat, twin, ProjectButton("v", o.approved).pack())  # public
    assert "已开工" in press_data(chat, "cadre1", ProjectButton("s", o.approved).pack())


# -- the work summary's buttons -----------------------------------------------------------------------
def test_summary_buttons_are_the_owners_only(world) -> None:  # type: ignore[no-untyped-def]
    chat, _, twin = world
    chat.send("cadre1", "/summary")
    with chat.core.db.session() as s:
        rec = s.scalars(select(WorkSummary)).one()
    for action in ("submit", "later"):
        for user in (twin, "cadre2", "leader", *OTHERS, *COUNTY):
            expect_refused(chat, user, SummaryButton(action, rec.id).pack(), "summaries.not_yours")
    with chat.core.db.session() as s:
        assert s.get(WorkSummary, rec.id).status == "draft"  # type: ignore[union-attr]
    assert "已提交" in chat.press("cadre1", "提交")


def test_unregistered_and_forged_presses(world) -> None:  # type: ignore[no-untyped-def]
    chat, o, _ = world
    for data in (CouncilButton("v", o.held).pack(), TaskButton("v", o.task).pack(),
                 ProjectButton("v", o.approved).pack(), SummaryButton("later", 1).pack()):
        assert "您还没有注册" in press_data(chat, UNREGISTERED, data)
    assert audits(chat, "button.unregistered") == 4
    for data in ("cn:x:1", "tk:v:" + "9" * 20, "pj:start:1", "sm:submit", "tk:v:-1"):
        assert "这个按钮已经失效了" in press_data(chat, "leader", data), data
    assert audits(chat, "button.malformed") == 5


# -- commands ------------------------------------------------------------------------------------------
def test_commands_refuse_by_role_team_and_county(world) -> None:  # type: ignore[no-untyped-def]
    chat, o, twin = world
    team = "幸福村驻村工作队"
    for user in OTHERS:
        for text in (f"/tasks {team}", f"/projects {team}", f"/council {team}", f"/task {o.task}",
                     f"/project {o.approved}", f"任务详情 {o.task}", f"议事会 {team}"):
            before = len(refusals(chat))
            assert WORDS["council.not_your_team"] in chat.send(user, text), (user, text)
            assert refusals(chat)[before:] == [(key_of(chat, user), "council.not_your_team")]
    # villagers, supervisors and administrators do not add to a team's work
    for user in (twin, *COUNTY, "othersup", "otheradmin"):
        for cmd in ("newtask", "newproject", "progress", "summary", "handover"):
            if cmd == "handover" and user != twin:
                continue  # staff may read sheets (tests/test_handover_sheet.py)
            before = len(refusals(chat))
            assert f"/{cmd} 只对" in chat.send(user, f"/{cmd}"), (user, cmd)
            assert [c for _, c in refusals(chat)[before:]] == ["core.only_for"]
    # someone else's task, by number
    expect_text = [("othercadre", "council.team_members_only"), ("cadre2", "tasks.owner_only")]
    for user, code in expect_text:
        before = len(refusals(chat))
        assert WORDS[code] in chat.send(user, f"进展 {o.task} 路灯装好了"), user
        assert refusals(chat)[before:] == [(key_of(chat, user), code)]
    for text in ("/council", "/tasks", "/projects"):
        assert "您还没有注册" in chat.send(UNREGISTERED, text)
    # a villager reads the public list; a leader of another team sees their own team only
    assert "民生任务表（公示）" in chat.send(twin, "/tasks")
    assert "村小学门口没有路灯" in chat.send(twin, "民生任务")
    out = chat.send("otherleader", "/council")
    assert "邻村 村民议事会" in out and "幸福村" not in out
    assert "任务表还是空的" in chat.send("othercadre", "/tasks")  # 邻村's list, not 幸福村's
    with chat.core.db.session() as s:
        assert s.scalars(select(TaskUpdate)).all() == []  # no progress was written by anyone
