"""The Telegram channel on python-telegram-bot v22: translate, never decide.

PTB's `Bot` does the HTTP and its types parse updates; the polling loop and the webhook
server are ours, because the inbox must store an update before Telegram is told it
arrived: the offset passed to getUpdates moves only past stored updates, and the
webhook answers 200 only after the commit (503 otherwise, and Telegram delivers again).
PTB's `Application`/`Updater` confirm the offset as soon as they fetched a batch, which
lost updates on every crash, so they are not used.

Sending: a Reply becomes parts (albums, a captioned photo, text chunks of at most 4,096
UTF-16 units with the buttons on the last); `send_part` sends one and maps PTB's errors
onto the contract: RetryAfter -> retry after N s, Forbidden -> blocked, a refused stored
photo -> skipped, other BadRequest -> failed, a read timeout after the request went out
-> unknown (it may have arrived), every other network error or 5xx -> retry.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from core.channel import Capabilities, Part, Received, Sink, StoreFailed
from core.channel import SendResult as R
from core.messages import Incoming, Reply
from core.registry import Registry
from services.config import Settings
from services.roles import Role
from services.text import split_for_display

log = logging.getLogger(__name__)
PLATFORM = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MEDIA_GROUP_MAX = 10  # Telegram albums hold 2-10 items
LOCATION_LABEL = "📍 发送我的位置"
CAPS = Capabilities(slash_commands=True, buttons=True, location=True, photos=True,
                    documents=True, voice=True, command_menu=True, deep_links=True,
                    max_text=TEXT_LIMIT)


# -- updates ---------------------------------------------------------------------------
def to_incoming(update: Update) -> Incoming | None:
    """The platform-neutral view of an update; None for updates the bot ignores."""
    key = str(update.update_id)
    if update.callback_query is not None:
        q = update.callback_query
        chat = q.message.chat if q.message else None
        return Incoming(
            platform=PLATFORM, user_id=str(q.from_user.id),
            chat_id=str(chat.id if chat else q.from_user.id), callback=q.data or "",
            callback_id=q.id, update_key=key, username=q.from_user.username,
            display_name=q.from_user.full_name, is_private=chat is None or chat.type == "private",
        )
    m = update.message
    if m is None or m.from_user is None:
        return None  # edits, channel posts, membership changes: nothing to answer
    msg = Incoming(
        platform=PLATFORM, user_id=str(m.from_user.id), chat_id=str(m.chat.id),
        update_key=key, username=m.from_user.username,
        display_name=m.from_user.full_name, is_private=m.chat.type == "private",
    )
    if m.text is not None:
        msg.text = m.text
    elif m.location is not None:
        msg.location = (m.location.latitude, m.location.longitude)
    elif m.photo:
        msg.photos = [m.photo[-1].file_id]  # the largest size
        msg.text = m.caption
    elif m.document is not None:
        msg.document = m.document.file_id
        msg.text = m.caption
    elif m.voice is not None:
        msg.voice, msg.other_kind = m.voice.file_id, "voice"
    else:
        msg.other_kind = next((k for k in ("sticker", "voice", "video", "animation", "audio",
                                           "video_note", "contact", "poll") if getattr(m, k, None)),
                              "other")
    if not msg.is_private and msg.command is None:
        return None  # in groups the bot only listens to commands and its own buttons
    return msg


def received(raw: dict[str, Any]) -> Received:
    """What the inbox stores for a raw update: its key, its lane (the sender) and where to
    say 系统有点忙 should storing fail."""
    cq = raw.get("callback_query")
    if cq:
        user = (cq.get("from") or {}).get("id")
        chat = ((cq.get("message") or {}).get("chat") or {}).get("id", user)
        return Received(str(raw["update_id"]), f"{PLATFORM}:{user}", raw, str(chat), cq.get("id"))
    m = next((raw[k] for k in ("message", "edited_message", "channel_post", "edited_channel_post")
              if raw.get(k)), None) or {}
    user = (m.get("from") or {}).get("id")
    chat = (m.get("chat") or {}).get("id")
    private = (m.get("chat") or {}).get("type") == "private"
    return Received(str(raw["update_id"]), f"{PLATFORM}:{user if user is not None else '-'}", raw,
                    str(chat) if chat is not None and private else None)


# -- replies as parts ------------------------------------------------------------------
def _tg_len(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _markup_of(reply: Reply) -> dict[str, Any] | None:
    if reply.buttons:
        return {"inline": [[[b.label, b.data] for b in row] for row in reply.buttons]}
    if reply.request_location:
        return {"location": LOCATION_LABEL}
    return None


def _markup(spec: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    if not spec:
        return None
    if "inline" in spec:
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                      for label, data in row] for row in spec["inline"]])
    return ReplyKeyboardMarkup([[KeyboardButton(spec["location"], request_location=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def parts(reply: Reply) -> list[Part]:
    """Attachments first (photos by file id as albums of up to ten), then the text in
    chunks with the keyboard on the last, so the buttons stay at the bottom of the chat.
    A text that fits a caption rides on a single attachment: one message."""
    markup = _markup_of(reply)
    atts = reply.attachments
    if len(atts) == 1 and _tg_len(reply.text) <= CAPTION_LIMIT:
        a = atts[0]
        return [{"kind": a.kind, "file_id": a.file_id, "path": a.path, "filename": a.filename,
                 "text": reply.text, "markup": markup}]
    runs: list[list[Any]] = []  # consecutive photos by file id go out as albums of <= 10
    for a in atts:
        albumable = a.kind == "photo" and a.file_id is not None
        if albumable and runs and runs[-1][0].kind == "photo" and runs[-1][0].file_id \
                and len(runs[-1]) < MEDIA_GROUP_MAX:
            runs[-1].append(a)
        else:
            runs.append([a])
    out: list[Part] = [
        {"kind": "album", "file_ids": [a.file_id for a in run]} if len(run) > 1 else
        {"kind": run[0].kind, "file_id": run[0].file_id, "path": run[0].path,
         "filename": run[0].filename} for run in runs]
    text_parts = split_for_display(reply.text, TEXT_LIMIT) if reply.text.strip() else []
    if not text_parts and (not atts or markup):
        text_parts = [reply.text or "…"]
    for i, chunk in enumerate(text_parts):
        out.append({"kind": "text", "text": chunk,
                    "markup": markup if i == len(text_parts) - 1 else None})
    return out


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _result(exc: Exception, stored_file: bool = False) -> R:
    """A PTB error as the contract's outcome (never the message text in `error`)."""
    if isinstance(exc, RetryAfter):
        return R("retry", retry_after=_seconds(exc.retry_after), error="429")
    if isinstance(exc, Forbidden):
        return R("blocked", error="403")
    if isinstance(exc, BadRequest):
        return R("skipped" if stored_file else "failed", error="400")
    if isinstance(exc, FileNotFoundError):  # a chart or export of ours went missing
        return R("failed", error="file missing")
    if isinstance(exc, TimedOut) and isinstance(exc.__cause__, httpx.ReadTimeout):
        return R("unknown", error="read timeout after sending")
    if isinstance(exc, TelegramError | OSError):
        return R("retry", error=type(exc).__name__)
    raise exc


