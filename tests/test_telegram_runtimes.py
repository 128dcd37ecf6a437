"""The two Telegram runtimes (python-telegram-bot and aiogram) behind one channel:
stored updates parse the same whichever library fetched them, both map API errors the
same way, both webhooks answer 503 when the inbox cannot keep an update, and a
deployment switches library with updates still pending and nobody re-registering."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from sqlalchemy import select
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from channels import telegram as ptb
from channels import telegram_aiogram as aio
from channels.telegram_base import Fault, parse_update, result_of
from cli.run import telegram_channel
from core.app import BotCore
from core.channel import Received, StoreFailed
from core.messages import Reply
from services import invites
from services.config import Settings
from services.roles import Role
from storage.models import Identity, InboxUpdate, Member, Team
from tests.fake_telegram import FakeTelegram, Faults, post_update_to
from tests.live import TELEGRAM_TOKEN, live_telegram, telegram_settings

USER = {"id": 42, "is_bot": False, "first_name": "张", "last_name": "三", "username": "zhang3"}
PRIVATE = {"id": 42, "type": "private", "first_name": "张"}
GROUP = {"id": -1001, "type": "supergroup", "title": "工作队"}


def _msg(chat: dict[str, Any] = PRIVATE, **content: Any) -> dict[str, Any]:
    return {"update_id": 7, "message": {"message_id": 3, "date": 1764000000, "chat": chat,
                                        "from": USER, **content}}


UPDATES: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "text": (_msg(text="你好"), {"text": "你好", "is_private": True}),
    "deep link": (_msg(text="/start ABC123", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}]), {"text": "/start ABC123"}),
    "location": (_msg(location={"latitude": 26.58, "longitude": 106.71}),
                 {"location": (26.58, 106.71), "text": None}),
    "photo": (_msg(photo=[{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                          {"file_id": "large", "file_unique_id": "l", "width": 800, "height": 800}],
                   caption="水渠"), {"photos": ["large"], "text": "水渠"}),
    "document": (_msg(document={"file_id": "DOC", "file_unique_id": "d"}, caption="表"),
                 {"document": "DOC", "text": "表"}),
    "voice": (_msg(voice={"file_id": "VOICE", "file_unique_id": "v", "duration": 3}),
              {"voice": "VOICE", "other_kind": "voice", "text": None}),
    "sticker": (_msg(sticker={"file_id": "ST", "file_unique_id": "st", "type": "regular",
                              "width": 1, "height": 1, "is_animated": False,
                              "is_video": False}), {"other_kind": "sticker"}),
    "group command": (_msg(GROUP, text="/report@zhucun_helper_bot 今天"),
                      {"chat_id": "-1001", "is_private": False}),
    "group chatter": (_msg(GROUP, text="大家好"), None),
    "edited": ({"update_id": 7, "edited_message": _msg(text="改")["message"]}, None),
    "button": ({"update_id": 7, "callback_query": {
        "id": "cb1", "from": USER, "chat_instance": "c", "data": "lv:ok:5",
        "message": {"message_id": 9, "date": 1764000000, "chat": PRIVATE, "text": "?"}}},
        {"callback": "lv:ok:5", "callback_id": "cb1", "chat_id": "42", "text": None}),
    "button in a group": ({"update_id": 7, "callback_query": {
        "id": "cb2", "from": USER, "chat_instance": "c", "data": "ct:ack:1",
        "message": {"message_id": 9, "date": 1764000000, "chat": GROUP, "text": "?"}}},
        {"chat_id": "-1001", "is_private": False}),
}


@pytest.mark.parametrize("name", list(UPDATES))
def test_a_stored_update_parses_the_same_whichever_library_fetched_it(name: str) -> None:
    raw, want = UPDATES[name]
    got = parse_update(raw)  # aiogram's polling stores the JSON as Telegram sent it
    via_ptb = ptb.to_incoming(Update.de_json(raw, None))  # PTB's stores Update.to_dict()
    assert got == via_ptb
    if want is None:
        assert got is None
        return
    assert got is not None
    assert (got.platform, got.user_id, got.update_key) == ("telegram", "42", "7")
    assert (got.username, got.display_name) == ("zhang3", "张 三")
    for field, value in want.items():
        assert getattr(got, field) == value, field
    if name == "deep link":
        assert got.command == ("start", "ABC123")


def _aio(exc_type: type, **kw: Any) -> Exception:
    return exc_type(method=SendMessage(chat_id=1, text="x"), message="m", **kw)


def _network(cause: BaseException) -> Exception:
    exc = _aio(TelegramNetworkError)
    exc.__cause__ = cause
    return exc


def _timed_out(cause: BaseException) -> Exception:
    exc = TimedOut()
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize("exc, ptb_exc, status, stored", [
    (_aio(TelegramRetryAfter, retry_after=3), RetryAfter(3), "retry", False),
    (_aio(TelegramForbiddenError), Forbidden("blocked"), "blocked", False),
    (_aio(TelegramBadRequest), BadRequest("bad"), "failed", False),
    (_aio(TelegramBadRequest), BadRequest("bad"), "skipped", True),
    (_aio(TelegramServerError), NetworkError("500"), "retry", False),
    (_network(aiohttp.ServerDisconnectedError()), NetworkError("reset"), "retry", False),
    (_network(aiohttp.ConnectionTimeoutError()), NetworkError("connect"), "retry", False),
])
def test_both_libraries_map_api_errors_the_same(exc: Exception, ptb_exc: Exception, status: str,
                                                 stored: bool) -> None:
    a, p = aio.fault(exc), ptb.fault(ptb_exc)
    assert a is not None and p is not None
    assert result_of(a, stored).status == result_of(p, stored).status == status
    if status == "retry" and a.kind == "retry_after":
        assert result_of(a).retry_after == result_of(p).retry_after == 3.0


def test_a_read_timeout_after_sending_is_unknown_and_other_errors_are_not_ours() -> None:
    assert result_of(aio.fault(_network(aiohttp.SocketTimeoutError()))).status == "unknown"  # type: ignore[arg-type]
    assert result_of(aio.fault(_network(TimeoutError()))).status == "unknown"  # type: ignore[arg-type]
    assert aio.fault(ValueError("a bug")) is None and ptb.fault(ValueError("a bug")) is None
    # PTB's requests go over aiohttp too (channels/ptb_aiohttp.py): the same causes decide
    assert result_of(ptb.fault(_timed_out(aiohttp.SocketTimeoutError()))).status == "unknown"  # type: ignore[arg-type]
    assert result_of(ptb.fault(_timed_out(aiohttp.ConnectionTimeoutError()))).status == "retry"  # type: ignore[arg-type]
    assert result_of(Fault("network", "x")).status == "retry"


class _Sink:
    """Records what it was given; refuses (as a database outage would) when told to."""

    def __init__(self, refuse: bool) -> None:
        self.refuse, self.got = refuse, []  # type: ignore[var-annotated]

    async def accept(self, batch: list[Received]) -> None:
        if self.refuse:
            raise StoreFailed("OperationalError")
        self.got.extend(r.key for r in batch)


@pytest.mark.parametrize("library", ["ptb", "aiogram"])
async def test_the_webhook_answers_503_until_the_inbox_keeps_the_update(
        fake_tg: FakeTelegram, library: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = f"http://127.0.0.1:{port}/tg"
    settings = Settings(bot_token=TELEGRAM_TOKEN, telegram_base_url=fake_tg.url,  # type: ignore[call-arg]
                        telegram_library=library, webhook_url=hook, webhook_port=port,
                        webhook_secret="s3", _env_file=None)
    channel = telegram_channel(settings, None)
    assert type(channel).__module__ == {"ptb": "channels.telegram",
                                        "aiogram": "channels.telegram_aiogram"}[library]
    await channel.start()
    sink = _Sink(refuse=True)
    task = asyncio.create_task(channel.receive(sink))
    try:
        await asyncio.wait_for(channel.ready.wait(), 10)
        update = fake_tg.make_text(42, "/help")
        assert (await post_update_to(hook, update, "s3"))[0] == 503  # Telegram will retry
        sink.refuse = False
        assert (await post_update_to(hook, update, "wrong"))[0] == 403
        assert sink.got == []
        assert (await post_update_to(hook, update, "s3"))[0] == 200
        assert sink.got == [str(update["update_id"])]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await channel.stop()


def _texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent_messages(chat_id) if "text" in m]


@pytest.mark.parametrize("first, then", [("ptb", "aiogram"), ("aiogram", "ptb")])
async def test_switching_library_keeps_people_and_pending_updates(
        fake_tg: FakeTelegram, demo: BotCore, first: str, then: str) -> None:
    """Registered on one library; updates stored (and confirmed to Telegram) by it while
    nothing processes them; after the restart the other library's bot answers them."""
    with demo.db.session() as s:
        code = invites.create_invite(s, role=Role.CADRE, now=demo.clock.now(),
                                     team=s.scalar(select(Team))).code
    async with live_telegram(demo, fake_tg.url, first):
        fake_tg.push_text(555, f"/start {code}", username="alice", first_name="Alice")
        await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "姓名" in str(
            c.params.get("text")))
        fake_tg.push_text(555, "张三")
        await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "注册成功" in str(
            c.params.get("text")))

    # the first library's receive loop alone: it stores, nobody processes (a crash
    # between storing and handling)
    channel = telegram_channel(telegram_settings(demo, fake_tg.url, telegram_library=first),
                               demo.registry, poll_timeout=1)

    class StoreOnly:
        async def accept(self, batch: list[Received]) -> None:
            await asyncio.to_thread(demo.accept, "telegram", batch)

    await channel.start()
    pushed = [fake_tg.push_text(555, "/me"), fake_tg.push_text(555, "/help")]
    receiving = asyncio.create_task(channel.receive(StoreOnly()))
    try:
        for _ in range(500):  # until Telegram has forgotten them: the offset was confirmed
            if not fake_tg.pending_updates():
                break
            await asyncio.sleep(0.01)
        assert not fake_tg.pending_updates()
    finally:
        receiving.cancel()
        await asyncio.gather(receiving, return_exceptions=True)
        await channel.stop()
    keys = [str(u["update_id"]) for u in pushed]
    with demo.db.read() as s:
        status = dict(s.execute(select(InboxUpdate.update_key, InboxUpdate.status)).all())
    assert [status[k] for k in keys] == ["pending", "pending"]
    before = len(_texts(fake_tg, 555))

    async with live_telegram(demo, fake_tg.url, then) as bot:
        await bot.drain()
        with demo.db.read() as s:
            assert {s.scalar(select(InboxUpdate.status).where(InboxUpdate.update_key == k))
                    for k in keys} == {"done"}
            idents = s.scalars(select(Identity).where(Identity.external_id == "555")).all()
            assert [(i.platform, s.get(Member, i.member_id).name) for i in idents] == [
                ("telegram", "张三")]  # the same person, not a stranger to register again
    answers = _texts(fake_tg, 555)[before:]
    assert len(answers) == 2 and "张三" in answers[0] and "还没有注册" not in answers[1]


