"""End-to-end checks of tests/fake_telegram.py against the real python-telegram-bot stack."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import openpyxl
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import FakeTelegram, RateLimits

TOKEN = "123456:TEST-TOKEN"
USER = 4242


@pytest.fixture
async def fake():
    async with FakeTelegram(token=TOKEN, bot_username="zhucun_test_bot") as server:
        yield server


@pytest.fixture
async def bot(fake):
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


def build_app(fake: FakeTelegram, **builder_kwargs) -> Application:
    builder = (
        Application.builder().token(TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url)
    )
    if "rate_limiter" in builder_kwargs:
        builder = builder.rate_limiter(builder_kwargs["rate_limiter"])
    return builder.build()


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("签到", callback_data="checkin"),
                InlineKeyboardButton("帮助", callback_data="help"),
            ]
        ]
    )


# --------------------------------------------------------------------------- plain Bot calls


async def test_get_me_uses_configured_username(fake, bot):
    me = await bot.get_me()
    assert me.username == "zhucun_test_bot"
    assert me.is_bot
    assert bot.base_url == f"{fake.base_url}{TOKEN}"
    assert fake.calls("getMe")[0].token == TOKEN


async def test_wrong_token_is_unauthorized(fake):
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake.base_url):
            pass


async def test_send_message_with_inline_keyboard_is_recorded(fake, bot):
    msg = await bot.send_message(USER, "你好，驻村助手", reply_markup=keyboard())
    assert msg.text == "你好，驻村助手"
    assert msg.chat.id == USER and msg.chat.type == "private"
    assert msg.from_user.username == "zhucun_test_bot"
    assert msg.reply_markup == keyboard()  # echoed back and de-serialised by PTB

    call = fake.calls("sendMessage")[0]
    assert call.params["chat_id"] == USER  # form value decoded back to int
    assert call.params["text"] == "你好，驻村助手"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "checkin"
    assert [m["text"] for m in fake.sent_messages(USER)] == ["你好，驻村助手"]
    assert fake.sent_messages(chat_id=1) == []


async def test_numeric_looking_text_stays_a_string(fake, bot):
    await bot.send_message(USER, "123")
    assert fake.calls("sendMessage")[0].params["text"] == "123"


async def test_edit_message_text_and_markup(fake, bot):
    msg = await bot.send_message(USER, "v1", reply_markup=keyboard())
    edited = await bot.edit_message_text("v2", chat_id=USER, message_id=msg.message_id)
    assert edited.text == "v2" and edited.reply_markup is None
    with pytest.raises(BadRequest, match="(?i)not modified"):
        await bot.edit_message_text("v2", chat_id=USER, message_id=msg.message_id)
    edited = await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard())
    assert edited.reply_markup == keyboard()
    assert fake.message(USER, msg.message_id)["text"] == "v2"
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)


async def test_send_document_bytes_can_be_opened_as_xlsx(fake, bot):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "走访记录"
    buf = io.BytesIO()
    wb.save(buf)

    msg = await bot.send_document(USER, buf.getvalue(), filename="report.xlsx", caption="周报")
    assert msg.document.file_name == "report.xlsx"
    assert msg.document.file_size == len(buf.getvalue())
    assert msg.caption == "周报"

    (doc,) = fake.sent_documents(USER)
    assert doc.filename == "report.xlsx"
    assert doc.mime_type.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(doc.content)).active["A1"].value == "走访记录"
    assert fake.calls("sendDocument")[0].params["document"] == doc.file_id

    # getFile + download through base_file_url
    tg_file = await bot.get_file(msg.document.file_id)
    assert tg_file.file_path.startswith(fake.base_file_url)
    assert bytes(await tg_file.download_as_bytearray()) == buf.getvalue()

    # resending by file_id does not upload again
    again = await bot.send_document(USER, msg.document.file_id)
    assert again.document.file_id == msg.document.file_id


async def test_send_photo_returns_photo_sizes(fake, bot):
    msg = await bot.send_photo(USER, b"\xff\xd8\xff fake jpeg", caption="村口")
    assert len(msg.photo) >= 2 and msg.photo[-1].width > msg.photo[0].width
    assert msg.caption == "村口"
    assert fake.file_bytes(msg.photo[-1].file_id) == b"\xff\xd8\xff fake jpeg"
    assert [m["caption"] for m in fake.sent_messages()] == ["村口"]


async def test_set_get_delete_my_commands_per_scope(fake, bot):
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
    await bot.set_my_commands([BotCommand("report", "上报")], scope=BotCommandScopeAllGroupChats())
    assert [c["command"] for c in fake.commands()] == ["start", "help"]
    assert fake.commands({"type": "all_group_chats"}) == [
        {"command": "report", "description": "上报"}
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    await bot.delete_my_commands()
    assert fake.commands() == []
    assert await bot.get_my_commands() == ()


async def test_answer_callback_query_and_chat_action(fake, bot):
    assert await bot.answer_callback_query("cbq1", text="已签到", show_alert=True)
    assert await bot.send_chat_action(USER, "typing")
    call = fake.calls("answerCallbackQuery")[0]
    assert call.params == {"callback_query_id": "cbq1", "text": "已签到", "show_alert": True}


async def test_get_updates_offset_limit_and_long_poll(fake, bot):
    u1 = fake.push_text(USER, "a")
    u2 = fake.push_text(USER, "b")
    assert u2["update_id"] == u1["update_id"] + 1
    first = await bot.get_updates(limit=1, timeout=0)
    assert [u.message.text for u in first] == ["a"]
    both = await bot.get_updates(timeout=0)
    assert [u.message.text for u in both] == ["a", "b"]  # not confirmed yet
    assert await bot.get_updates(offset=u2["update_id"] + 1, timeout=0) == ()

    # long poll is woken up by a push
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, fake.push_text, USER, "late")
    started = time.monotonic()
    late = await bot.get_updates(offset=u2["update_id"] + 1, timeout=5)
    assert [u.message.text for u in late] == ["late"]
    assert time.monotonic() - started < 2

    # empty long poll honours the timeout
    started = time.monotonic()
    assert await bot.get_updates(offset=late[0].update_id + 1, timeout=0.2) == ()
    assert 0.15 < time.monotonic() - started < 2


async def test_unknown_method_is_404(fake, bot):
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("definitelyNotAMethod")
    req = urllib.request.Request(
        f"{fake.base_url}{TOKEN}/noSuchMethod",
        data=b"{}",
        headers={"Content-Type": "application/json"},
    )

    def fetch():
        try:
            urllib.request.urlopen(req, timeout=5)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, body = await asyncio.to_thread(fetch)
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


# --------------------------------------------------------------------------- failure injection


async def test_429_injection_raises_retry_after(fake, bot):
    fake.fail_next(USER, n=1, retry_after=1)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER, "hi")
    assert "Retry in 1" in str(excinfo.value)
    assert fake.calls("sendMessage")[0].status == 429
    assert fake.sent_messages() == []
    await bot.send_message(USER, "hi")  # only the next N calls fail
    assert len(fake.sent_messages()) == 1


async def test_aio_rate_limiter_retries_after_429(fake):
    app = build_app(fake, rate_limiter=AIORateLimiter(max_retries=2))
    fake.fail_next(USER, n=1, retry_after=1)
    async with app:
        msg = await app.bot.send_message(USER, "retry me")
    assert msg.text == "retry me"
    statuses = [c.status for c in fake.calls("sendMessage")]
    assert statuses == [429, 200]
    calls = fake.calls("sendMessage")
    assert calls[1].time - calls[0].time >= 1.0


async def test_blocked_chat_raises_forbidden(fake, bot):
    fake.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    await bot.send_message(USER + 1, "others still work")
    fake.unblock(USER)
    await bot.send_message(USER, "hi again")
    assert [c.status for c in fake.calls("sendMessage")] == [403, 200, 200]


async def test_rate_violations_are_recorded(fake, bot):
    await bot.send_message(USER, "1")
    await bot.send_message(USER, "2")  # 2 msgs within 1 s to one private chat
    await bot.send_message(USER + 1, "other chat is fine")
    for i in range(21):  # 21 msgs within a minute to one group
        await bot.send_message(-100123, f"g{i}")
    counters = fake.rate_counters
    assert counters["private"] == 1
    assert counters["group"] == 1
    assert counters["messages"] == 24
    assert fake.rate_violations[0].chat_id == USER
    fake.reset_rate_stats()
    assert fake.rate_counters == {"private": 0, "group": 0, "global": 0, "messages": 0}


async def test_global_rate_and_enforce_mode():
    limits = RateLimits(global_per_second=3, enforce=True)
    async with FakeTelegram(rate_limits=limits) as fake:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            for chat in range(1, 4):
                await bot.send_message(chat, "ok")
            with pytest.raises(RetryAfter):
                await bot.send_message(4, "too many")
    assert fake.rate_counters["global"] == 1
    assert fake.rate_counters["messages"] == 3


async def test_bucket_mode_accepts_aiolimiter_style_burst():
    fake = FakeTelegram(rate_limits=RateLimits(group_per_minute=3, mode="bucket"))
    async with fake:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            for i in range(3):
                await bot.send_message(-5, f"burst {i}")
            assert fake.rate_counters["group"] == 0
            await bot.send_message(-5, "one too many")
    assert fake.rate_counters["group"] == 1


# --------------------------------------------------------------------------- Application


async def _start_polling(app: Application) -> None:
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def _stop_polling(app: Application) -> None:
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_application_long_polling_text_and_callback(fake):
    app = build_app(fake)
    seen: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.effective_user.username)
        await update.message.reply_text("请选择", reply_markup=keyboard())

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("收到")
        await query.edit_message_text(f"已选择 {query.data}")

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    await _start_polling(app)
    try:
        fake.push_text(USER, "/start", username="cadre_li", first_name="李")
        sent = await fake.wait_for("sendMessage", timeout=5)
        assert sent.params["text"] == "请选择"
        assert seen == ["cadre_li"]

        mark = fake.mark()
        fake.push_callback(USER, "checkin")  # defaults to the bot's last message
        answer = await fake.wait_for("answerCallbackQuery", since=mark)
        assert answer.params["text"] == "收到"
        edit = await fake.wait_for("editMessageText", since=mark)
        assert edit.params["message_id"] == sent.result["message_id"]
        assert fake.message(USER, sent.result["message_id"])["text"] == "已选择 checkin"
    finally:
        await _stop_polling(app)
    assert fake.pending_updates() == []  # everything confirmed by the final getUpdates


async def test_duplicate_update_is_delivered_twice(fake):
    app = build_app(fake)
    got: list[int] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        got.append(update.update_id)

    app.add_handler(MessageHandler(filters.ALL, echo))
    await _start_polling(app)
    try:
        update = fake.push_text(USER, "重复")
        deadline = time.monotonic() + 5
        while len(got) < 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        fake.push_duplicate()
        fake.push_location(USER, 30.5, 114.3)
        fake.push_photo(USER, "PHOTO1", caption="现场")
        fake.push_sticker(USER)
        while len(got) < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    finally:
        await _stop_polling(app)
    assert got[:2] == [update["update_id"], update["update_id"]]
    assert len(got) == 5


async def test_incoming_photo_can_be_downloaded(fake, bot):
    update = fake.push_photo(USER, "PHOTO42", caption="现场", content=b"jpeg-bytes")
    (received,) = await bot.get_updates(timeout=0)
    assert received.update_id == update["update_id"]
    assert received.message.caption == "现场"
    tg_file = await received.message.photo[-1].get_file()
    assert bytes(await tg_file.download_as_bytearray()) == b"jpeg-bytes"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_delivery(fake):
    app = build_app(fake)
    replies: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        replies.append(update.message.text)
        await update.message.reply_text("webhook ok")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    port = _free_port()
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        secret_token="s3cret",
        webhook_url=f"http://127.0.0.1:{port}/hook",
    )
    try:
        assert fake.webhook["url"] == f"http://127.0.0.1:{port}/hook"
        with pytest.raises(Conflict, match="webhook is active"):
            await app.bot.get_updates(timeout=0)
        status, _ = await fake.post_update_to(None, fake.make_text(USER, "你好"))
        assert status == 200
        await fake.wait_for("sendMessage")
        assert replies == ["你好"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# --------------------------------------------------------------------------- threaded mode


def _raw_call(
    fake: FakeTelegram, method: str, payload: dict | None = None, form: bool = False
) -> dict:
    if form:
        data = urllib.parse.urlencode(payload or {}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        data = json.dumps(payload or {}).encode()
        headers = {"Content-Type": "application/json"}
    req = urllib.request.Request(f"{fake.base_url}{TOKEN}/{method}", data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_threaded_server_for_sync_tests():
    import threading

    with FakeTelegram(bot_username="sync_bot") as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert _raw_call(fake, "getMe")["result"]["username"] == "sync_bot"
        # JSON body keeps native types; form body is decoded
        sent = _raw_call(fake, "sendMessage", {"chat_id": 7, "text": "json"})
        assert sent["result"]["chat"]["id"] == 7
        _raw_call(fake, "sendMessage", {"chat_id": "8", "text": "form"}, form=True)
        assert [c.params["chat_id"] for c in fake.calls("sendMessage")] == [7, 8]
        # GET with query string works too
        with urllib.request.urlopen(f"{fake.base_url}{TOKEN}/getWebhookInfo", timeout=5) as r:
            assert json.loads(r.read())["result"]["url"] == ""

        # a long poll in the server thread is woken by a push from this thread
        threading.Timer(0.1, fake.push_text, args=(7, "wake")).start()
        started = time.monotonic()
        result = _raw_call(fake, "getUpdates", {"timeout": 5})["result"]
        assert result[0]["message"]["text"] == "wake"
        assert time.monotonic() - started < 2
        assert fake.wait_for_sync("getUpdates").ok
        with pytest.raises(TimeoutError, match="calls seen"):
            fake.wait_for_sync("sendPhoto", timeout=0.05)


def test_subprocess_bot_talks_to_threaded_server():
    """The threaded server serves a bot living in another process (e.g. `python bot.py`)."""
    script = (
        "import asyncio, os, telegram\n"
        "async def main():\n"
        "    async with telegram.Bot(os.environ['TG_TOKEN'],"
        " base_url=os.environ['TG_BASE_URL']) as bot:\n"
        "        await bot.send_message(int(os.environ['TG_CHAT']), 'from subprocess')\n"
        "asyncio.run(main())\n"
    )
    with FakeTelegram(token=TOKEN) as fake:
        env = {"TG_TOKEN": TOKEN, "TG_BASE_URL": fake.base_url, "TG_CHAT": "77"}
        proc = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        call = fake.wait_for_sync("sendMessage", timeout=5)
        assert call.params == {"chat_id": 77, "text": "from subprocess"}
        assert fake.sent_messages(77)[0]["text"] == "from subprocess"
