"""Checks of tests/fakes/dingtalk.py against the real ``dingtalk-stream`` SDK client.

The fake runs in its own thread in every SDK test: the SDK makes blocking ``requests``
calls inside its coroutines (see the module docstring of the fake).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import requests
from dingtalk_stream import (
    AckMessage,
    CallbackHandler,
    CallbackMessage,
    CardCallbackMessage,
    CardReplier,
    ChatbotHandler,
    ChatbotMessage,
    Credential,
    DingTalkStreamClient,
    EventHandler,
    EventMessage,
)

from tests.fakes.dingtalk import (
    GROUP_LIMIT_CODE,
    P_BATCH,
    P_GROUP,
    P_OPEN,
    P_TOKEN,
    QPS_LIMIT_CODE,
    TOPIC_CARD_CALLBACK,
    TOPIC_ROBOT_MESSAGE,
    FakeDingTalk,
    point_sdk_at,
    running_sdk_client,
)
from tests.fakes.dingtalk_robot import DingTalkApiError, RobotSender, markdown, text

APP_KEY = "dingtestappkey0001"
SECRET = "test-app-secret"


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def make_fake() -> Iterator[Any]:
    """Factory for threaded fakes with this file's credentials; all stopped at teardown."""
    started: list[FakeDingTalk] = []

    def make(**kwargs: Any) -> FakeDingTalk:
        kwargs.setdefault("ack_timeout", 0.3)
        fake = FakeDingTalk(client_id=APP_KEY, client_secret=SECRET, **kwargs).start_in_thread()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop_thread()


@pytest.fixture
def fake(make_fake: Any) -> FakeDingTalk:
    return make_fake()


class Recorder(ChatbotHandler):
    """Records robot messages; can crash on the first deliveries or answer with a code."""

    def __init__(self, crash_first: int = 0, code: int = AckMessage.STATUS_OK,
                 reply: bool = False) -> None:
        super().__init__()
        self.seen: list[tuple[str, ChatbotMessage]] = []  # (frame messageId, message)
        self.crash_first = crash_first
        self.code = code
        self.reply = reply

    async def process(self, callback: CallbackMessage) -> tuple[int, str]:
        message = ChatbotMessage.from_dict(callback.data)
        self.seen.append((callback.headers.message_id, message))
        if self.crash_first:
            self.crash_first -= 1
            raise RuntimeError("handler crashed")  # the SDK logs it and sends no ACK
        if self.reply:
            self.reply_text(f"收到：{message.text.content.strip()}", message)
        return self.code, "OK"


class EventRecorder(EventHandler):
    def __init__(self, crash_first: int = 0) -> None:
        super().__init__()
        self.seen: list[EventMessage] = []
        self.crash_first = crash_first

    async def process(self, event: EventMessage) -> tuple[int, str]:
        self.seen.append(event)
        if self.crash_first:
            self.crash_first -= 1
            raise RuntimeError("event handler crashed")
        return AckMessage.STATUS_OK, "OK"