class TelegramChannel:
    """python-telegram-bot behind the channel contract (polling or webhook)."""

    platform = PLATFORM
    caps = CAPS

    def __init__(self, settings: Settings, registry: Registry | None = None, *,
                 poll_timeout: int = 10, send_timeout: float = 30.0) -> None:
        if not settings.bot_token:
            raise ValueError("BOT_TOKEN is required for the Telegram channel")
        self.settings, self.registry = settings, registry
        self.poll_timeout = poll_timeout
        kw: dict[str, Any] = {}
        if settings.telegram_base_url:
            base = settings.telegram_base_url.rstrip("/")
            kw = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"}
        # Sends wait long for an answer: a slow answer is still an answer, while giving up
        # after the request went out leaves the message `unknown`.
        self.bot = Bot(settings.bot_token,
                       request=HTTPXRequest(connection_pool_size=16, read_timeout=send_timeout,
                                            write_timeout=send_timeout, connect_timeout=10),
                       get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=5),
                       **kw)
        self._menus: dict[str, Role | None] = {}
        self._site: web.AppRunner | None = None
        self.ready = asyncio.Event()

    # -- contract: parse, parts, send -------------------------------------------------------
    def parse(self, payload: dict[str, Any]) -> Incoming | None:
        return to_incoming(Update.de_json(payload, self.bot))

    def parts(self, reply: Reply) -> list[Part]:
        return parts(reply)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    def invite_link(self, code: str) -> str | None:
        username = self.bot.username if self.bot._bot_user else self.settings.bot_username  # noqa: SLF001
        return f"https://t.me/{username}?start={code}"

    async def send_part(self, chat_id: str, part: Part) -> R:
        kind = part["kind"]
        try:
            if kind == "text":
                m = await self.bot.send_message(chat_id, part["text"],
                                                reply_markup=_markup(part.get("markup")))
                return R("sent", message_id=str(m.message_id))
            if kind == "album":
                return await self._album(chat_id, part["file_ids"])
            return await self._file(chat_id, part)
        except Exception as exc:
            return _result(exc, stored_file=kind in ("photo", "document", "voice")
                           and bool(part.get("file_id")))

    async def _file(self, chat_id: str, part: Part) -> R:
        caption, markup = part.get("text") or None, _markup(part.get("markup"))
        send = {"photo": self.bot.send_photo, "voice": self.bot.send_voice}.get(
            part["kind"], self.bot.send_document)
        if part.get("file_id"):
            try:
                m = await send(chat_id, part["file_id"], caption=caption, reply_markup=markup)
            except BadRequest:
                if not caption and not markup:
                    raise
                # the stored photo is gone, but the text (a complaint card...) must arrive
                log.info("a stored file was refused; sending the text alone")
                from core import text as T

                m = await self.bot.send_message(
                    chat_id, f"{caption or ''}\n{T.PHOTOS_SKIPPED.format(n=1)}".strip(),
                    reply_markup=markup)
            return R("sent", message_id=str(m.message_id))
        path = Path(part["path"])
        with path.open("rb") as fh:
            if part["kind"] == "photo":
                m = await self.bot.send_photo(chat_id, fh, caption=caption, reply_markup=markup)
            else:
                m = await self.bot.send_document(chat_id, fh, caption=caption, reply_markup=markup,
                                                 filename=part.get("filename") or path.name)
        return R("sent", message_id=str(m.message_id))

    async def _album(self, chat_id: str, file_ids: list[str]) -> R:
        try:
            ms = await self.bot.send_media_group(chat_id, [InputMediaPhoto(f) for f in file_ids])
            return R("sent", message_id=str(ms[-1].message_id) if ms else None)
        except BadRequest:  # one bad id spoils an album: the rest go one by one
            log.info("an album was refused; sending its photos one by one")
        sent = 0
        for f in file_ids:
            while True:
                try:
                    await self.bot.send_photo(chat_id, f)
                    sent += 1
                    break
                except BadRequest:
                    break
                except RetryAfter as exc:  # finish this part in place: resending it from
                    await asyncio.sleep(_seconds(exc.retry_after))  # the start would repeat
        return R("sent" if sent else "skipped", error=None if sent else "400",
                 skipped=len(file_ids) - sent)

    # -- menus ------------------------------------------------------------------------------
    def _commands(self, role: Role | None) -> list[BotCommand]:
        if self.registry is None:
            return []
        return [BotCommand(c.name, c.description[:256]) for c in self.registry.menu_for(role)]

    async def after_update(self, msg: Incoming, role: Role | None) -> None:
        """Each person's command menu lists what their role may do (setMyCommands)."""
        if not msg.is_private or self._menus.get(msg.chat_id, "?") == role:
            return
        self._menus[msg.chat_id] = role
        try:
            await self.bot.set_my_commands(self._commands(role),
                                           scope=BotCommandScopeChat(int(msg.chat_id)))
        except TelegramError as exc:
            log.info("setMyCommands failed (%s)", type(exc).__name__)

    # -- receiving ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.bot.initialize()
        try:
            await self.bot.set_my_commands(self._commands(None), scope=BotCommandScopeDefault())
        except TelegramError as exc:
            log.warning("setMyCommands (default) failed (%s)", type(exc).__name__)

    async def stop(self) -> None:
        if self._site is not None:
            await self._site.cleanup()
            self._site = None
        await self.bot.shutdown()

    async def receive(self, sink: Sink) -> None:
        if self.settings.webhook_url:
            await self._serve_webhook(sink)
        else:
            await self._poll(sink)

    async def _poll(self, sink: Sink) -> None:
        """Long polling where the offset confirms only what the inbox already holds."""
        try:
            await self.bot.delete_webhook()
        except TelegramError as exc:
            log.warning("deleteWebhook failed (%s)", type(exc).__name__)
        offset: int | None = None
        failures = store_failures = 0
        self.ready.set()
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=self.poll_timeout,
                                                     allowed_updates=Update.ALL_TYPES)
                failures = 0
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (TelegramError, OSError) as exc:
                failures += 1
                log.warning("getUpdates failed (%s)", type(exc).__name__)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** failures))
                continue
            if not updates:
                continue
            batch = [received(u.to_dict()) for u in updates]
            try:
                await sink.accept(batch)
            except StoreFailed:
                # Not confirmed: Telegram keeps them and hands them over again with
                # whatever came since, so everyone who writes meanwhile is told once.
                store_failures += 1
                await asyncio.sleep(min(10.0, 0.5 * 2 ** store_failures))
                continue
            store_failures = 0
            offset = updates[-1].update_id + 1  # only now may Telegram forget them
            for r in batch:
                if r.callback_id:
                    asyncio.create_task(self._answer(r.callback_id))

    async def _answer(self, callback_id: str) -> None:
        """Stop the spinner on the pressed button (the answer itself comes as a message)."""
        try:
            await self.bot.answer_callback_query(callback_id)
        except TelegramError as exc:  # an old query cannot be answered; harmless
            log.info("answerCallbackQuery failed (%s)", type(exc).__name__)

    def webhook_path(self) -> str:
        return "/" + (urlparse((self.settings.webhook_url or "").rstrip("/")).path.strip("/")
                      or "telegram")

    async def _serve_webhook(self, sink: Sink) -> None:
        """Answer Telegram's POST with 200 only once the update is committed."""
        secret = self.settings.webhook_secret or ""

        async def handle(request: web.Request) -> web.Response:
            got = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if secret and not hmac.compare_digest(got, secret):
                return web.Response(status=403)
            try:
                raw = await request.json()
                item = received(raw)
            except Exception:
                return web.Response(status=400)
            try:
                await sink.accept([item])
            except StoreFailed:
                return web.Response(status=503)  # Telegram delivers it again later
            if item.callback_id:
                asyncio.create_task(self._answer(item.callback_id))
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post(self.webhook_path(), handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self._site = runner
        await self.bot.set_webhook(self.settings.webhook_url or "", secret_token=secret or None,
                                   allowed_updates=Update.ALL_TYPES)
        self.ready.set()
        await asyncio.Event().wait()  # serve until cancelled
