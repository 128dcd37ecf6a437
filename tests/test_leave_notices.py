"""Who is told of each leave notice: decided once in services.leave.recipients, used by every
flow (issue #10). 销假 from the /back dialog and from the button of the "not reported
back" notice reach the same people, and those are the people told of the delay."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services import leave as rules
from services.actors import actor_for_member
from services.config import Settings
from services.dates import DateRange
from storage.models import LeaveRequest, Member, OutboxMessage
from tests.conftest import at
from tests.harness import ChatHarness
from tests.test_leave_chat import ask, leave_row


def told(chat: ChatHarness, leave_id: int, notice: str) -> set[str]:
    """Names of the people queued a `notice` about the leave."""
    with chat.core.db.session() as s:
        ids = s.scalars(select(OutboxMessage.member_id).where(
            OutboxMessage.key.like(f"leave:{leave_id}:{notice}:m%")))
        return {s.get(Member, i).name for i in ids}


def test_back_from_the_dialog_and_from_the_unreturned_button_tell_the_same_people(
        chat: ChatHarness) -> None:
    # two four-day leaves: beyond the leader's three days, so the administrator approves
    ask(chat, "cadre1", "事假", "11月24日-27日")
    by_button = leave_row(chat)
    ask(chat, "cadre2", "事假", "11月24日-27日")
    by_dialog = leave_row(chat)
    assert by_button.approver_id == by_dialog.approver_id  # 刘管理
    chat.press("admin", "批准")
    chat.send("admin", "/myleave")
    chat.press("admin", "批准")

    # the morning after: not reported back; the member, the leader and the approver hear
    out = chat.clock_to("2026-11-28 08:00")
    assert "-> cadre1: 您的事假（11月24日至11月27日）已经结束，还没有销假" in out
    assert "-> admin: 提醒：张驻村的事假（11月24日至11月27日）已经结束" in out
    assert "-> leader: 提醒：张驻村的事假（11月24日至11月27日）已经结束" in out
    watchers = {"王组长", "刘管理"}
    assert told(chat, by_button.id, "unreturned") == {"张驻村"} | watchers
    assert told(chat, by_dialog.id, "unreturned") == {"赵驻村"} | watchers

    # 张驻村 reports back from the notice's button, 赵驻村 with /back
    chat.press("cadre1", "销假")
    out = chat.press("cadre1", "确认销假")
    assert "-> leader: 张驻村已销假" in out and "-> admin: 张驻村已销假" in out
    chat.send("cadre2", "/back")
    out = chat.press("cadre2", "确认销假")
    assert "-> leader: 赵驻村已销假" in out and "-> admin: 赵驻村已销假" in out
    assert told(chat, by_button.id, "returned") == watchers
    assert told(chat, by_dialog.id, "returned") == watchers


def test_a_leaders_own_leave_is_watched_by_the_approver_only(chat: ChatHarness) -> None:
    ask(chat, "leader", "事假", "明天")
    lv = leave_row(chat)
    chat.press("admin", "批准")
    chat.clock_to("2026-11-25 08:00")
    assert told(chat, lv.id, "unreturned") == {"王组长", "刘管理"}
    chat.press("leader", "销假")
    chat.press("leader", "确认销假")
    assert told(chat, lv.id, "returned") == {"刘管理"}


def test_recipients_of_every_notice(chat: ChatHarness) -> None:
    settings = Settings(_env_file=None, leave_record_roles="admin,team_leader")  # type: ignore[call-arg]
    policy = rules.LeavePolicy.from_settings(settings)
    now = at("2026-11-23 09:00")
    with chat.core.db.session() as s:
        people = {m.name: m for m in s.scalars(select(Member))}
        cadre = people["张驻村"]
        lv: LeaveRequest = rules.request_leave(
            s, policy, actor=actor_for_member(cadre), kind="事假",
            r=DateRange(date(2026, 11, 24), date(2026, 11, 24)), reason="家中有事",
            today=now.date(), now=now)

        def names(notice: str) -> list[str]:
            return [m.name for m in rules.recipients(s, policy, lv, notice)]

        for notice in ("request", "reported", "remind", "cancelled"):
            assert names(notice) == ["王组长"], notice
        assert names("approved") == names("rejected") == ["张驻村"]
        assert names("returned") == ["王组长"]
        assert names("unreturned") == ["张驻村", "王组长"]
        assert names("record") == ["刘管理"]  # never the requester or the approver
        people["王组长"].active = False  # a deactivated leader is told nothing
        s.flush()
        assert names("returned") == [] and names("request") == []
