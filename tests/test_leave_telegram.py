"""Leave end to end through python-telegram-bot and the fake Bot API, forged button included."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import AuditEvent, Identity, LeaveRequest, Member
from tests.conftest import at
from tests.fake_telegram import FakeTelegram, buttons_of
from tests.live import LiveBot

CADRE1, LEADER, CADRE2 = 1001, 1002, 1003


def _link_telegram(tg: LiveBot) -> None:
    """Give the demo people Telegram accounts; their console ones were last seen long ago.

    The outbox writes to a person's most recently seen identity, and the test clock does
    not move while messages flow, so the console identities are pushed back a day.
    """
    now = tg.core.clock.now()
    with tg.core.db.session() as s:
        for ident in s.scalars(select(Identity)):
            ident.last_seen_at = now - timedelta(days=1)
        for chat, name in ((CADRE1, "张驻村"), (LEADER, "王组长"), (CADRE2, "赵驻村")):
            m = s.scalar(select(Member).where(Member.name == name))
            s.add(Identity(platform="telegram", external_id=str(chat), chat_id=str(chat),
                           member_id=m.id, last_seen_at=now))


async def _expect(fake: FakeTelegram, chat: int, text: str, since: int) -> dict:
    try:
        call = await fake.wait_for(lambda c: c.method == "sendMessage" and str(
            c.params.get("chat_id")) == str(chat) and text in str(c.params.get("text")),
            since=since)
    except TimeoutError as exc:
        got = [m.get("text") for m in fake.sent_messages(chat)]
        raise AssertionError(f"{chat} never got {text!r}; it got {got}") from exc
    return call.params


async def _say(fake: FakeTelegram, chat: int, text: str, expect: str, to: int | None = None) -> dict:
    mark = fake.mark()
    fake.push_text(chat, text)
    return await _expect(fake, to or chat, expect, mark)


async def _press(fake: FakeTelegram, chat: int, data: str, expect: str,
                 to: int | None = None) -> dict:
    mark = fake.mark()
    fake.push_callback(chat, data)
    return await _expect(fake, to or chat, expect, mark)




async def test_ask_approve_by_button_refuse_forgery_return_early(fake_tg: FakeTelegram,
                                                                 tg: LiveBot) -> None:
    _link_telegram(tg)
    menu = await _say(fake_tg, CADRE1, "/leave", "请选择请假类型")
    await _press(fake_tg, CADRE1, buttons_of(menu)["弹性休假"], "请输入日期")
    echo = await _say(fake_tg, CADRE1, "下周一到周三",
                      "11月30日(周一) 至 12月2日(周三)，共3天，其中工作日3天")
    await _press(fake_tg, CADRE1, buttons_of(echo)["确认"], "请简单说明事由")
    card = await _say(fake_tg, CADRE1, "回家照顾生病的母亲", "【请假审批】张驻村申请弹性休假",
                      to=LEADER)
    approve = buttons_of(card)["批准"]
    assert approve.startswith("lv:a:") and set(buttons_of(card)) == {"批准", "驳回"}

    # cadre2 sends the leader's callback data: refused and audited, the leave stays pending
    await _press(fake_tg, CADRE2, approve, "您不是这条请假的审批人", to=CADRE2)
    with tg.core.db.session() as s:
        assert s.scalar(select(LeaveRequest.status)) == "pending"
        refused = s.scalar(select(AuditEvent).where(AuditEvent.action == "refused"))
        assert refused.actor.startswith("member:") and refused.detail["callback"] == approve

    await _press(fake_tg, LEADER, approve, "已由王组长批准", to=CADRE1)
    await _press(fake_tg, LEADER, approve, "已经处理过了")  # the second press

    tg.core.clock.set(at("2026-12-01 09:00"))  # type: ignore[attr-defined]
    back = await _say(fake_tg, CADRE1, "/back", "返岗：12月1日，实际请假1天（工作日1天）")
    await _press(fake_tg, CADRE1, buttons_of(back)["确认销假"], "张驻村已销假", to=LEADER)
    await _say(fake_tg, CADRE1, "/myleave", "12月弹性休假：每月3天，已用0天，待批0天，剩余3天")
    with tg.core.db.session() as s:
        assert s.scalar(select(LeaveRequest.status)) == "returned"
