"""The bot on DingTalk, end to end against the fake gateway: registration by invite code,
commands typed as words, a leave approved by button, a refused forged press, group @
messages, a reminder, binding a second platform, and what DingTalk cannot do."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.invites import create_invite
from services.roles import Role
from storage.models import AuditEvent, Identity, LeaveRequest, Member, OutboxMessage, Team
from tests.dingtalk_support import APP_ID, APP_SECRET, dingtalk_bot
from tests.fakes.dingtalk import DEFAULT_GROUP_ID, TOPIC_ROBOT_MESSAGE, FakeDingTalk

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with FakeDingTalk(client_id=APP_ID, client_secret=APP_SECRET) as f:
        yield f


async def test_registration_by_invite_code_with_a_64_character_staff_id(any_db_url: str,
                                                                       fake: FakeDingTalk) -> None:
    """DingTalk user ids are strings of up to 64 characters: registration stores them whole
    (SQLite and PostgreSQL), and the words of the dialog name commands in Chinese."""
    staff = "manager" + "7" * 57
    assert len(staff) == 64
    async with dingtalk_bot(any_db_url, fake) as bot:
        with bot.core.db.session() as s:
            team = s.scalar(select(Team))
            code = create_invite(s, role=Role.CADRE, now=bot.clock.now(), team=team).code
        fake.push_text(staff, "你好")
        text, _ = await bot.wait_said(staff, "注册")
        assert "/start" not in text  # no slash commands on DingTalk
        fake.push_text(staff, f"注册 {code}")
        await bot.wait_said(staff, "真实姓名")
        fake.push_text(staff, "钱驻村")
        done, _ = await bot.wait_said(staff, "注册成功")
        assert "「帮助」" in done and "/help" not in done
        with bot.core.db.read() as s:
            ident = s.scalar(select(Identity).where(Identity.platform == "dingtalk",
                                                    Identity.external_id == staff))
            assert ident is not None and ident.chat_id == staff
            assert s.get(Member, ident.member_id).name == "钱驻村"  # type: ignore[union-attr]
        # every frame was acknowledged only after it was stored
        assert all(d.state == "acked" for d in fake.deliveries(TOPIC_ROBOT_MESSAGE))


async def test_leave_request_approved_by_the_leader_with_a_card_button(db_url: str,
                                                                      fake: FakeDingTalk) -> None:
    async with dingtalk_bot(db_url, fake) as bot:
        fake.push_text("cadre1", "请假")
        _, buttons = await bot.wait_said("cadre1", "请选择请假类型")
        fake.push_text("cadre1", buttons["事假"])  # pressing sends the press back
        await bot.wait_said("cadre1", "请输入日期")
        fake.push_text("cadre1", "明天")
        _, buttons = await bot.wait_said("cadre1", "对吗")
        fake.push_text("cadre1", buttons["确认"])
        await bot.wait_said("cadre1", "事由")
        fake.push_text("cadre1", "家里有事")
        await bot.wait_said("cadre1", "已提交事假申请")
        card, buttons = await bot.wait_said("leader", "请假审批")
        assert "批准" in buttons and "驳回" in buttons
        # the card goes through the robot's one-to-one API, its buttons as links
        sent = [m for m in fake.sent_messages("leader") if m.msg_type == "sampleMarkdown"]
        assert sent and sent[-1].via == "batchSend"

        # someone else pressing the leader's button (the same text typed) is refused
        fake.push_text("cadre2", buttons["批准"])
        await fake.wait_until(lambda: fake.sent_messages("cadre2"))
        with bot.core.db.read() as s:
            assert s.scalar(select(LeaveRequest.status)) == "pending"
            assert s.scalar(select(AuditEvent).where(AuditEvent.action == "refused")) is not None

        fake.push_text("leader", buttons["批准"])
        await bot.wait_said("leader", "已批准")
        await bot.wait_said("cadre1", "批准。")
        with bot.core.db.read() as s:
            assert s.scalar(select(LeaveRequest.status)) == "approved"


async def test_group_messages_that_mention_the_robot_get_answers_in_the_group(
        db_url: str, fake: FakeDingTalk) -> None:
    async with dingtalk_bot(db_url, fake) as bot:
        fake.push_text("cadre1", "大家好，今天开会", conversation_type="2")  # not a command
        fake.push_text("cadre1", "帮助", conversation_type="2")
        text, _ = await bot.wait_said(DEFAULT_GROUP_ID, "可以使用")
        assert "「日志」" in text
        sent = fake.sent_messages(DEFAULT_GROUP_ID)
        assert len(sent) == 1 and sent[0].via == "groupMessages/send"
        assert not fake.sent_messages("cadre1")  # nothing went to the private chat


async def test_a_reminder_reaches_the_cadre_on_dingtalk(db_url: str, fake: FakeDingTalk) -> None:
    async with dingtalk_bot(db_url, fake, reminders_seed_defaults=True) as bot:
        await bot.tick(datetime(2026, 11, 23, 20, 0, tzinfo=TZ))  # Monday 20:00, no log yet
        text, _ = await bot.wait_said("cadre1", "日志")
        assert "/report" not in text
        assert fake.sent_messages("cadre1")[0].via == "batchSend"


async def test_check_in_on_dingtalk_explains_instead_of_asking_for_a_location(
        db_url: str, fake: FakeDingTalk) -> None:
    async with dingtalk_bot(db_url, fake) as bot:
        fake.push_text("cadre1", "打卡")
        text, buttons = await bot.wait_said("cadre1", "钉钉不能把位置发给机器人")
        assert not buttons and "工作日志" in text
    async with dingtalk_bot(db_url, fake, checkin_enabled=False, demo=False) as bot:
        fake.push_text("cadre2", "打卡")
        await bot.wait_said("cadre2", "按您提交的工作日志计算")


async def test_binding_dingtalk_to_a_telegram_account_and_choosing_where_messages_go(
        db_url: str, fake: FakeDingTalk) -> None:
    from core.messages import Incoming, Reply

    async with dingtalk_bot(db_url, fake, demo=False) as bot:
        with bot.core.db.session() as s:
            from services.demo import load_demo

            load_demo(s, bot.clock.now(), platform="telegram")
        core = bot.core
        tg = core.handle(Incoming(platform="telegram", user_id="cadre1", chat_id="cadre1",
                                  text="/link"))
        code = tg.replies[0].text.split("：")[1].split("\n")[0].strip()
        # a wrong code is refused and audited; the right one binds
        fake.push_text("dt-zhang", "绑定 AAAA-BBBB")
        await bot.wait_said("dt-zhang", "绑定码不对")
        bot.clock.advance(timedelta(minutes=5))
        fake.push_text("dt-zhang", f"绑定 {code}")
        await bot.wait_said("dt-zhang", "绑定成功")
        with core.db.read() as s:
            ident = s.scalar(select(Identity).where(Identity.platform == "dingtalk"))
            zhang = s.scalar(select(Member).where(Member.name == "张驻村"))
            assert ident is not None and zhang is not None and ident.member_id == zhang.id
            zhang_id = zhang.id
            notice = s.scalar(select(OutboxMessage).where(OutboxMessage.key.like("link:%")))
            assert notice is not None and notice.platform == "telegram"
            refused = s.scalars(select(AuditEvent.action).where(
                AuditEvent.actor == "dingtalk:dt-zhang")).all()
            assert "refused" in refused
        # the code works once
        fake.push_text("dt-other", f"绑定 {code}")
        await bot.wait_said("dt-other", "已经失效")

        def queue(key: str) -> str | None:
            from core import outbox

            with core.db.session() as s:
                outbox.enqueue(s, key=key, reply=Reply("通知"), now=core.clock.now(),
                               member_id=zhang_id)
            with core.db.read() as s:
                return s.scalar(select(OutboxMessage.platform).where(OutboxMessage.key == key))

        assert queue("n1") == "dingtalk"  # the account used last
        core.handle(Incoming(platform="telegram", user_id="cadre1", chat_id="cadre1",
                             text="/receive telegram"))
        bot.clock.advance(timedelta(minutes=5))
        fake.push_text("dt-zhang", "接收平台")
        text, _ = await bot.wait_said("dt-zhang", "已选定")
        assert queue("n2") == "telegram"  # chosen, though DingTalk was used since
        fake.push_text("dt-zhang", "接收平台 自动")
        await bot.wait_said("dt-zhang", "好的，以后提醒和通知发到您最近使用的平台")
        assert queue("n3") == "dingtalk"


async def test_one_process_serves_telegram_and_dingtalk_and_routes_by_person(
        db_url: str, fake: FakeDingTalk) -> None:
    """A cadre on Telegram asks for leave; the leader, on DingTalk, approves it on the card;
    the cadre is told on Telegram. Both channels run in one runtime, as `bot.py run`
    starts them when both are configured."""
    import asyncio

    from channels.dingtalk import DingTalkChannel
    from channels.telegram import TelegramChannel
    from core.app import BotCore
    from core.runtime import Runtime
    from services.clock import RunningClock
    from services.demo import load_demo
    from tests.dingtalk_support import MONDAY_9, dingtalk_settings
    from tests.fake_telegram import FakeTelegram
    from tests.live import TELEGRAM_TOKEN

    async with FakeTelegram(token=TELEGRAM_TOKEN, bot_username="zhucun_helper_bot") as tg:
        settings = dingtalk_settings(db_url, fake).model_copy(update={
            "bot_token": TELEGRAM_TOKEN, "telegram_base_url": tg.url})
        core = BotCore.create(settings, RunningClock(MONDAY_9))
        with core.db.session() as s:
            load_demo(s, MONDAY_9 - timedelta(days=1), platform="dingtalk")  # seen yesterday
            zhang = s.scalar(select(Member).where(Member.name == "张驻村"))
            s.add(Identity(platform="telegram", external_id="4001", chat_id="4001",
                           member_id=zhang.id, created_at=MONDAY_9, last_seen_at=MONDAY_9))
        runtime = Runtime(core, [TelegramChannel(settings, core.registry, poll_timeout=1),
                                 DingTalkChannel(settings, core.registry)])
        await runtime.start()

        async def tg_said(words: str) -> dict:  # type: ignore[type-arg]
            for _ in range(400):
                for chat, m in tg.sent_log():
                    if str(chat) == "4001" and words in (m.get("text") or ""):
                        return m
                await asyncio.sleep(0.02)
            raise TimeoutError(words)

        def data(m: dict, label: str) -> str:  # type: ignore[type-arg]
            return next(b["callback_data"] for row in m["reply_markup"]["inline_keyboard"]
                        for b in row if b["text"] == label)

        try:
            await fake.wait_connected()
            tg.push_text(4001, "/leave")
            tg.push_callback(4001, data(await tg_said("请选择请假类型"), "事假"))
            await tg_said("请输入日期")
            tg.push_text(4001, "明天")
            tg.push_callback(4001, data(await tg_said("对吗"), "确认"))
            await tg_said("事由")
            tg.push_text(4001, "家里有事")
            await tg_said("已提交事假申请")
            _, buttons = await fake.wait_until(lambda: next(
                (shown for shown in map(_shown, fake.sent_messages("leader"))
                 if "请假审批" in shown[0]), None), timeout=8)
            fake.push_text("leader", buttons["批准"])
            await tg_said("已由王组长批准")  # where the cadre wrote last: Telegram
            assert not any("批准" in m.text for m in fake.sent_messages("cadre1"))
        finally:
            await runtime.stop()
            core.db.dispose()


def _shown(m):  # type: ignore[no-untyped-def]
    from tests.conformance.sides import shown

    return shown(m.content)