@pytest.mark.parametrize("library", ["ptb", "aiogram"])
@pytest.mark.parametrize("kind, status", [("429", "retry"), ("500", "retry"), ("reset", "retry"),
                                          ("slow", "unknown")])
async def test_faults_on_the_wire_mean_the_same_on_both_libraries(
        fake_tg: FakeTelegram, library: str, kind: str, status: str) -> None:
    """A slow answer beyond the send timeout is `unknown` (the fake did keep the message);
    the other faults were not processed and are retried."""
    settings = Settings(bot_token=TELEGRAM_TOKEN, telegram_base_url=fake_tg.url,  # type: ignore[call-arg]
                        telegram_library=library, _env_file=None)
    channel = telegram_channel(settings, None, send_timeout=0.5)
    await channel.api.start()
    try:
        fake_tg.inject_faults(Faults(rate=1.0, kinds=(kind,), slow_seconds=1.5, seed=1))
        result = await channel.send_part("4242", channel.parts(Reply("你好"))[0])
        assert result.status == status, result
        if kind == "429":
            assert result.retry_after == 1.0
        fake_tg.inject_faults(None)
        await asyncio.sleep(1.2 if kind == "slow" else 0)  # the slow answer is still on its way
        assert len(fake_tg.sent_messages(4242)) == (1 if kind == "slow" else 0)
        assert (await channel.send_part("4242", channel.parts(Reply("再来"))[0])).status == "sent"
    finally:
        await channel.api.close()


