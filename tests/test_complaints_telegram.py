"""Complaints end to end through python-telegram-bot and the fake Bot API, with a real
supervision group: an anonymous complaint about a cadre reaches the group without any
trace of its author, is accepted and closed there, and the villager rates it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from conversations.complaints.buttons import TicketButton
from core.app import BotCore
from storage.models import AuditEvent, Complaint, Identity, Member, OutboxMessage, Villager
from tests.fake_telegram import FakeTelegram, photo_captioned, said
from tests.live import LiveBot, live_telegram

GROUP = -1001234567890
VILLAGER_TG, SUPERVISOR_TG, CADRE_TG = 4242, 4343, 4444
SECRETS = ("孙大伯", str(VILLAGER_TG), "sun_dabo")


@pytest.fixture
async def tg_group(fake_tg: FakeTelegram, demo: BotCore, telegram_library: str):  # type: ignore[no-untyped-def]
    """The `tg` fixture with SUPERVISION_CHAT_ID set to a Telegram group."""
    now = demo.clock.now()
    with demo.db.session() as s:
        # the demo's console accounts were used earlier: Telegram is where people are now
        for ident in s.scalars(select(Identity)):
            ident.last_seen_at = now - timedelta(days=1)
        villager = s.scalar(select(Villager).where(Villager.name == "孙大伯"))
        s.add(Identity(platform="telegram", external_id=str(VILLAGER_TG), chat_id=str(VILLAGER_TG),
                       villager_id=villager.id, username="sun_dabo", display_name="孙大伯",
                       created_at=now, last_seen_at=now))
        for ext, name in ((SUPERVISOR_TG, "陈监督"), (CADRE_TG, "张驻村")):
            m = s.scalar(select(Member).where(Member.name == name))
            s.add(Identity(platform="telegram", external_id=str(ext), chat_id=str(ext),
                           member_id=m.id, created_at=now, last_seen_at=now))
    async with live_telegram(demo, fake_tg.url, telegram_library,
                             supervision_chat_id=str(GROUP)) as bot:
        yield bot








async def _press(fake: FakeTelegram, user: int, call, label: str, expect: str,  # type: ignore[no-untyped-def]
                 chat: int | None = None, reply_chat: int | None = None):
    mark = fake.mark()
    fake.push_callback(user, call.buttons[label], chat_id=chat)
    return await fake.wait_for(said(expect, reply_chat or chat or user), since=mark)


async def _say(fake: FakeTelegram, user: int, text: str, expect: str):  # type: ignore[no-untyped-def]
    mark = fake.mark()
    fake.push_text(user, text, username="sun_dabo" if user == VILLAGER_TG else None)
    return await fake.wait_for(said(expect, user), since=mark)


async def test_anonymous_complaint_about_a_cadre_through_the_supervision_group(
        fake_tg: FakeTelegram, tg_group: LiveBot) -> None:
    v = VILLAGER_TG
    call = await _say(fake_tg, v, "/complain", "请选择问题的类别")
    call = await _press(fake_tg, v, call, "不在岗", "哪位成员")
    call = await _press(fake_tg, v, call, "张驻村（驻村干部）", "发生了什么事")
    mark = fake_tg.mark()
    fake_tg.push_photo(v, "PHOTO-1", caption="张驻村说好来入户，等了一上午没见人，电话也不接。")
    call = await fake_tg.wait_for(said("在哪里", v), since=mark)
    call = await _press(fake_tg, v, call, "跳过", "已收到1张照片")
    call = await _press(fake_tg, v, call, "发完了", "实名还是匿名")
    call = await _press(fake_tg, v, call, "匿名反映", "确认提交")
    mark = fake_tg.mark()
    fake_tg.push_callback(v, call.buttons["提交"])
    done = await fake_tg.wait_for(said("您的问题编号是 TS-20261123-0001", v), since=mark)
    assert "方式：匿名" in done.params["text"]

    # one photo and a short card: the photo itself, re-sent by file id, the card its caption
    card = await fake_tg.wait_for(photo_captioned("【群众反映】TS-20261123-0001", GROUP))
    assert card.params["photo"] == "PHOTO-1" and fake_tg.sent_photo_ids(GROUP) == ["PHOTO-1"]
    text = card.params["caption"]
    assert "反映人：匿名" in text and "涉及：张驻村（驻村干部）" in text and "照片：1张" in text
    for secret in SECRETS:
        assert secret not in text

    # the supervisor accepts in the group, then closes: the note is asked privately
    await _press(fake_tg, SUPERVISOR_TG, card, "受理", "TS-20261123-0001 已受理（陈监督）",
                 chat=GROUP)
    await fake_tg.wait_for(said("已经受理", v))
    mark = fake_tg.mark()
    fake_tg.push_callback(SUPERVISOR_TG, card.buttons["办结"], chat_id=GROUP)
    await fake_tg.wait_for(said("请在与我的私聊里填写说明", GROUP), since=mark)
    await fake_tg.wait_for(said("请简要写明处理结果", SUPERVISOR_TG), since=mark)
    mark = fake_tg.mark()
    fake_tg.push_text(SUPERVISOR_TG, "已约谈张驻村，要求按时入户。")
    await fake_tg.wait_for(said("TS-20261123-0001 已办结（陈监督）", GROUP), since=mark)
    closing = await fake_tg.wait_for(said("已经办结", v), since=mark)
    assert "处理结果：已约谈张驻村，要求按时入户。" in closing.params["text"]
    await _press(fake_tg, v, closing, "满意", "谢谢您的评价（满意）")
    await fake_tg.wait_for(said("反映人评价：满意", GROUP))

    # the supervisor's /ticket shows the photo too (with the whole record as its caption)
    mark = fake_tg.mark()
    fake_tg.push_text(SUPERVISOR_TG, "/ticket TS-20261123-0001")
    detail = await fake_tg.wait_for(photo_captioned("办理记录", SUPERVISOR_TG), since=mark)
    assert detail.params["photo"] == "PHOTO-1" and "反映人：匿名" in detail.params["caption"]

    # the cadre it is about cannot see it, even with the number
    await _say(fake_tg, CADRE_TG, "/ticket TS-20261123-0001", "只对监督员、管理员、村民开放")
    assert not [m for m in fake_tg.sent_messages(CADRE_TG) if "张驻村说好" in str(m.get("text"))]

    # nothing the bot sent to anyone but the author carries the author
    for c in fake_tg.calls():
        scope = c.params.get("scope") or {}
        scope = json.loads(scope) if isinstance(scope, str) else scope
        if str(v) in (str(c.params.get("chat_id")), str(scope.get("chat_id"))):
            continue  # the author's own chat
        blob = json.dumps(c.params, ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in blob, (c.method, blob)
    with tg_group.core.db.session() as s:
        for row in s.scalars(select(OutboxMessage)):
            blob = json.dumps(row.payload, ensure_ascii=False)
            assert not any(secret in blob for secret in SECRETS), blob
        villager_id = s.scalar(select(Villager.id).where(Villager.name == "孙大伯"))
        c = s.scalar(select(Complaint))
        assert c.status == "closed" and c.rating == "good"
        for a in s.scalars(select(AuditEvent).where(AuditEvent.subject == f"complaint:{c.id}")):
            assert a.actor != f"villager:{villager_id}"


async def test_forged_button_in_the_group_is_refused(fake_tg: FakeTelegram,
                                                     tg_group: LiveBot) -> None:
    with tg_group.core.db.session() as s:
        from services import complaints as svc

        villager = s.scalar(select(Villager))
        c = svc.file_complaint(s, villager=villager, category="其他", text="路灯坏了",
                               place_time=None, photos=[], anonymous=True, subject_member_id=None,
                               about_team=False, now=tg_group.core.clock.now(),
                               tz="Asia/Shanghai", daily_limit=5)
        cid = c.id
    mark = fake_tg.mark()
    fake_tg.push_callback(CADRE_TG, TicketButton("close", cid).pack(), chat_id=GROUP)
    await fake_tg.wait_for(said("您没有办理这件群众反映的权限", GROUP), since=mark)
    with tg_group.core.db.session() as s:
        assert s.get(Complaint, cid).status == "new"
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert refused and refused[-1].detail["callback"] == f"tsa:close:{cid}"


async def test_many_photos_and_a_long_card_reach_the_supervisor(fake_tg: FakeTelegram,
                                                                tg_group: LiveBot) -> None:
    """Albums first, then the whole card with the buttons; a photo Telegram no longer has
    is left out with a note instead of losing the card."""
    ids = ["P-A", "P-B", "P-C"]
    for fid in ids:
        fake_tg.make_photo(VILLAGER_TG, fid)  # Telegram knows the villager's uploads
    with tg_group.core.db.session() as s:
        from services import complaints as svc

        villager = s.scalar(select(Villager).where(Villager.name == "孙大伯"))
        c = svc.file_complaint(s, villager=villager, category="其他", text="路灯坏了。" * 300,
                               place_time=None, photos=[*ids, "GONE"], anonymous=True,
                               subject_member_id=None, about_team=False,
                               now=tg_group.core.clock.now(), tz="Asia/Shanghai", daily_limit=5)
        ticket = c.ticket_no
    mark = fake_tg.mark()
    fake_tg.push_text(SUPERVISOR_TG, f"/ticket {ticket}")
    text = await fake_tg.wait_for(said("有1张照片未能发送", SUPERVISOR_TG), since=mark)
    calls = [c for c in fake_tg.calls()[mark:] if str(c.params.get("chat_id")) == str(SUPERVISOR_TG)]
    sent = [c for c in calls if c.ok and c.method in ("sendPhoto", "sendMediaGroup", "sendMessage")]
    # the album with the unknown id is refused, the three good photos go one by one
    assert [c.method for c in sent] == ["sendPhoto"] * 3 + ["sendMessage"] * (len(sent) - 3)
    assert fake_tg.sent_photo_ids(SUPERVISOR_TG) == ids
    assert "反映人：匿名" in sent[3].params["text"]
    assert text.buttons["受理"].startswith("tsa:accept:")  # buttons on the last part
    for c in calls:
        blob = json.dumps(c.params, ensure_ascii=False)
        assert not any(secret in blob for secret in SECRETS), blob
