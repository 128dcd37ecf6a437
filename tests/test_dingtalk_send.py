"""DingTalk sends: every answer of the robot APIs becomes the right SendResult, the token
is cached and renewed, a group is paced under its 20 a minute, and people's messages are
never queued behind a group's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from channels.dingtalk import CAPS, DingTalkChannel, message, parts, pressed, to_incoming
from channels.dingtalk_send import RobotClient, TokenCache
from core import outbox
from core.app import BotCore
from core.messages import Attachment, Button, Reply
from core.sender import Bucket, Sender
from storage.models import OutboxMessage
from tests.conformance.sides import shown
from tests.dingtalk_support import APP_ID, APP_SECRET, dingtalk_settings
from tests.fakes.dingtalk import DEFAULT_GROUP_ID, FakeDingTalk


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with FakeDingTalk(client_id=APP_ID, client_secret=APP_SECRET, known_users={"u1", "u2"}) as f:
        yield f


@pytest.fixture
async def client(fake: FakeDingTalk) -> AsyncIterator[RobotClient]:
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=0.5)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        yield RobotClient(http, TokenCache(http, fake.url, APP_ID, APP_SECRET), fake.url, APP_ID)


async def test_answers_map_onto_send_results(fake: FakeDingTalk, client: RobotClient) -> None:
    text = ("sampleText", {"content": "你好"})
    ok = await client.send("u1", None, *text)
    assert ok.status == "sent" and ok.message_id
    assert (await client.send("gone", None, *text)).status == "blocked"  # invalidStaffIdList
    fake.flow_control("u2")
    r = await client.send("u2", None, *text)
    assert r.status == "retry" and r.retry_after == 60
    fake.fail_next(kind="throttle")
    r = await client.send("u1", None, *text)
    assert r.status == "retry" and r.retry_after == 1
    fake.fail_next(kind="5xx")
    assert (await client.send("u1", None, *text)).status == "retry"
    fake.fail_next(kind="reset")
    assert (await client.send("u1", None, *text)).status == "retry"
    fake.fail_next(kind="slow", delay=1.5)  # the answer comes after our read timeout
    assert (await client.send("u1", None, *text)).status == "unknown"
    assert (await client.send("u1", None, "sampleNothing", {})).status == "failed"
    # one token for all of the above, a new one only when DingTalk refuses it
    assert fake.token_requests() == 1
    fake.expire_tokens()
    assert (await client.send("u1", None, *text)).status == "sent"
    assert fake.token_requests() == 2


async def test_a_throttled_group_is_retried_after_ten_minutes(fake: FakeDingTalk,
                                                              client: RobotClient) -> None:
    results = [await client.send(None, DEFAULT_GROUP_ID, "sampleText", {"content": str(i)})
               for i in range(21)]
    assert [r.status for r in results[:20]] == ["sent"] * 20
    assert results[20].status == "retry" and results[20].retry_after == 600


@pytest.mark.parametrize("per_minute", [15.0, 18.0, 30.0])
def test_group_pace_stays_under_twenty_a_minute(per_minute: float) -> None:
    """The group bucket, used as fast as it allows, sends at most 20 in any minute, whatever
    DINGTALK_GROUP_PER_MINUTE says."""
    from services.config import Settings

    caps = DingTalkChannel(Settings(dingtalk_client_id="d", dingtalk_client_secret="s",
                                    dingtalk_group_per_minute=per_minute)).caps
    b = Bucket(caps.group_per_minute / 60.0, caps.group_burst, stamp=0.0)
    times, now = [], 0.0
    while now < 300:
        wait = b.wait_time(now)
        now += wait
        b.take(now)
        times.append(now)
        now += 0.001
    worst = max(sum(1 for t in times if s <= t < s + 60) for s in times)
    assert worst <= 20


async def test_people_are_not_queued_behind_a_busy_group(db_url: str, fake: FakeDingTalk) -> None:
    """Thirty messages to one group and one digest to each of twelve people: the people get
    theirs at once; the group gets its burst, paced, and is never throttled by DingTalk."""
    fake.known_users = None
    settings = dingtalk_settings(db_url, fake)
    core = BotCore.create(settings)
    channel = DingTalkChannel(settings, core.registry)
    now = core.clock.now()
    with core.db.session() as s:
        outbox.enqueue_many(s, [outbox.Outgoing(key=f"g{i}", reply=Reply(f"群消息{i}"),
                                                platform="dingtalk", chat_id="g:" + DEFAULT_GROUP_ID,
                                                priority=outbox.BULK) for i in range(30)], now)
        outbox.enqueue_many(s, [outbox.Outgoing(key=f"p{i}", reply=Reply(f"简报{i}"),
                                                platform="dingtalk", chat_id=f"leader{i}",
                                                priority=outbox.BULK) for i in range(12)], now)
    sender = Sender(core.db, channel, worker="t", clock=core.clock.now,
                    command_names=core.command_names(), grace=timedelta(hours=6))
    task = asyncio.create_task(sender.run())
    try:
        await fake.wait_until(lambda: all(fake.sent_messages(f"leader{i}") for i in range(12)),
                              timeout=6)
        await asyncio.sleep(0.5)
    finally:
        sender.stop()
        await asyncio.wait_for(task, 5)
        await channel.stop()
    assert len(fake.sent_messages(DEFAULT_GROUP_ID)) == CAPS.group_burst
    assert not fake.rate_violations
    with core.db.read() as s:
        pending = s.scalars(select(OutboxMessage.key).where(OutboxMessage.status == "pending")).all()
    assert len(pending) == 30 - CAPS.group_burst  # still queued, none lost
    core.db.dispose()


def test_parts_cards_and_presses() -> None:
    reply = Reply("请审批\n# 不是标题", [[Button("批准", "lv:a:5"), Button("驳回", "lv:r:5")]],
                  [Attachment("document", path="/tmp/x.xlsx", filename="考勤.xlsx"),
                   Attachment.photo("AgACtelegramphoto")])
    (part,) = parts(reply, "http://county.example")
    assert "考勤.xlsx" in part["text"] and "http://county.example" in part["text"]
    assert "1 张照片" in part["text"]
    key, param = message(part)
    assert key == "sampleMarkdown" and param["title"] == "请审批"
    assert "\\# 不是标题" in param["text"]  # plain text never becomes a heading
    text, buttons = shown(param)
    assert text.startswith("请审批\n# 不是标题") and list(buttons) == ["批准", "驳回"]
    assert pressed(buttons["批准"]) == "lv:a:5"
    assert "批准](dtmd://dingtalkclient/sendMessage?content=" in param["text"]
    many = Reply("选一个", [[Button(str(i), f"d:x:{i}")] for i in range(8)])
    key, param = message(parts(many)[0])
    assert key == "sampleMarkdown" and param["text"].count("dtmd://") == 8
    assert message({"text": "x" * 10})[0] == "sampleText"
    assert len(parts(Reply("字" * 7000))) == 3


def test_robot_messages_parse() -> None:
    base = {"msgId": "m1", "senderStaffId": "s1", "senderNick": "某人", "conversationType": "1",
            "conversationId": "cidp", "msgtype": "text", "text": {"content": "批准 #lv:a:5"}}
    msg = to_incoming(base)
    assert msg is not None and msg.callback == "lv:a:5" and msg.text is None
    pic = to_incoming({**base, "msgtype": "picture", "content": {"downloadCode": "dc1"}})
    assert pic is not None and pic.photos == ["dc1"]
    group = {**base, "conversationType": "2", "conversationId": "cidg", "text": {"content": " 随便说说"}}
    assert to_incoming(group, {"帮助": "help"}) is None
    cmd = to_incoming({**group, "text": {"content": " 帮助"}}, {"帮助": "help"})
    assert cmd is not None and cmd.chat_id == "g:cidg" and not cmd.is_private
    assert pressed("批准 #lv:a:5:6:7:8:9:10:11:12") is None  # too many fields to be ours
    assert pressed("查询 #TS-12") is None  # a ticket number, not a press


async def test_a_frame_is_acknowledged_only_once_stored() -> None:
    """Stored: ACK 200. The inbox refused it (database down): ACK 500, so a gateway that
    redelivers unacknowledged frames sends it again; nothing is confirmed unstored."""
    from dingtalk_stream.frames import CallbackMessage

    from channels.dingtalk import _RobotHandler
    from core.channel import Received, StoreFailed

    class Sink:
        def __init__(self, fail: bool) -> None:
            self.fail, self.got = fail, []

        async def accept(self, batch: list[Received]) -> None:
            if self.fail:
                raise StoreFailed("OperationalError")
            self.got += batch

    frame = CallbackMessage()
    frame.data = {"msgId": "m9", "senderStaffId": "s1", "conversationType": "1",
                  "msgtype": "text", "text": {"content": "帮助"}}
    ok, down = Sink(False), Sink(True)
    assert (await _RobotHandler(ok).process(frame))[0] == 200
    assert ok.got[0].key == "m9" and ok.got[0].lane == "dingtalk:s1" and ok.got[0].chat_id == "s1"
    assert (await _RobotHandler(down).process(frame))[0] == 500


def test_run_starts_every_configured_channel_and_the_console_without_any() -> None:
    from cli.run import configured_channels
    from core.features import build_registry
    from services.config import Settings

    reg = build_registry()
    none = Settings(bot_token=None, dingtalk_client_id=None, dingtalk_client_secret=None)
    assert configured_channels(none, reg) == []  # run_bot opens the console demo
    both = Settings(bot_token="123:abc", dingtalk_client_id="ding1", dingtalk_client_secret="s")
    assert [c.platform for c in configured_channels(both, reg)] == ["telegram", "dingtalk"]
    only = Settings(bot_token=None, dingtalk_client_id="ding1", dingtalk_client_secret="s")
    assert [c.platform for c in configured_channels(only, reg)] == ["dingtalk"]