@pytest.mark.parametrize("library", ["ptb", "aiogram"])
async def test_people_who_write_while_storing_is_stuck_are_told_at_once(
        fake_tg: FakeTelegram, library: str) -> None:
    """The database hangs on one batch: whoever writes meanwhile is told 系统有点忙 by the
    poller's look at what came since, not only once their own turn to be stored comes;
    nothing is confirmed to Telegram before it is stored."""
    settings = Settings(bot_token=TELEGRAM_TOKEN, telegram_base_url=fake_tg.url,  # type: ignore[call-arg]
                        telegram_library=library, _env_file=None)
    channel = telegram_channel(settings, None, poll_timeout=1)

    class StuckSink:
        def __init__(self) -> None:
            self.release = asyncio.Event()
            self.stored: list[str] = []
            self.told: list[str] = []

        async def accept(self, batch: list[Received]) -> None:
            await self.release.wait()  # the database is locked
            self.stored += [r.key for r in batch]

        def waiting(self, batch: list[Received]) -> None:
            self.told += [r.key for r in batch]

    sink = StuckSink()
    await channel.start()
    task = asyncio.create_task(channel.receive(sink))
    try:
        first = str(fake_tg.push_text(42, "/help")["update_id"])
        await asyncio.sleep(0.5)  # the poller holds it and waits on the store
        later = str(fake_tg.push_text(43, "/help")["update_id"])
        for _ in range(100):
            if sink.told:
                break
            await asyncio.sleep(0.1)
        assert sink.told == [later] and sink.stored == []  # told while still stuck
        assert fake_tg.pending_updates()  # nothing confirmed: Telegram still has both
        sink.release.set()
        for _ in range(100):
            if later in sink.stored:
                break
            await asyncio.sleep(0.1)
        assert sink.stored == [first, later] and sink.told == [later]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await channel.stop()