class CardRecorder(CallbackHandler):
    """Records card button presses and answers with new card data, like the card examples."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[CardCallbackMessage] = []

    async def process(self, callback: CallbackMessage) -> tuple[int, Any]:
        message = CardCallbackMessage.from_dict(callback.data)
        self.seen.append(message)
        action = message.content["cardPrivateData"]["params"].get("action", "")
        return AckMessage.STATUS_OK, {"cardUpdateOptions": {"updateCardDataByKey": True},
                                      "cardData": {"cardParamMap": {"status": action}}}


@asynccontextmanager
async def sdk(fake: FakeDingTalk, handlers: dict[str, CallbackHandler] | None = None,
              events: EventHandler | None = None, *, connect: bool = True,
              secret: str = SECRET) -> AsyncIterator[DingTalkStreamClient]:
    """The real SDK client pointed at ``fake``, running until the block ends."""
    with point_sdk_at(fake.url):
        client = DingTalkStreamClient(Credential(APP_KEY, secret))
        for topic, handler in (handlers or {}).items():
            client.register_callback_handler(topic, handler)
        if events is not None:
            client.register_all_event_handler(events)
        async with running_sdk_client(client):
            if connect:
                await fake.wait_connected()
            yield client


def sender(fake: FakeDingTalk, client: DingTalkStreamClient | None = None, **kwargs: Any) -> RobotSender:
    """The thin send client, with its token from an SDK client (which caches it)."""
    client = client or DingTalkStreamClient(Credential(APP_KEY, SECRET))
    return RobotSender(APP_KEY, lambda: token_of(fake, client), reset_token=client.reset_access_token,
                       base_url=fake.url, **kwargs)


def token_of(fake: FakeDingTalk, client: DingTalkStreamClient) -> str | None:
    """``client.get_access_token()`` with the SDK pointed at the fake for the call."""
    with point_sdk_at(fake.url):
        return client.get_access_token()


# --------------------------------------------------------------------------- connecting


async def test_sdk_opens_a_connection_with_its_credentials_and_subscriptions(fake: FakeDingTalk) -> None:
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: Recorder()}):
        opened = fake.calls(P_OPEN)
        connect = fake.calls("/connect")
    assert [c.status for c in opened] == [200]
    body = opened[0].body
    assert body["clientId"] == APP_KEY and body["clientSecret"] == SECRET
    assert body["subscriptions"] == [{"type": "CALLBACK", "topic": TOPIC_ROBOT_MESSAGE}]
    assert body["ua"].startswith("dingtalk-sdk-python/")
    assert opened[0].response["endpoint"] == fake.ws_endpoint
    # the SDK connects to endpoint?ticket=<the ticket it was given>
    assert [c.status for c in connect] == [101]
    assert connect[0].query["ticket"] == opened[0].response["ticket"]


async def test_wrong_secret_is_refused_and_the_sdk_gets_no_endpoint(fake: FakeDingTalk) -> None:
    with point_sdk_at(fake.url):
        client = DingTalkStreamClient(Credential(APP_KEY, "wrong"))
        assert client.open_connection() is None
        assert client.get_access_token() is None
    opened, token = fake.calls(P_OPEN)[-1], fake.calls(P_TOKEN)[-1]
    assert (opened.status, opened.response["code"]) == (401, "authFailed")
    assert (token.status, token.response["code"]) == (400, "invalidClientIdOrSecret")


async def test_frames_on_the_wire_have_the_documented_shape() -> None:
    """A raw WebSocket client (no SDK) against a fake on this very loop: ``async with``."""
    async with FakeDingTalk(client_id=APP_KEY, client_secret=SECRET) as fake, aiohttp.ClientSession() as http:
        subs = [{"type": "CALLBACK", "topic": TOPIC_ROBOT_MESSAGE}]
        async with http.post(fake.url + P_OPEN, json={"clientId": APP_KEY, "clientSecret": SECRET,
                                                      "subscriptions": subs}) as resp:
            opened = await resp.json()
        url = f"{opened['endpoint']}?ticket={opened['ticket']}"
        async with http.ws_connect(url) as ws:
            pushed = fake.push_text("u1", "你好")
            frame = json.loads((await ws.receive(timeout=5)).data)
            assert frame["specVersion"] == "1.0" and frame["type"] == "CALLBACK"
            headers = frame["headers"]
            assert {"appId", "connectionId", "contentType", "messageId", "time", "topic"} <= set(headers)
            assert headers["topic"] == TOPIC_ROBOT_MESSAGE and headers["messageId"] == pushed.message_id
            assert headers["time"].isdigit() and headers["contentType"] == "application/json"
            assert isinstance(frame["data"], str)  # a JSON *string*, decoded by the client
            assert json.loads(frame["data"])["text"]["content"] == "你好"
            await ws.send_json({"code": 200, "headers": {"messageId": headers["messageId"],
                                                         "contentType": "application/json"},
                                "message": "OK", "data": json.dumps({"response": None})})
            acked = await fake.wait_acked(pushed)
            assert acked.ack["data"] == {"response": None}
        # a ticket opens one connection only
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with http.ws_connect(url):
                pass
        assert refused.value.status == 401


# --------------------------------------------------------------------------- robot messages


async def test_robot_text_reaches_the_chatbot_handler_and_is_acked(fake: FakeDingTalk) -> None:
    robot = Recorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        pushed = fake.push_text("u1", "签到", nick="张三")
        await fake.wait_until(lambda: robot.seen)
        acked = await fake.wait_acked(pushed)
    frame_id, message = robot.seen[0]
    assert frame_id == pushed.message_id
    assert message.text.content == "签到" and message.message_type == "text"
    assert message.conversation_type == "1" and message.sender_staff_id == "u1"
    assert message.sender_nick == "张三" and message.robot_code == APP_KEY
    assert message.session_webhook.startswith(fake.url)
    assert message.session_webhook_expired_time > time.time() * 1000
    assert message.message_id and message.chatbot_user_id == fake.chatbot_user_id
    assert acked.ack["code"] == 200 and acked.ack["headers"]["messageId"] == pushed.message_id
    assert len(acked.attempts) == 1


async def test_group_messages_reach_the_robot_only_when_it_is_mentioned(fake: FakeDingTalk) -> None:
    robot = Recorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        silent = fake.push_text("u1", "大家好", "2", "cidG1", at_bot=False)
        fake.push_text("u2", "请假", "2", "cidG1", conversation_title="驻村一队")
        await fake.wait_until(lambda: robot.seen)
        await asyncio.sleep(0.05)
    assert fake.delivery(silent.message_id).state == "not_forwarded"
    assert len(robot.seen) == 1
    message = robot.seen[0][1]
    assert message.conversation_type == "2" and message.conversation_id == "cidG1"
    assert message.is_in_at_list is True and message.conversation_title == "驻村一队"
    assert [u.dingtalk_id for u in message.at_users] == [fake.chatbot_user_id]
    assert message.text.content == " 请假"  # the @mention is cut out, its space stays


async def test_messages_pushed_before_the_bot_connects_wait_for_it(fake: FakeDingTalk) -> None:
    pushed = fake.push_text("u1", "早")
    assert fake.delivery(pushed.message_id).state == "queued"
    robot = Recorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        await fake.wait_acked(pushed)
    assert [m.text.content for _, m in robot.seen] == ["早"]


async def test_unacked_robot_message_is_not_redelivered_by_default(fake: FakeDingTalk) -> None:
    """The docs: robot messages are fire-and-forget; only events are pushed again."""
    robot = Recorder(crash_first=1)
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        pushed = fake.push_text("u1", "one")
        await fake.wait_until(lambda: robot.seen)
        await asyncio.sleep(fake.ack_timeout * 3)
        after = fake.delivery(pushed.message_id)
    assert len(robot.seen) == 1
    assert after.state == "sent" and after.ack is None and len(after.attempts) == 1


async def test_unacked_message_is_redelivered_after_the_ack_timeout(make_fake: Any) -> None:
    fake = make_fake(redeliver="all", ack_timeout=0.2)
    robot = Recorder(crash_first=1)
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        pushed = fake.push_text("u1", "重要")
        acked = await fake.wait_acked(pushed)
    assert len(robot.seen) == 2
    (first_id, first), (second_id, second) = robot.seen
    assert first_id == second_id == pushed.message_id  # same frame id: the bot can deduplicate
    assert first.message_id == second.message_id
    assert len(acked.attempts) == 2 and acked.attempts[1][1] - acked.attempts[0][1] >= 0.2


async def test_a_non_200_ack_counts_as_not_acknowledged(make_fake: Any) -> None:
    fake = make_fake(redeliver="all", ack_timeout=0.2, max_attempts=2)
    robot = Recorder(code=AckMessage.STATUS_SYSTEM_EXCEPTION)
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        pushed = fake.push_text("u1", "x")
        await fake.wait_until(lambda: fake.delivery(pushed.message_id).state == "dropped")
    dropped = fake.delivery(pushed.message_id)
    assert len(robot.seen) == 2 and dropped.ack["code"] == 500


async def test_unacked_event_is_redelivered_when_the_client_reconnects(make_fake: Any) -> None:
    fake = make_fake(ack_timeout=30)  # long: only the reconnect can bring it back quickly
    events = EventRecorder(crash_first=1)
    async with sdk(fake, events=events):
        assert fake.connections()[0].subscriptions == [{"type": "EVENT", "topic": "*"}]
        pushed = fake.push_event("user_add_org", {"userId": ["015xxx"]})
        await fake.wait_until(lambda: events.seen)
        fake.drop_connection()
        acked = await fake.wait_acked(pushed)
    assert len(events.seen) == 2
    assert events.seen[0].headers.event_type == "user_add_org"
    assert events.seen[0].headers.event_id == events.seen[1].headers.event_id
    assert acked.connections == [1, 2]


# --------------------------------------------------------------------------- system frames


async def test_sdk_answers_pings_with_their_opaque(make_fake: Any) -> None:
    fake = make_fake(ping_interval=0.05)
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: Recorder()}):
        await fake.wait_until(lambda: sum(p.answered for p in fake.pings()) >= 2)
        manual = fake.send_ping()
        await fake.wait_until(lambda: next(p for p in fake.pings()
                                           if p.message_id == manual.message_id).answered)
    reply = next(p for p in fake.pings() if p.message_id == manual.message_id).reply
    assert reply["code"] == 200 and reply["data"] == {"opaque": manual.opaque}


async def test_disconnect_frame_makes_the_sdk_reconnect(fake: FakeDingTalk) -> None:
    robot = Recorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        fake.send_disconnect()  # grace 10 s: the SDK must close by itself
        await fake.wait_connected(2, timeout=3)
        pushed = fake.push_text("u1", "还在吗")
        acked = await fake.wait_acked(pushed)
    first = fake.connections()[0]
    assert first.closed_by == "client"
    assert acked.connections == [2]


async def test_drop_connection_makes_the_sdk_reconnect_and_messages_flow(fake: FakeDingTalk) -> None:
    robot = Recorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        assert fake.drop_connection() == [1]
        await fake.wait_connected(2)
        acked = await fake.wait_acked(fake.push_text("u1", "重连后"))
    assert fake.connections()[0].close_code == 1000
    assert acked.connections == [2] and robot.seen[0][1].text.content == "重连后"


async def test_abrupt_drop_resets_the_socket() -> None:
    async with FakeDingTalk(client_id=APP_KEY, client_secret=SECRET) as fake, aiohttp.ClientSession() as http:
        subs = [{"type": "CALLBACK", "topic": TOPIC_ROBOT_MESSAGE}]
        async with http.post(fake.url + P_OPEN, json={"clientId": APP_KEY, "clientSecret": SECRET,
                                                      "subscriptions": subs}) as resp:
            opened = await resp.json()
        async with http.ws_connect(f"{opened['endpoint']}?ticket={opened['ticket']}") as ws:
            await fake.wait_connected()
            fake.drop_connection(abrupt=True)
            msg = await ws.receive(timeout=5)
        assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        assert fake.connections()[0].close_code == 1006


# --------------------------------------------------------------------------- tokens and sending


async def test_sdk_caches_the_access_token(fake: FakeDingTalk) -> None:
    client = DingTalkStreamClient(Credential(APP_KEY, SECRET))
    first, second = token_of(fake, client), token_of(fake, client)
    robot = sender(fake, client)
    for n in range(3):
        robot.send_to_users(["u1"], *text(f"提醒 {n}"))
    assert first == second
    assert fake.token_requests() == 1
    assert [m.text for m in fake.sent_messages("u1")] == ["提醒 0", "提醒 1", "提醒 2"]


async def test_rejected_token_is_refreshed_once(fake: FakeDingTalk) -> None:
    client = DingTalkStreamClient(Credential(APP_KEY, SECRET))
    robot = sender(fake, client)
    robot.send_to_users(["u1"], *text("一"))
    fake.expire_tokens()  # server-side expiry: the SDK's cache does not know
    robot.send_to_users(["u1"], *text("二"))
    statuses = [(c.status, (c.response or {}).get("code")) for c in fake.calls(P_BATCH)]
    assert statuses == [(200, None), (400, "InvalidAuthentication"), (200, None)]
    assert fake.token_requests() == 2 and len(fake.sent_messages("u1")) == 2


async def test_send_endpoints_reject_bad_or_missing_tokens(fake: FakeDingTalk) -> None:
    body = {"robotCode": APP_KEY, "userIds": ["u1"], "msgKey": "sampleText",
            "msgParam": json.dumps({"content": "x"})}
    for headers in ({"x-acs-dingtalk-access-token": "forged"}, {}):
        for path in (P_BATCH, P_GROUP):
            resp = requests.post(fake.url + path, json={**body, "openConversationId": "cidG"},
                                 headers=headers, timeout=5)
            assert resp.status_code == 400 and resp.json()["code"] == "InvalidAuthentication"
    assert fake.sent_messages() == []


async def test_batch_send_reports_invalid_and_flow_controlled_users(make_fake: Any) -> None:
    fake = make_fake(known_users={"u1", "u2"})
    fake.flow_control("u2")
    result = sender(fake).send_to_users(["u1", "u2", "stranger"], *text("开会"))
    assert result["invalidStaffIdList"] == ["stranger"]
    assert result["flowControlledStaffIdList"] == ["u2"]
    assert result["processQueryKey"]
    assert [(m.target_id, m.via, m.msg_type, m.text) for m in fake.sent_messages()] == [
        ("u1", "batchSend", "sampleText", "开会")]


async def test_group_send_records_and_validates_the_message(fake: FakeDingTalk) -> None:
    robot = sender(fake)
    robot.send_to_group("cidG1", *markdown("周报", "## 本周走访 12 户"))
    [sent] = fake.sent_messages("cidG1")
    assert (sent.via, sent.target, sent.title, sent.text) == (
        "groupMessages/send", "group", "周报", "## 本周走访 12 户")
    with pytest.raises(DingTalkApiError) as bad_key:
        robot.send_to_group("cidG1", "sampleNonsense", {"content": "x"})
    with pytest.raises(DingTalkApiError) as missing:
        robot.send_to_group("cidG1", "sampleMarkdown", {"title": "no text"})
    assert (bad_key.value.status, bad_key.value.code) == (400, "invalidParameter.msgKey")
    assert (missing.value.status, missing.value.code) == (400, "invalidParameter.msgParam")
    assert len(fake.sent_messages("cidG1")) == 1


async def test_chatbot_handler_replies_through_the_session_webhook(fake: FakeDingTalk) -> None:
    robot = Recorder(reply=True)
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        fake.push_text("u1", "签到")
        fake.push_text("u2", "帮助", "2", "cidG1")
        await fake.wait_until(lambda: len(fake.sent_messages()) == 2)
    by_target = {m.target_id: m for m in fake.sent_messages()}
    assert by_target["u1"].via == "sessionWebhook" and by_target["u1"].text == "收到：签到"
    assert by_target["cidG1"].target == "group" and by_target["cidG1"].text == "收到：帮助"
    assert by_target["u1"].raw["at"] == {"atUserIds": ["u1"]}


async def test_expired_session_webhook_is_refused(fake: FakeDingTalk) -> None:
    webhook = fake.push_text("u1", "hi").data["sessionWebhook"]
    robot = sender(fake)
    assert robot.reply(webhook, {"msgtype": "text", "text": {"content": "ok"}})["errcode"] == 0
    fake.expire_session_webhooks()
    with pytest.raises(DingTalkApiError) as expired:
        robot.reply(webhook, {"msgtype": "text", "text": {"content": "too late"}})
    assert expired.value.code == 300001 and not expired.value.retryable
    assert [m.text for m in fake.sent_messages("u1")] == ["ok"]


# --------------------------------------------------------------------------- rate limits


async def test_group_is_throttled_after_20_messages_a_minute(make_fake: Any) -> None:
    fake = make_fake(group_throttle=0.4)  # a minute's window; the 10-minute throttle shortened
    robot = sender(fake)
    for n in range(20):
        robot.send_to_group("cidG1", *text(f"第{n}条"))
    with pytest.raises(DingTalkApiError) as over:
        robot.send_to_group("cidG1", *text("第21条"))
    assert (over.value.status, over.value.code, over.value.throttled) == (403, GROUP_LIMIT_CODE, True)
    [violation] = fake.rate_violations
    assert (violation.conversation_id, violation.count, violation.limit) == ("cidG1", 21, 20)
    assert fake.throttled_until("cidG1") is not None
    robot.send_to_group("cidOther", *text("别的群不受影响"))
    with pytest.raises(DingTalkApiError):  # still throttled: rejected, no new violation
        robot.send_to_group("cidG1", *text("第22条"))
    assert len(fake.rate_violations) == 1
    await asyncio.sleep(0.45)
    assert fake.throttled_until("cidG1") is None
    with pytest.raises(DingTalkApiError):  # the minute's 20 are still in the window
        robot.send_to_group("cidG1", *text("第23条"))
    assert len(fake.rate_violations) == 2
    assert len(fake.sent_messages("cidG1")) == 20


async def test_group_recovers_when_window_and_throttle_have_passed(make_fake: Any) -> None:
    fake = make_fake(group_limit=3, group_window=0.3, group_throttle=0.3)
    robot = sender(fake)
    for n in range(3):
        robot.send_to_group("cidG1", *text(str(n)))
    with pytest.raises(DingTalkApiError):
        robot.send_to_group("cidG1", *text("over"))
    await asyncio.sleep(0.35)
    robot.send_to_group("cidG1", *text("again"))
    assert [m.text for m in fake.sent_messages("cidG1")] == ["0", "1", "2", "again"]


async def test_session_webhook_replies_count_toward_the_group_limit(fake: FakeDingTalk) -> None:
    robot = sender(fake)
    webhook = fake.push_text("u1", "hi", "2", "cidG1").data["sessionWebhook"]
    for n in range(10):
        robot.send_to_group("cidG1", *text(f"api {n}"))
        robot.reply(webhook, {"msgtype": "text", "text": {"content": f"hook {n}"}})
    with pytest.raises(DingTalkApiError) as over:
        robot.reply(webhook, {"msgtype": "text", "text": {"content": "21st"}})
    assert (over.value.status, over.value.code, over.value.throttled) == (200, 130101, True)
    assert len(fake.sent_messages("cidG1")) == 20


# --------------------------------------------------------------------------- fault injection


@pytest.mark.parametrize("kind", ["throttle", "5xx", "reset", "slow"])
async def test_each_injected_fault_is_observable(fake: FakeDingTalk, kind: str) -> None:
    robot = sender(fake, timeout=0.3)
    fake.fail_next(1, kind, delay=0.6)  # type: ignore[arg-type]
    if kind == "throttle":
        with pytest.raises(DingTalkApiError) as err:
            robot.send_to_group("cidG1", *text("x"))
        assert (err.value.status, err.value.code, err.value.throttled) == (403, QPS_LIMIT_CODE, True)
    elif kind == "5xx":
        with pytest.raises(DingTalkApiError) as err:
            robot.send_to_group("cidG1", *text("x"))
        assert err.value.status == 500 and err.value.retryable and not err.value.throttled
    elif kind == "reset":
        with pytest.raises(requests.ConnectionError):
            robot.send_to_group("cidG1", *text("x"))
    else:
        with pytest.raises(requests.Timeout):
            robot.send_to_group("cidG1", *text("x"))
        # the fake still processed it: a client timeout does not mean "not delivered"
        await fake.wait_until(lambda: fake.sent_messages("cidG1"))
    call = fake.calls(P_GROUP)[0]
    assert call.fault == kind
    assert call.status == {"throttle": 403, "5xx": 500, "reset": 0, "slow": 200}[kind]
    robot.send_to_group("cidG1", *text("after"))  # one fault only: the next call goes through
    assert fake.sent_messages("cidG1")[-1].text == "after"


async def test_faults_on_webhook_token_and_open_endpoints(fake: FakeDingTalk) -> None:
    webhook = fake.push_text("u1", "hi").data["sessionWebhook"]
    fake.fail_next(1, "throttle")
    with pytest.raises(DingTalkApiError) as err:
        sender(fake).reply(webhook, {"msgtype": "text", "text": {"content": "x"}})
    assert err.value.code == 130101
    fake.fail_next(1, "5xx", endpoint="token")
    fake.fail_next(1, "reset", endpoint="open")
    with point_sdk_at(fake.url):
        client = DingTalkStreamClient(Credential(APP_KEY, SECRET))
        client.register_callback_handler(TOPIC_ROBOT_MESSAGE, Recorder())
        assert client.get_access_token() is None
        assert client.open_connection() is None
        assert client.get_access_token()  # both faults consumed
        assert client.open_connection()["ticket"]
    assert [c.fault for c in fake.calls(P_TOKEN)] == ["5xx", None]
    assert [(c.fault, c.status) for c in fake.calls(P_OPEN)] == [("reset", 0), (None, 200)]


# --------------------------------------------------------------------------- cards and media


async def test_card_button_press_reaches_the_card_handler_and_updates_the_card(fake: FakeDingTalk) -> None:
    robot, cards = Recorder(), CardRecorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot, TOPIC_CARD_CALLBACK: cards}) as client:
        await fake.wait_acked(fake.push_text("u1", "请假"))
        incoming = robot.seen[0][1]
        track = CardReplier(client, incoming).create_and_deliver_card("tpl.schema", {"status": ""})
        assert fake.card(track).deliveries[0]["spaceId"] == "u1"
        pressed = fake.push_card_action("u1", track, {"action": "agree"}, action_ids=["agree_btn"])
        await fake.wait_acked(pressed)
    [message] = cards.seen
    assert message.card_instance_id == track and message.user_id == "u1"
    assert message.content == {"cardPrivateData": {"actionIds": ["agree_btn"], "params": {"action": "agree"}}}
    card = fake.card(track)
    assert card.template_id == "tpl.schema" and card.card_data == {"status": "agree"}
    assert card.deliveries[0]["spaceType"] == "IM_ROBOT"


async def test_media_messages_and_their_downloads(fake: FakeDingTalk) -> None:
    robot = Recorder()
    async with sdk(fake, {TOPIC_ROBOT_MESSAGE: robot}):
        fake.push_picture("u1", b"PNG-BYTES")
        fake.push_audio("u1", recognition="明天请假", duration_ms=2500)
        fake.push_file("u1", "台账.xlsx", b"XLSX")
        fake.push_rich_text("u2", ["看这张", b"PIC"], "2", "cidG1")
        await fake.wait_until(lambda: len(robot.seen) == 4)
        picture, audio, file, rich = (m for _, m in robot.seen)
        url = robot.get_image_download_url(picture.image_content.download_code)
        rich_url = robot.get_image_download_url(rich.get_image_list()[0])
    assert requests.get(url, timeout=5).content == b"PNG-BYTES"
    assert requests.get(rich_url, timeout=5).content == b"PIC"
    assert rich.get_text_list() == ["看这张"] and rich.conversation_type == "2"
    assert audio.message_type == "audio"
    assert audio.extensions["content"]["recognition"] == "明天请假"
    assert audio.extensions["content"]["duration"] == 2500
    assert file.message_type == "file" and file.extensions["content"]["fileName"] == "台账.xlsx"
    assert fake.calls("/v1.0/robot/messageFiles/download")[0].body["robotCode"] == APP_KEY


# --------------------------------------------------------------------------- sync use


def test_sync_tests_can_drive_the_threaded_fake() -> None:
    with FakeDingTalk(client_id=APP_KEY, client_secret=SECRET) as fake:
        mark = fake.mark()
        sender(fake).send_to_users(["u1"], *text("同步"))
        call = fake.wait_for_sync("oToMessages/batchSend", since=mark)
        assert call.ok and call.body["userIds"] == ["u1"]
        assert fake.wait_until_sync(lambda: fake.sent_messages("u1"))[0].text == "同步"
        with pytest.raises(TimeoutError):
            fake.wait_for_sync("groupMessages/send", timeout=0.05)
