"""Leave from the wrong actor: every button kind and command, refused in words and audited.

The wrong actors: a villager whose villager id equals the owner's member id, a cadre of
another team, a supervisor and an administrator of another county, an unregistered user.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from conversations.leave.buttons import LeaveButton
from storage.models import AuditEvent, LeaveRequest
from tests.harness import ChatHarness
from tests.strangers import (
    STRANGERS,
    UNREGISTERED,
    add_strangers,
    audits,
    member_id,
    press_data,
    refused_rows,
    villager_as,
)
from tests.test_leave_chat import ask, leave_row


def status_of(chat: ChatHarness, leave_id: int) -> str:
    with chat.core.db.session() as s:
        return s.get(LeaveRequest, leave_id).status


def test_approve_and_reject_buttons_refuse_everyone_but_the_approver(chat: ChatHarness) -> None:
    add_strangers(chat)
    ask(chat, "cadre1", "事假", "明天")
    lv = leave_row(chat)
    twin = villager_as(chat, "leader")  # villager id == the approver's member id
    assert member_id(chat, "leader") == lv.approver_id
    wrong = (twin, *STRANGERS, "admin", "cadre2")
    for action in ("a", "r"):
        data = LeaveButton(action, lv.id).pack()
        for user in wrong:
            out = press_data(chat, user, data)
            assert "您不是这条请假的审批人，不能审批。只有王组长可以处理" in out, (user, out)
        assert "您还没有注册" in press_data(chat, UNREGISTERED, data)
    assert status_of(chat, lv.id) == "pending"
    rows = refused_rows(chat)
    assert len(rows) == 2 * len(wrong)
    assert {r.detail["detail"] for r in rows} == {"leave.not_approver"}
    assert f"villager:{lv.approver_id}" in {r.actor for r in rows}  # the twin, by kind
    assert audits(chat, "button.unregistered") == 2
    # none of them was left in a dialog: the approver still decides
    assert "已批准张驻村的事假" in chat.press("leader", "批准")


def test_cancel_and_back_buttons_refuse_everyone_but_the_requester(chat: ChatHarness) -> None:
    add_strangers(chat)
    ask(chat, "cadre1", "事假", "明天")
    lv = leave_row(chat)
    twin = villager_as(chat, "cadre1")  # villager id == the requester's member id
    assert member_id(chat, "cadre1") == lv.member_id
    wrong = (twin, *STRANGERS, "leader", "admin")
    for user in wrong:
        assert "只能取消自己的请假" in press_data(chat, user, LeaveButton("c", lv.id).pack())
    assert "您还没有注册" in press_data(chat, UNREGISTERED, LeaveButton("c", lv.id).pack())
    chat.press("leader", "批准")
    chat.clock_to("2026-11-24 18:00")
    for user in wrong:
        out = press_data(chat, user, LeaveButton("b", lv.id).pack())
        assert "只能为自己销假" in out, (user, out)
    assert "您还没有注册" in press_data(chat, UNREGISTERED, LeaveButton("b", lv.id).pack())
    assert status_of(chat, lv.id) == "approved"
    codes = [r.detail["detail"] for r in refused_rows(chat)]
    assert codes == ["leave.not_own_cancel"] * len(wrong) + ["leave.not_own_back"] * len(wrong)
    assert audits(chat, "button.unregistered") == 2
    # the requester still can
    assert "返岗：11月24日" in press_data(chat, "cadre1", LeaveButton("b", lv.id).pack())


def test_leave_commands_from_the_wrong_actor(chat: ChatHarness) -> None:
    add_strangers(chat)
    ask(chat, "cadre1", "事假", "明天")
    lv = leave_row(chat)
    twin = villager_as(chat, "cadre1")
    for command in ("/leave", "/back", "/myleave", "请假", "销假", "我的请假"):
        assert "只对" in chat.send(twin, command), command
        assert "只对" in chat.send("othersup", command), command
        assert "您还没有注册" in chat.send(UNREGISTERED, command), command
    assert "只对" in chat.send("otheradmin", "/leave")
    # an administrator of another county sees none of this county's requests
    out = chat.send("otheradmin", "/myleave")
    assert "现在没有等待您审批的请假" in out and "张驻村" not in out
    # a cadre of another team has no leave of theirs to report back from...
    assert "您现在没有需要销假的请假" in chat.send("othercadre", "/back")
    # ...and cannot name someone else's: refused and audited
    chat.press("leader", "批准")
    chat.clock_to("2026-11-24 18:00")
    assert "只能为自己销假" in chat.send("othercadre", f"/back #{lv.id}")
    assert "只能为自己销假" in chat.send("leader", f"/back #{lv.id}")
    rows = refused_rows(chat)
    assert Counter(r.detail["detail"] for r in rows) == {
        "leave.not_own_back": 2, "core.only_for": 13, "core.not_registered": 6}
    assert status_of(chat, lv.id) == "approved"
    assert "返岗：11月24日" in chat.send("cadre1", f"/back #{lv.id}")


def test_a_forged_leave_id_is_refused_before_any_handler(chat: ChatHarness) -> None:
    for data in ("lv:a:99999999999999999999", "lv:x:1", "lv:a", "lv:a:1:2", "lv:a:-1"):
        assert "按钮已经失效" in press_data(chat, "leader", data)
    with chat.core.db.session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "button.malformed")).all()
        assert len(rows) == 5
    assert "找不到这条请假记录" in press_data(chat, "leader", LeaveButton("a", 424242).pack())


def test_a_reject_dialog_is_not_opened_over_another_one(chat: ChatHarness) -> None:
    ask(chat, "cadre1", "事假", "明天")
    chat.send("leader", "/leave")  # the leader is half-way through a request of their own
    out = chat.press("leader", "驳回")
    assert "您还有未完成的「请假」。请先完成它或发送 /cancel，再点「驳回」。" in out
    chat.send("leader", "/cancel")
    assert "请输入驳回张驻村事假" in chat.press("leader", "驳回")
