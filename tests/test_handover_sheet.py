"""The handover sheet hands over real things (issue #15): a named successor, the outgoing
member's open tasks and projects (and whatever other features contribute through
services.handover.item_source) confirmed one by one and passed to the successor, both
signatures, the township's approval, and a term that closes only then or with an
administrator's reason. Every button refuses the wrong people, with an audit row."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.handover.buttons import ItemButton, SheetButton, SuccessorButton
from services import handover, projects, tasks
from services.errors import UserError
from storage.models import (
    AuditEvent,
    Handover,
    HandoverItem,
    Identity,
    LivelihoodTask,
    Member,
    Project,
)
from tests.harness import ChatHarness
from tests.issue15_support import actor, demo_team, member
from tests.strangers import UNREGISTERED, add_other_leader, add_strangers, press_data, villager_as


def refusals(chat: ChatHarness) -> list[tuple[str, str]]:
    with chat.core.db.session() as s:
        return [(a.actor, a.detail.get("detail")) for a in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "refused").order_by(AuditEvent.id))]


def key_of(chat: ChatHarness, user: str) -> str:
    with chat.core.db.session() as s:
        ident = s.scalars(select(Identity).where(Identity.external_id == user)).one()
        return f"member:{ident.member_id}" if ident.member_id else f"villager:{ident.villager_id}"


def expect_refused(chat: ChatHarness, user: str, data: str, code: str, words: str) -> None:
    before = len(refusals(chat))
    out = press_data(chat, user, data)
    assert words in out, (user, data, out)
    assert refusals(chat)[before:] == [(key_of(chat, user), code)], (user, data)


@pytest.fixture
def sheet(chat: ChatHarness) -> tuple[ChatHarness, int, str]:
    """赵驻村 (cadre2) leaves on 20 Dec with a task and a project; the sheet opens on 5 Dec."""
    add_strangers(chat)
    add_other_leader(chat)
    now = chat.clock.now()
    with chat.core.db.session() as s:
        team = demo_team(s)
        zhao = actor(s, "cadre2", now)
        tasks.create(s, zhao, team, problem="三组自来水水压低", owner=member(s, "赵驻村"),
                     due_month=date(2027, 1, 1), now=now)
        projects.create(s, zhao, team, title="饮水管网改造", fund_source="帮扶单位资金",
                        amount_fen=8_500_000, now=now)
    chat.core.tick()
    chat.send("admin", "/term 赵驻村 2026-12-20")
    chat.clock_to("2026-12-05 09:00")
    with chat.core.db.session() as s:
        hid = s.scalars(select(Handover.id)).one()
    return chat, hid, villager_as(chat, "cadre2")


def _items(chat: ChatHarness, hid: int) -> list[HandoverItem]:
    with chat.core.db.session() as s:
        rows = list(s.scalars(select(HandoverItem).where(HandoverItem.handover_id == hid)
                              .order_by(HandoverItem.id)))
        s.expunge_all()
    return rows


def test_the_sheet_lists_what_the_outgoing_member_answers_for(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, hid, _ = sheet
    out = chat.send("cadre2", "/handover")
    assert "【民生任务】" in out and "三组自来水水压低" in out
    assert "【项目】" in out and "饮水管网改造（待议事会讨论，8.5万元）" in out
    assert "还差：指定接任人、接任人逐项确认、离任方签字、接任方签字、乡镇审批" in out
    assert [i.kind for i in _items(chat, hid)] == ["task", "project"]


def test_successor_confirms_each_item_and_receives_the_things(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, hid, _ = sheet
    zhang, zhao = member_id(chat, "张驻村"), member_id(chat, "赵驻村")
    assert "已指定张驻村为赵驻村的接任人" in press_data(chat, "leader", SuccessorButton(hid, zhang).pack())
    assert "签字" in press_data(chat, "cadre2", SheetButton("so", hid).pack())
    # not everything confirmed: the successor cannot sign yet
    assert "还有 2 项没有确认接收" in press_data(chat, "cadre1", SheetButton("si", hid).pack())
    task_item, project_item = _items(chat, hid)
    assert "已确认接收 1 项" in press_data(chat, "cadre1", ItemButton(task_item.id).pack())
    with chat.core.db.session() as s:
        assert s.scalars(select(LivelihoodTask.owner_id)).one() == zhang  # handed over
        assert s.scalars(select(Project.owner_id)).one() == zhao  # not yet
    assert "已确认接收 1 项" in press_data(chat, "cadre1", ItemButton(project_item.id).pack())
    with chat.core.db.session() as s:
        assert s.scalars(select(Project.owner_id)).one() == zhang
    assert "接任方已签字" in press_data(chat, "cadre1", SheetButton("si", hid).pack())
    # the township: a leader of a team in the same township (包村领导) may approve
    assert "已审批赵驻村的交接表" in press_data(chat, "otherleader", SheetButton("ok", hid).pack())
    assert "交接表已完成" in chat.send("admin", "/closeterm 赵驻村")
    out = chat.send("cadre1", "/tasks")
    assert "责任人 张驻村" in out


def test_handover_buttons_refuse_the_wrong_people(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, hid, twin = sheet
    zhang = member_id(chat, "张驻村")
    name = SuccessorButton(hid, zhang).pack()
    for user in (twin, "cadre1", "cadre2", "othercadre", "otherleader", "othersup", "supervisor"):
        expect_refused(chat, user, name, "handover.namers_only", "只有本队组长或本县管理员可以指定接任人")
        expect_refused(chat, user, SheetButton("n", hid).pack(), "handover.namers_only",
                       "只有本队组长或本县管理员可以指定接任人")
    expect_refused(chat, "otheradmin", name, "handover.other_county", "这份交接表不在您管理的县")
    for user in (twin, "cadre1", "leader", "othercadre", "admin"):
        expect_refused(chat, user, SheetButton("f", hid).pack(), "handover.outgoing_only",
                       "只有离任的队员本人可以添加")
    for user in (twin, "othercadre", "otherleader", "othersup", "otheradmin"):
        expect_refused(chat, user, SheetButton("v", hid).pack(), "handover.not_party",
                       "您不是这份交接表的当事人")
    # the county's administrator names the successor; the leader of the team could too
    assert "已指定张驻村" in press_data(chat, "admin", name)
    item = _items(chat, hid)[0]
    for user in (twin, "cadre2", "leader", "admin", "othercadre", "otheradmin"):
        expect_refused(chat, user, ItemButton(item.id).pack(), "handover.successor_only",
                       "只有指定的接任人可以确认接收")
        expect_refused(chat, user, SheetButton("a", hid).pack(), "handover.successor_only",
                       "只有指定的接任人可以确认接收")
    for user in (twin, "secretary", "leader", "othercadre", "admin"):
        for side in ("so", "si"):
            expect_refused(chat, user, SheetButton(side, hid).pack(), "handover.not_party",
                           "您不是这份交接表的当事人")
    press_data(chat, "cadre2", SheetButton("so", hid).pack())
    press_data(chat, "cadre1", SheetButton("a", hid).pack())
    press_data(chat, "cadre1", SheetButton("si", hid).pack())
    for user in ("cadre1", "cadre2"):
        expect_refused(chat, user, SheetButton("ok", hid).pack(), "handover.not_own_approval",
                       "交接双方不能自己审批")
    for user in (twin, "secretary", "othercadre", "supervisor", "othersup"):
        expect_refused(chat, user, SheetButton("ok", hid).pack(), "handover.approvers_only",
                       "乡镇审批只能由本县管理员、本乡镇的乡镇领导或同一乡镇的组长")
    expect_refused(chat, "otheradmin", SheetButton("ok", hid).pack(), "handover.other_county",
                   "这份交接表不在您管理的县")
    assert "您还没有注册" in press_data(chat, UNREGISTERED, SheetButton("ok", hid).pack())
    with chat.core.db.session() as s:
        assert handover.sheet_of(s, s.get(Handover, hid)).approved_at is None  # type: ignore[arg-type]
    assert "已审批" in press_data(chat, "admin", SheetButton("ok", hid).pack())


def test_a_successor_from_another_team_is_refused(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, hid, _ = sheet
    out = press_data(chat, "leader", SuccessorButton(hid, member_id(chat, "邻村干部")).pack())
    assert "邻村干部不能做接任人" in out
    out = press_data(chat, "leader", SuccessorButton(hid, member_id(chat, "赵驻村")).pack())
    assert "赵驻村不能做接任人" in out


def test_the_outgoing_member_signs_only_with_a_successor_named(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, hid, _ = sheet
    assert "还没有指定接任人" in press_data(chat, "cadre2", SheetButton("so", hid).pack())
    with chat.core.db.session() as s:
        h = s.get(Handover, hid)
        with pytest.raises(UserError) as exc:
            handover.approve(s, h, actor(s, "admin", chat.clock.now()), chat.clock.now())  # type: ignore[arg-type]
        assert exc.value.code == "handover.need_signatures"


def test_a_term_closes_without_the_sheet_only_with_an_admins_reason(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, _, _ = sheet
    assert "还没有完成（还差 5 步" in chat.send("admin", "/closeterm 赵驻村")
    assert "/closeterm 只对管理员开放" in chat.send("leader", "/closeterm 赵驻村 理由：调走")
    out = chat.send("admin", "/closeterm 赵驻村 理由：组织调动，已线下交接并经乡镇同意")
    assert "强制结束，理由：组织调动" in out


# -- the registry other features plug into ---------------------------------------------------------
def test_another_feature_contributes_its_items_through_the_registry(sheet) -> None:  # type: ignore[no-untyped-def]
    """What a feature does to put its own things on the sheet, without editing #15's code
    (the households feature does it for real: tests/test_handover_households.py)."""
    chat, hid, _ = sheet
    moved: list[tuple[int, int]] = []

    def reassign(s: Session, ref_id: int, successor: Member, now: datetime) -> None:
        moved.append((ref_id, successor.id))

    @handover.item_source("standin", title="代管的集体资产", order=90, transfer=reassign)
    def assets_of(s: Session, m: Member) -> list[handover.OpenItem]:
        return [handover.OpenItem(7, "村集体光伏电站运维合同")] if m.name == "赵驻村" else []

    try:
        out = chat.send("cadre2", "/handover")
        assert "【代管的集体资产】" in out and "村集体光伏电站运维合同" in out
        press_data(chat, "leader", SuccessorButton(hid, member_id(chat, "张驻村")).pack())
        press_data(chat, "cadre1", SheetButton("a", hid).pack())
        assert moved == [(7, member_id(chat, "张驻村"))]
        with pytest.raises(ValueError):
            handover.item_source("file", title="x")(assets_of)
    finally:
        handover._SOURCES.pop("standin", None)  # noqa: SLF001


def member_id(chat: ChatHarness, name: str) -> int:
    with chat.core.db.session() as s:
        return s.scalars(select(Member.id).where(Member.name == name)).one()


def _township_leader(chat: ChatHarness, user: str, township: str) -> None:
    """A 乡镇领导 (role township_leader) of `township` in 示范县, with a console identity."""
    from services import admin
    from services.workspace.scope import set_township

    now = chat.clock.now()
    with chat.core.db.session() as s:
        county = admin.find_county(s, "示范县")
        if township != "示范镇":
            admin.add_village(s, county="示范县", township=township, name=f"{township}一村", now=now)
        m = Member(name=f"{township}领导", role="township_leader", county_id=county.id, created_at=now)
        s.add(m)
        s.flush()
        set_township(s, m.id, township)
        s.add(Identity(platform="console", external_id=user, chat_id=user, member_id=m.id,
                       created_at=now, last_seen_at=now))


def test_the_township_leader_of_that_township_approves(sheet) -> None:  # type: ignore[no-untyped-def]
    chat, hid, _ = sheet
    _township_leader(chat, "townlead", "示范镇")
    _township_leader(chat, "eastlead", "东镇")
    press_data(chat, "leader", SuccessorButton(hid, member_id(chat, "张驻村")).pack())
    press_data(chat, "cadre2", SheetButton("so", hid).pack())
    press_data(chat, "cadre1", SheetButton("a", hid).pack())
    out = press_data(chat, "cadre1", SheetButton("si", hid).pack())
    assert "接任方已签字" in out
    # both sides signed: the township's approvers were asked, the other township's leader not
    with chat.core.db.session() as s:
        from storage.models import OutboxMessage

        asked = set(s.scalars(select(OutboxMessage.chat_id).where(OutboxMessage.key.like(f"ho:{hid}:approve:%"))))
    assert {"townlead", "leader", "otherleader", "admin"} <= asked and "eastlead" not in asked
    assert "赵驻村的交接表" in chat.send("townlead", "/handover")
    assert "现在没有进行中的交接" in chat.send("eastlead", "/handover")
    expect_refused(chat, "eastlead", SheetButton("ok", hid).pack(), "handover.approvers_only",
                   "乡镇审批只能由本县管理员、本乡镇的乡镇领导或同一乡镇的组长")
    # the township leader reads the village's council and task list, and approves
    assert "幸福村 村民议事会" in chat.send("townlead", "/council 幸福村驻村工作队")
    assert "这是别的村（工作队）的公开事项" in chat.send("eastlead", "/tasks 幸福村驻村工作队")
    assert "已审批赵驻村的交接表" in press_data(chat, "townlead", SheetButton("ok", hid).pack())
