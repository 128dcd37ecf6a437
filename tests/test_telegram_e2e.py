"""End to end through the real Telegram stack (python-telegram-bot and aiogram, each in\nturn) against the local fake Bot API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import outbox
from core.app import BotCore
from core.messages import Reply
from services import invites
from services.roles import Role
from storage.models import Identity, InboxUpdate, Member, OutboxMessage, Team
from tests.fake_telegram import FakeTelegram
from tests.live import LiveBot


def _code(core: BotCore, role: Role = Role.CADRE) -> str:
    with core.db.session() as s:
        return invites.create_invite(s, role=role, now=core.clock.now(),
                                     team=s.scalar(select(Team))).code


def _texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent_messages(chat_id) if "text" in m]


async def test_register_with_start_code_and_get_a_role_menu(fake_tg: FakeTelegram,
                                                            tg: LiveBot) -> None:
    code = _code(tg.core)
    fake_tg.push_text(555, f"/start {code}", username="alice", first_name="Alice")
    await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "姓名" in str(c.params.get("text")))
    mark = fake_tg.mark()
    fake_tg.push_text(555, "张三")
    call = await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "注册成功" in str(
        c.params.get("text")), since=mark)
    assert str(call.params["chat_id"]) == "555"
    menu = await fake_tg.wait_for(lambda c: c.method == "setMyCommands" and "555" in str(
        c.params.get("scope")) and "me" in str(c.params.get("commands")), since=mark)
    names = [cmd["command"] for cmd in menu.params["commands"]]
    # a cadre's menu (no /start any more); features add their commands between me and cancel
    assert names[:2] == ["help", "me"] and names[-1] == "cancel" and "start" not in names
    with tg.core.db.session() as s:
        ident = s.scalar(select(Identity).where(Identity.platform == "telegram"))
        assert ident.external_id == "555" and s.get(Member, ident.member_id).name == "张三"


async def test_default_menu_is_for_newcomers(fake_tg: FakeTelegram, tg: LiveBot) -> None:
    default = [c["command"] for c in fake_tg.commands()]
    assert default[:2] == ["start", "help"]


async def test_duplicate_update_is_answered_once(fake_tg: FakeTelegram, tg: LiveBot) -> None:
    fake_tg.push_text(777, "/help")
    await fake_tg.wait_for("sendMessage")
    fake_tg.push_duplicate()
    fake_tg.push_text(777, "/start")  # a later update proves the duplicate was consumed
    await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "欢迎" in str(c.params.get("text")))
    assert sum("还没有注册" in t for t in _texts(fake_tg, 777)) == 1


async def test_bad_input_over_telegram(fake_tg: FakeTelegram, tg: LiveBot) -> None:
    fake_tg.push_sticker(888)
    fake_tg.push_callback(888, "zz:approve:1")
    fake_tg.push_text(888, "/nonsense")
    await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "没有 /nonsense" in str(
        c.params.get("text")))
    texts = _texts(fake_tg, 888)
    assert any("还没有注册" in t for t in texts)  # the sticker from a stranger
    assert any("失效" in t for t in texts)  # the forged button
    assert fake_tg.calls("answerCallbackQuery"), "the button spinner must always be stopped"


async def test_outbox_skips_a_user_who_blocked_the_bot(fake_tg: FakeTelegram,
                                                       tg: LiveBot) -> None:
    with tg.core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        s.add(Identity(platform="telegram", external_id="901", chat_id="901", member_id=m.id,
                       last_seen_at=tg.core.clock.now() + timedelta(minutes=1)))
        s.flush()
        outbox.enqueue(s, key="t1", reply=Reply("第一条"), now=tg.core.clock.now(), member_id=m.id)
    fake_tg.block(901)
    tg.runtime._wake_senders()
    await tg.drain()
    with tg.core.db.session() as s:
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.key == "t1")) == "blocked"
        assert s.scalar(select(Identity.blocked_at).where(Identity.external_id == "901")) is not None
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        # later messages go to the person's other, working identity (the console one)
        outbox.enqueue(s, key="t2", reply=Reply("第二条"), now=tg.core.clock.now(), member_id=m.id)
        assert s.scalar(select(OutboxMessage.platform).where(OutboxMessage.key == "t2")) == "console"


async def test_rate_limited_send_is_retried_not_lost(fake_tg: FakeTelegram, tg: LiveBot) -> None:
    with tg.core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "赵驻村"))
        s.add(Identity(platform="telegram", external_id="902", chat_id="902", member_id=m.id,
                       last_seen_at=tg.core.clock.now() + timedelta(minutes=1)))
        s.flush()
        outbox.enqueue(s, key="r1", reply=Reply("限流测试"), now=tg.core.clock.now(), member_id=m.id)
    fake_tg.fail_next(chat_id=902, n=1, retry_after=1)
    tg.runtime._wake_senders()
    await tg.drain()
    assert _texts(fake_tg, 902) == ["限流测试"]
    with tg.core.db.session() as s:
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.key == "r1")) == "sent"


async def test_webhook_mode_receives_updates_with_the_secret(fake_tg: FakeTelegram, demo,  # type: ignore[no-untyped-def]
                                                             telegram_library: str) -> None:
    import socket

    from tests.fake_telegram import post_update_to
    from tests.live import live_telegram

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = f"http://127.0.0.1:{port}/hook/tg"
    async with live_telegram(demo, fake_tg.url, telegram_library, webhook_url=hook,
                             webhook_listen="127.0.0.1", webhook_port=port,
                             webhook_secret="s3cret"):
        assert fake_tg.webhook["url"] == hook and fake_tg.webhook["secret_token"] == "s3cret"
        forged = fake_tg.make_text(4321, "/help")
        status, _ = await post_update_to(hook, forged, secret_token="wrong")
        assert status == 403  # a request without Telegram's secret is not an update
        status, _ = await post_update_to(hook, forged)
        assert status == 403  # nor one without any secret
        update = fake_tg.make_text(4321, "/start")
        status, _ = await fake_tg.post_update_to(None, update)
        assert status == 200
        with demo.db.read() as s:  # the 200 came after the commit: the update is kept
            keys = set(s.scalars(select(InboxUpdate.update_key)))
        assert keys == {str(update["update_id"])}  # the forged one never was
        await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "欢迎" in str(
            c.params.get("text")))
