"""Complaints through the console channel: filing, privacy, handling, abuse, escalation."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select

from conversations.complaints.buttons import NewComplaintButton, RateButton, TicketButton
from core.messages import Incoming
from services import admin
from services import complaints as svc
from storage.models import (
    AuditEvent,
    Complaint,
    ComplaintEvent,
    Identity,
    Member,
    OutboxMessage,
    Villager,
)
from tests.harness import ChatHarness

NO = "TS-20261123-0001"


def file(chat: ChatHarness, *, anonymous: bool = True, about: str = "张驻村（驻村干部）",
         text: str = "张驻村说好来入户，等了一上午没见人。", category: str = "不在岗",
         user: str = "villager") -> str:
    chat.send(user, "/complain")
    chat.press(user, category)
    chat.press(user, about)
    chat.send(user, text)
    chat.press(user, "跳过")
    chat.press(user, "没有照片")
    chat.press(user, "匿名反映" if anonymous else "实名反映")
    return chat.press(user, "提交")


def add_villager(chat: ChatHarness, user: str, name: str) -> None:
    with chat.core.db.session() as s:
        v0 = s.scalar(select(Villager))
        v = Villager(name=name, village_id=v0.village_id, created_at=chat.clock.now())
        s.add(v)
        s.flush()
        s.add(Identity(platform="console", external_id=user, chat_id=user, villager_id=v.id,
                       created_at=chat.clock.now(), last_seen_at=chat.clock.now()))


def press_data(chat: ChatHarness, user: str, data: str) -> str:
    out = chat.core.handle(Incoming(platform="console", user_id=user, chat_id=user,
                                           callback=data))
    chat.channel.flush()
    return "\n".join(r.text for r in out.replies)


def test_anonymous_complaint_never_shows_its_author(chat: ChatHarness, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    out = file(chat)
    assert f"-> villager: 已提交，您的问题编号是 {NO}。" in out
    assert "-> supervisor: 【群众反映】" + NO in out and "反映人：匿名" in out
    assert "孙大伯" not in out.split("-> supervisor:", 1)[1]
    out = chat.press("supervisor", "受理")
    assert "-> villager: 您反映的问题（TS-20261123-0001）已经受理" in out
    chat.press("supervisor", "办结")
    out = chat.send("supervisor", "已约谈，已整改。")
    assert "处理结果：已约谈，已整改。" in out
    out = chat.press("villager", "满意")
    assert "谢谢您的评价（满意）" in out and f"-> supervisor: {NO} 反映人评价：满意" in out
    detail = chat.send("supervisor", f"/ticket {NO}")
    assert "反映人：匿名" in detail and "提交（匿名）" in detail and "孙大伯" not in detail
    assert "（照片：" not in detail  # this one came without photos
    with chat.core.db.session() as s:
        villager = s.scalar(select(Villager).where(Villager.name == "孙大伯"))
        for row in s.scalars(select(OutboxMessage)):
            assert "孙大伯" not in json.dumps(row.payload, ensure_ascii=False)
        for ev in s.scalars(select(ComplaintEvent)):
            assert ev.actor != f"villager:{villager.id}" and ev.actor_name != "孙大伯"
        audits = s.scalars(select(AuditEvent).where(AuditEvent.subject.like("complaint:%"))).all()
        assert audits and all(a.actor != f"villager:{villager.id}" for a in audits)
        assert all("孙大伯" not in json.dumps(a.detail, ensure_ascii=False) for a in audits)
    for rec in caplog.records:
        assert "孙大伯" not in rec.getMessage() and f"villager:{villager.id}" not in rec.getMessage()


def test_named_complaint_shows_the_name_to_supervisors(chat: ChatHarness) -> None:
    out = file(chat, anonymous=False, about="不针对具体人", category="基础设施")
    assert "反映人：孙大伯" in out and "涉及：不针对具体人" in out


def test_the_cadre_and_the_team_cannot_see_a_complaint_about_them(chat: ChatHarness) -> None:
    out = file(chat)
    for user in ("cadre1", "cadre2", "leader", "secretary"):
        assert f"-> {user}:" not in out
        assert "只对监督员、管理员、村民开放" in chat.send(user, f"/ticket {NO}")
        assert "只对监督员、管理员开放" in chat.send(user, "/tickets")
    with chat.core.db.session() as s:
        team_ids = [m.id for m in s.scalars(select(Member).where(Member.team_id.is_not(None)))]
        assert not s.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.member_id.in_(team_ids)))
        # even a supervisor who is a member of that team is kept out
        c = s.scalar(select(Complaint))
        cadre = s.scalar(select(Member).where(Member.name == "张驻村"))
        from services.actors import actor_for_member

        as_cadre = actor_for_member(cadre)
        assert not svc.can_view(as_cadre, c)


def test_villagers_see_only_their_own_tickets_and_cannot_probe(chat: ChatHarness) -> None:
    file(chat)
    add_villager(chat, "neighbour", "钱大妈")
    theirs = chat.send("neighbour", f"/ticket {NO}")
    missing = chat.send("neighbour", "/ticket TS-20991231-9999")
    assert theirs.replace(NO, "X") == missing.replace("TS-20991231-9999", "X")
    assert "没有找到编号为" in theirs
    assert "您还没有反映过问题" in chat.send("neighbour", "/mytickets")
    mine = chat.send("villager", f"/ticket {NO}")
    assert "当前进度：待受理" in mine
    assert f"{NO} 不在岗 待受理" in chat.send("villager", "/mytickets")


def test_forged_and_foreign_buttons_are_refused_and_audited(chat: ChatHarness, caplog) -> None:  # type: ignore[no-untyped-def]
    file(chat)
    with chat.core.db.session() as s:
        cid = s.scalar(select(Complaint.id))
        other = admin.add_village(s, county="别的县", township="别的镇", name="别的村",
                                  now=chat.clock.now())
        sup = Member(name="外县监督", role="supervisor", county_id=other.township.county_id,
                     created_at=chat.clock.now())
        s.add(sup)
        s.flush()
        s.add(Identity(platform="console", external_id="othersup", chat_id="othersup",
                       member_id=sup.id, created_at=chat.clock.now(),
                       last_seen_at=chat.clock.now()))
    for user in ("cadre1", "leader", "villager", "othersup", "admin"):
        assert "您没有办理这件群众反映的权限" in press_data(chat, user,
                                                      TicketButton("close", cid).pack())
    assert "您没有办理" in press_data(chat, "supervisor", TicketButton("accept", 999).pack())
    assert "只有反映人本人" in press_data(chat, "cadre1", RateButton.of(cid, "good").pack())
    # malformed data never reaches a handler: the router refuses it as a stale button
    assert "按钮已经失效" in press_data(chat, "othersup", "tsa:accept:abc")
    assert "按钮已经失效" in press_data(chat, "supervisor", "ts:whatever")
    with chat.core.db.session() as s:
        assert s.get(Complaint, cid).status == "new"
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert len(refused) == 7
        malformed = s.scalars(select(AuditEvent)
                              .where(AuditEvent.action == "button.malformed")).all()
        # a rating press is private: its kind only, never the ticket beside the presser
        assert [a.detail["callback"] for a in malformed] == ["tsa:accept:abc", "ts"]


def test_invalid_transitions_get_a_clear_reply(chat: ChatHarness) -> None:
    file(chat)
    assert "还没有受理，不能直接办结。请先点「受理」" in chat.press("supervisor", "办结")
    assert "还没有受理，不能直接转办" in chat.press("supervisor", "转办")
    chat.press("supervisor", "受理")
    assert "当前是「已受理」，只有待受理的问题才能受理" in chat.press("supervisor", "受理")
    chat.press("supervisor", "驳回")
    out = chat.send("supervisor", "经核实不属实。")
    assert "原因：经核实不属实。" in out and "/complain 再次反映" in out
    assert "已驳回，不能再办结" in chat.press("supervisor", "办结")


def test_transfer_then_close_and_notes_are_required(chat: ChatHarness) -> None:
    file(chat)
    chat.press("supervisor", "受理")
    assert "请简要写明转给哪个部门" in chat.press("supervisor", "转办")
    assert "不能为空" in chat.send("supervisor", "👍")
    out = chat.send("supervisor", "转镇纪委核实")
    assert "-> villager: 您反映的问题（TS-20261123-0001）已转交有关部门办理：转镇纪委核实" in out
    chat.press("supervisor", "办结")
    out = chat.send("supervisor", "已核实并整改")
    assert "[满意] [基本满意] [不满意]" in out
    chat.press("villager", "不满意")
    assert "已经评价过了" in press_data(chat, "villager", RateButton.of(1, "good").pack())
    with chat.core.db.session() as s:
        actions = [e.action for e in s.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id))]
        assert actions == ["filed", "accept", "transfer", "close", "rated"]


def test_daily_limit_is_polite(chat: ChatHarness) -> None:
    for _ in range(5):
        assert "已提交" in file(chat, about="不针对具体人")
    out = chat.send("villager", "/complain")
    assert "您今天已经反映了5个问题" in out and "请明天再来" in out
    chat.clock_to("2026-11-24 08:00")
    assert "TS-20261124-0001" in file(chat, about="不针对具体人")


def test_long_text_emoji_and_photo_only(chat: ChatHarness) -> None:
    chat.send("villager", "/complain")
    chat.press("villager", "其他")
    chat.press("villager", "不针对具体人")
    assert "内容太长了（10000字），请精简到5000字以内" in chat.send("villager", "很" * 10000)
    assert "只有表情我看不明白" in chat.send("villager", "😡😡👎")
    assert "收到照片（共1张）。请再用几句话说说" in chat.send("villager", "@photo PHOTO-A")
    chat.send("villager", "长" * 4000)
    chat.press("villager", "跳过")
    assert "已收到2张照片" in chat.send("villager", "@photo PHOTO-B 另一张")
    chat.press("villager", "发完了")
    chat.press("villager", "匿名反映")
    out = chat.press("villager", "提交")
    assert "照片：2张" in out and "全文4000字" in out
    with chat.core.db.session() as s:
        c = s.scalar(select(Complaint))
        assert c.photos == ["PHOTO-A", "PHOTO-B"] and len(c.text) == 4000


def test_villager_free_text_offers_a_complaint_and_nobody_else(chat: ChatHarness) -> None:
    out = chat.send("villager", "村口的路灯坏了")
    assert "[我要反映问题]" in out
    assert "请选择问题的类别" in chat.press("villager", "我要反映问题")
    cadre_out = chat.send("cadre1", "村口的路灯坏了")  # staff text goes to the knowledge base
    assert "我要反映问题" not in cadre_out and "知识库" in cadre_out
    assert "反映问题是给村民用的" in press_data(chat, "cadre1", NewComplaintButton().pack())
    help_text = chat.send("villager", "/help")
    assert "/complain — 反映问题" in help_text and "/mytickets" in help_text
    assert "/complain" not in chat.send("cadre1", "/help")


def test_overdue_tickets_are_escalated_once_and_counted(chat: ChatHarness) -> None:
    file(chat, about="不针对具体人", category="基础设施")
    chat.clock_to("2026-11-24 08:00")
    with chat.core.db.session() as s:
        assert not s.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.key.like("ts:%:esc-%")))
    out = chat.clock_to("2026-11-24 09:30")
    assert "-> admin: 【督办提醒】群众反映 TS-20261123-0001" in out and "仍未受理" in out
    assert "督办提醒" not in chat.clock_to("2026-11-24 10:00")
    out = chat.clock_to("2026-11-30 09:30")
    assert "超过7天仍未办结" in out
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.key.like("ts:%:esc-%"))) == 2
        counts = svc.digest_counts(s, county_id=s.scalar(select(Complaint.county_id)),
                                   now=chat.clock.now())
        assert counts == {"open": 1, "overdue": 1, "by_category": {"基础设施": 1},
                          "by_status": {"new": 1}}
        assert svc.digest_counts(s, village_id=999, now=chat.clock.now())["open"] == 0
    assert "TS-20261123-0001 待受理（超期）" in chat.send("supervisor", "/tickets")


def test_supervisor_lists_open_and_all(chat: ChatHarness) -> None:
    assert "本县目前没有待办的群众反映" in chat.send("supervisor", "/tickets")
    file(chat)
    file(chat, about="不针对具体人", category="基础设施")
    chat.press("supervisor", "驳回")
    chat.send("supervisor", "重复反映")
    open_list = chat.send("supervisor", "/tickets")
    assert "TS-20261123-0001 待受理" in open_list and "0002" not in open_list
    assert "TS-20261123-0002 已驳回" in chat.send("supervisor", "/tickets all")


def test_a_supervisor_mid_dialog_is_not_trampled(chat: ChatHarness) -> None:
    file(chat)
    chat.press("supervisor", "受理")
    chat.press("supervisor", "办结")
    # pressing another note button while a note is open restarts the note, not a crash
    assert "请写明不予受理的原因" in chat.press("supervisor", "驳回")
    assert "已驳回" in chat.send("supervisor", "不属实")


def test_supervisors_see_the_photos_of_a_complaint(chat: ChatHarness) -> None:
    chat.send("villager", "/complain")
    chat.press("villager", "基础设施")
    chat.press("villager", "不针对具体人")
    chat.send("villager", "@photo PH-1 村口路灯")
    chat.press("villager", "跳过")
    chat.send("villager", "@photo PH-2")
    chat.press("villager", "发完了")
    chat.press("villager", "匿名反映")
    out = chat.press("villager", "提交")
    card = out.split("-> supervisor: 【群众反映】", 1)[1]
    assert "照片：2张" in card and "   （照片：PH-1）\n   （照片：PH-2）" in card
    assert "孙大伯" not in card
    detail = chat.send("supervisor", f"/ticket {NO}")
    assert "（照片：PH-1）" in detail and "（照片：PH-2）" in detail
    own = chat.send("villager", f"/ticket {NO}")  # the villager's progress view stays text
    assert "（照片：" not in own
