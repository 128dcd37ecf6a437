"""Complaints from the wrong actor: every button kind and command, refused in words and
audited; and the people told of a complaint never include the team it is about."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from conversations.complaints.buttons import NewComplaintButton, RateButton, TicketButton
from services import complaints as svc
from storage.models import Complaint, Member, OutboxMessage
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
from tests.test_complaints import NO, file


def complaint(chat: ChatHarness) -> Complaint:
    with chat.core.db.session() as s:
        c = s.scalar(select(Complaint).order_by(Complaint.id.desc()))
        s.expunge(c)
        return c


def test_action_buttons_refuse_everyone_but_the_countys_supervisors(chat: ChatHarness) -> None:
    add_strangers(chat)
    file(chat)
    c = complaint(chat)
    twin = villager_as(chat, "supervisor")  # villager id == the supervisor's member id
    wrong = (twin, *STRANGERS, "admin", "cadre1", "leader")
    for action in ("accept", "transfer", "close", "reject"):
        data = TicketButton(action, c.id).pack()  # type: ignore[arg-type]
        for user in wrong:
            out = press_data(chat, user, data)
            assert "您没有办理这件群众反映的权限" in out, (user, out)
        assert "您还没有注册" in press_data(chat, UNREGISTERED, data)
    assert complaint(chat).status == "new"
    rows = refused_rows(chat)
    assert len(rows) == 4 * len(wrong)
    assert {r.detail["detail"] for r in rows} == {"complaints.no_handling"}
    assert f"villager:{member_id(chat, 'supervisor')}" in {r.actor for r in rows}
    assert audits(chat, "button.unregistered") == 4
    assert "已经受理" in chat.press("supervisor", "受理")  # the supervisor still can


def test_rating_buttons_refuse_everyone_but_the_author(chat: ChatHarness) -> None:
    add_strangers(chat)
    file(chat)
    chat.press("supervisor", "受理")
    chat.press("supervisor", "办结")
    chat.send("supervisor", "已整改")
    c = complaint(chat)
    # the leader's member id is the author's villager id: still not the author
    assert member_id(chat, "leader") == c.villager_id
    neighbour = villager_as(chat, "cadre1")  # another villager of the same village
    wrong = ("leader", neighbour, *STRANGERS, "supervisor", "admin")
    data = RateButton.of(c.id, "bad").pack()
    assert data == f"ts:r:{c.id}:bad"  # the shape rating buttons already sent carry
    for user in wrong:
        assert "只有反映人本人可以评价这件问题的办理" in press_data(chat, user, data), user
    assert "您还没有注册" in press_data(chat, UNREGISTERED, data)
    assert complaint(chat).rating is None
    assert [r.detail["detail"] for r in refused_rows(chat)] == ["complaints.not_author"] * len(wrong)
    assert "谢谢您的评价（满意）" in press_data(chat, "villager", RateButton.of(c.id, "good").pack())


def test_new_complaint_button_is_for_villagers_only(chat: ChatHarness) -> None:
    add_strangers(chat)
    data = NewComplaintButton().pack()
    for user in ("leader", *STRANGERS, "supervisor", "admin"):  # leader: member id 1 == 孙大伯's
        assert "反映问题是给村民用的" in press_data(chat, user, data), user
    assert "您还没有注册" in press_data(chat, UNREGISTERED, data)
    assert [r.detail["detail"] for r in refused_rows(chat)] == ["complaints.villagers_only"] * 6
    assert audits(chat, "button.unregistered") == 1
    assert "请选择问题的类别" in press_data(chat, "villager", data)
    assert "请选择问题的类别" in press_data(chat, "villager", data)  # again: starts over


def test_complaint_commands_from_the_wrong_actor(chat: ChatHarness) -> None:
    add_strangers(chat)
    file(chat)
    for user in ("leader", "othercadre", "othersup", "otheradmin"):
        assert "只对村民开放" in chat.send(user, "/complain"), user
        assert "只对村民开放" in chat.send(user, "/mytickets"), user
        assert "只对村民开放" in chat.send(user, "反映问题"), user
    for command in ("/complain", "/mytickets", "/ticket " + NO, "/tickets"):
        assert "您还没有注册" in chat.send(UNREGISTERED, command), command
    assert "只对监督员、管理员开放" in chat.send("othercadre", "/tickets")
    assert "只对监督员、管理员、村民开放" in chat.send("othercadre", f"/ticket {NO}")
    # a villager sharing the supervisor's id, and staff of another county: not found, audited
    twin = villager_as(chat, "supervisor")

    def words(user: str, text: str, ref: str) -> str:
        return chat.send(user, text).split(":", 1)[1].replace(ref, "X")

    missing = words(twin, "/ticket TS-20991231-9999", "TS-20991231-9999")
    assert "没有找到编号为 X 的问题" in missing
    for user in (twin, "othersup", "otheradmin"):
        assert words(user, f"/ticket {NO}", NO) == missing, user
        assert words(user, f"问题进度 {NO}", NO) == missing, user
    rows = refused_rows(chat)
    by_code = Counter(r.detail["detail"] for r in rows)
    assert by_code == {"complaints.not_found": 6, "core.only_for": 14, "core.not_registered": 4}
    assert all(NO not in str(r.detail) for r in rows)
    for user in ("othersup", "otheradmin"):
        out = chat.send(user, "/tickets all")
        assert "本县目前没有全部的群众反映" in out and NO not in out
    assert "您还没有反映过问题" in chat.send(twin, "/mytickets")
    assert "请在命令后面写上编号" in chat.send("villager", "/ticket")
    assert "请在命令后面写上编号" in chat.send("villager", "问题进度")


def test_a_supervisor_in_the_team_complained_about_is_not_told(chat: ChatHarness) -> None:
    """A supervisor who sits in the team a complaint is about neither reads nor gets it."""
    with chat.core.db.session() as s:
        sup = s.scalar(select(Member).where(Member.name == "陈监督"))
        cadre = s.scalar(select(Member).where(Member.name == "张驻村"))
        inside = Member(name="队内监督", role="supervisor", team_id=cadre.team_id,
                        county_id=sup.county_id, created_at=chat.clock.now())
        s.add(inside)
        s.flush()
        inside_id = inside.id
    file(chat)
    with chat.core.db.session() as s:
        c = s.scalar(select(Complaint))
        assert [m.name for m in svc.handlers(s, c)] == ["陈监督"]
        to = set(s.scalars(select(OutboxMessage.member_id).where(OutboxMessage.key.like("ts:%"))))
        assert inside_id not in to and sup.id in to


def test_anonymity_holds_through_rating_ticket_views_and_the_audit_trail(
        chat: ChatHarness, caplog) -> None:  # type: ignore[no-untyped-def]
    """The author of an anonymous ticket follows it to the end (views, a rating from a
    button already in the chat, a second press) and no audit row, outbox row to anyone
    else, event or log record ties them to it."""
    import json
    import logging

    from storage.models import AuditEvent, ComplaintEvent, Villager

    caplog.set_level(logging.DEBUG)
    file(chat)
    c = complaint(chat)
    chat.press("supervisor", "受理")
    chat.press("supervisor", "办结")
    chat.send("supervisor", "已整改")
    chat.send("villager", "/mytickets")
    chat.send("villager", f"/ticket {NO}")
    assert "谢谢您的评价" in press_data(chat, "villager", f"ts:r:{c.id}:good")  # as sent before
    assert "已经评价过了" in press_data(chat, "villager", f"ts:r:{c.id}:bad")
    detail = chat.send("supervisor", f"/ticket {NO}")
    assert "反映人：匿名" in detail and "评价（匿名）" in detail and "孙大伯" not in detail
    with chat.core.db.session() as s:
        v = s.scalar(select(Villager).where(Villager.name == "孙大伯"))
        key = f"villager:{v.id}"
        for a in s.scalars(select(AuditEvent)):
            blob = json.dumps([a.actor, a.subject, a.detail], ensure_ascii=False)
            assert key not in blob and "孙大伯" not in blob, blob
        for ev in s.scalars(select(ComplaintEvent)):
            assert ev.actor != key and ev.actor_name != "孙大伯"
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.villager_id.is_(None))):
            assert "孙大伯" not in json.dumps(row.payload, ensure_ascii=False)
    for rec in caplog.records:
        assert "孙大伯" not in rec.getMessage() and key not in rec.getMessage()
