"""Every button kind and command of the households feature from the wrong actor: a
villager whose villager id equals the owner's member id, a cadre of another team, a
supervisor and an administrator of another county, the county's own supervisor where
it matters, an unregistered user — refused in words, audited, nothing changed."""

from __future__ import annotations

from sqlalchemy import func, select

from conversations.households.buttons import (
    CaseButton,
    ConfirmButton,
    HouseholdButton,
    MeetingButton,
    VisitPickButton,
)
from storage.models import MonitoringCase, Visit, VisitChoice, VisitConfirmation
from tests.harness import ChatHarness
from tests.households_support import household_id, load_register
from tests.strangers import (
    STRANGERS,
    UNREGISTERED,
    add_strangers,
    audits,
    press_data,
    refused_rows,
    villager_as,
)


def _refused(chat: ChatHarness, users: tuple[str, ...], data: str, words: str) -> None:
    before = len(refused_rows(chat))
    for user in users:
        out = press_data(chat, user, data)
        assert words in out, (user, data, out)
    assert len(refused_rows(chat)) == before + len(users)
    unregistered = audits(chat, "button.unregistered")
    assert "您还没有注册" in press_data(chat, UNREGISTERED, data)
    assert audits(chat, "button.unregistered") == unregistered + 1


def test_household_buttons(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat)
    hid = household_id(chat, "张三")
    twin = villager_as(chat, "cadre1")
    for action in ("view", "visit", "edit", "flag"):
        data = HouseholdButton(action, hid).pack()  # type: ignore[arg-type]
        _refused(chat, (twin, "othersup", "otheradmin", "supervisor", "admin"), data,
                 "农户台账只对驻村工作队成员开放")
        _refused(chat, ("othercadre",), data, "不是您驻村的村的农户")
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0
        assert s.scalar(select(func.count()).select_from(MonitoringCase)) == 0
    assert "张三" in press_data(chat, "cadre2", HouseholdButton("view", hid).pack())


def test_visit_pick_button_is_the_authors_only(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat)
    chat.send("cadre1", "/visit 王五")
    with chat.core.db.session() as s:
        choice = s.scalar(select(VisitChoice))
        cid, first = choice.id, choice.candidates[0]
    twin = villager_as(chat, "cadre1")
    data = VisitPickButton(cid, first).pack()
    _refused(chat, (twin, "cadre2", "leader", *STRANGERS), data, "这个选择不是给您的")
    # a household that was not offered is refused too, even to the author
    assert "这个选择不是给您的" in press_data(chat, "cadre1",
                                            VisitPickButton(cid, household_id(chat, "张三")).pack())
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0
    assert "已记走访" in press_data(chat, "cadre1", data)


def test_case_buttons(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat)
    chat.send("villager", "我想申请防返贫监测")
    chat.send("villager", "老伴住院")
    twin = villager_as(chat, "cadre1")
    for action in ("view", "pass", "no", "note", "clear", "photos"):
        data = CaseButton(action, 1).pack()  # type: ignore[arg-type]
        _refused(chat, (twin, "othercadre", "othersup", "otheradmin", "supervisor"), data,
                 "您不能查看这个监测案件")
    # the applicant follows the case by notices, not by the staff's buttons
    assert "您不能查看" in press_data(chat, "villager", CaseButton("view", 1).pack())
    # the stage's buttons are refused to whoever does not act at that stage: the county's
    # administrator reads the case but acts only at the county stage
    assert "这一步不由您处理" in press_data(chat, "admin", CaseButton("pass", 1).pack())
    with chat.core.db.session() as s:
        assert s.get(MonitoringCase, 1).stage == "check"


def test_meeting_buttons(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat)
    chat.send("villager", "我想申请防返贫监测")
    chat.send("villager", "老伴住院")
    chat.send("secretary", "/meeting")
    twin = villager_as(chat, "secretary")
    for action in ("pass", "hold", "no"):
        data = MeetingButton(action, 1, 1).pack()  # type: ignore[arg-type]
        _refused(chat, (twin, "cadre1", "admin", "supervisor", *STRANGERS), data,
                 "监测会议由第一书记或组长记录")
    with chat.core.db.session() as s:
        assert s.get(MonitoringCase, 1).stage == "check"
    assert "转入「村级评议公示」" in press_data(chat, "secretary", MeetingButton("pass", 1, 1).pack())


def test_confirmation_buttons_are_the_village_overseers_only(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat, confirm=True, overseer=True)
    chat.send("cadre2", "/confirmvisit")
    with chat.core.db.session() as s:
        row_id = s.scalar(select(VisitConfirmation.id))
    # 王组长's member id is 1, as is 孙大伯's villager id: the leader is not the overseer
    neighbour = villager_as(chat, "secretary")  # a villager of 幸福村, not an overseer
    for action in ("ok", "no"):
        data = ConfirmButton(action, row_id).pack()  # type: ignore[arg-type]
        _refused(chat, ("leader", "cadre2", neighbour, *STRANGERS, "supervisor"), data,
                 "只有本村登记的群众监督员可以确认")
    with chat.core.db.session() as s:
        assert s.get(VisitConfirmation, row_id).status == "pending"
    assert "已确认赵驻村今天到村" in press_data(chat, "villager", ConfirmButton("ok", row_id).pack())


def test_commands_from_the_wrong_actor(chat: ChatHarness) -> None:
    add_strangers(chat)
    load_register(chat, confirm=True, overseer=True)
    twin = villager_as(chat, "cadre1")
    before = len(refused_rows(chat))
    for cmd in ("/households", "/visit 张三", "/addhousehold 钱九", "/cases", "/meeting",
                "/confirmvisit"):
        assert "只对" in chat.send(twin, cmd), cmd
    for cmd in ("/households", "/visit 张三", "/meeting", "/apply", "/whereabouts"):
        assert "只对" in chat.send("othersup", cmd), cmd
    assert "只对" in chat.send("cadre1", "/apply")
    assert "只对" in chat.send("cadre1", "/meeting")
    assert len(refused_rows(chat)) == before + 6 + 5 + 2
    # another village's cadre sees their own (empty) register, never this one
    assert "没有找到户主名字含「张三」" in chat.send("othercadre", "/households 张三")
    assert "邻村" in chat.send("othercadre", "/households")
    # 「签到」 by someone who is not a 群众监督员 is answered, never confirms anything
    assert "如果您是本村的群众监督员" in chat.send(twin, "签到")
    # a supervisor asking where the team is goes on to the knowledge base, not the board
    assert "去向" not in chat.send("supervisor", "驻村干部今天在不在村里")
