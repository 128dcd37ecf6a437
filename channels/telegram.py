"""The Telegram channel (python-telegram-bot v22), a thin adapter around the core.

Updates become Incoming events, the router runs in a worker thread (the core is
synchronous SQLAlchemy), and Replies become Bot API calls through AIORateLimiter, so
Telegram's limits and 429 RetryAfter are honoured. A user who blocked the bot is
marked and skipped by the outbox. APScheduler drives the scheduler tick and the
outbox flush; everything it acts on is in the database, so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import urlparse

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import (
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
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from core import outbox
from core.app import BotCore
from core.messages import Attachment, Incoming, Reply
from services.config import Settings
from services.roles import Role
from services.text import split_for_display

log = logging.getLogger(__name__)
PLATFORM = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MEDIA_GROUP_MAX = 10  # Telegram albums hold 2-10 items


def to_incoming(update: Update) -> Incoming | None:
    """The platform-neutral view of an update; None for updates the bot ignores."""
    if update.callback_query is not None:
        q = update.callback_query
        chat = q.message.chat if q.message else None
        return Incoming(
            platform=PLATFORM, user_id=str(q.from_user.id),
            chat_id=str(chat.id if chat else q.from_user.id), callback=q.data or "",
            callback_id=q.id, update_id=update.update_id, username=q.from_user.username,
            display_name=q.from_user.full_name, is_private=chat is None or chat.type == "private",
        )
    m = update.message
    if m is None or m.from_user is None:
        return None  # edits, channel posts, membership changes: nothing to answer
    msg = Incoming(
        platform=PLATFORM, user_id=str(m.from_user.id), chat_id=str(m.chat.id),
        update_id=update.update_id, username=m.from_user.username,
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
    else:
        msg.other_kind = next((k for k in ("sticker", "voice", "video", "animation", "audio",
                                           "video_note", "contact", "poll") if getattr(m, k, None)),
                              "other")
    if not msg.is_private and msg.command is None:
        return None  # in groups the bot only listens to commands and its own buttons
    return msg


def _markup(reply: Reply):  # type: ignore[no-untyped-def]
    if reply.buttons:
        return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                      for b in row] for row in reply.buttons])
    if reply.request_location:
        return ReplyKeyboardMarkup([[KeyboardButton("📍 发送我的位置", request_location=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    return None


def _tg_len(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


async def _send_one(bot, chat_id: str, att: Attachment, caption: str | None = None,  # type: ignore[no-untyped-def]
                    markup=None) -> None:  # type: ignore[no-untyped-def]
    if att.file_id is not None:  # something a user uploaded: Telegram still has it
        send = bot.send_photo if att.kind == "photo" else bot.send_document
        await send(chat_id, att.file_id, caption=caption, reply_markup=markup)
        return
    assert att.path is not None
    path = Path(att.path)
    with path.open("rb") as fh:
        if att.kind == "photo":
            await bot.send_photo(chat_id, fh, caption=caption, reply_markup=markup)
        else:
            await bot.send_document(chat_id, fh, caption=caption, reply_markup=markup,
                                    filename=att.filename or path.name)


def _runs(atts: list[Attachment]) -> list[list[Attachment]]:
    """Consecutive photos by file id go out as albums (≤10); everything else one by one."""
    runs: list[list[Attachment]] = []
    for a in atts:
        albumable = a.kind == "photo" and a.file_id is not None
        if albumable and runs and len(runs[-1]) < MEDIA_GROUP_MAX and runs[-1][0].file_id \
                and runs[-1][0].kind == "photo":
            runs[-1].append(a)
        else:
            runs.append([a])
    return runs


async def _send_attachments(bot, chat_id: str, atts: list[Attachment]) -> int:  # type: ignore[no-untyped-def]
    """Send attachments without captions; return how many stored files Telegram refused."""
    refused = 0
    for run in _runs(atts):
        if len(run) > 1:
            try:
                await bot.send_media_group(chat_id, [InputMediaPhoto(a.file_id) for a in run])
                continue
            except BadRequest as exc:  # one bad id spoils an album: send the rest singly
                log.info("album to %s refused (%s); sending photos one by one", chat_id, exc)
        for a in run:
            try:
                await _send_one(bot, chat_id, a)
            except BadRequest as exc:
                if a.file_id is None:
                    raise
                log.warning("stored file %s refused for %s: %s", a.file_id, chat_id, exc)
                refused += 1
    return refused


async def send_reply(bot, chat_id: str, reply: Reply) -> outbox.SendResult:  # type: ignore[no-untyped-def]
    """Deliver one Reply: attachments first, then the text with the buttons on its last part,
    so the buttons stay at the bottom of the chat. A text that fits a caption rides on a
    single attachment (one message). A stored photo Telegram refuses (a bad or foreign file
    id) is skipped with a note, so the text — e.g. a complaint card — still arrives. A retry
    after a failure half-way resends the whole Reply (at least once, like the outbox)."""
    try:
        text, atts, refused = reply.text, reply.attachments, 0
        if len(atts) == 1 and _tg_len(text) <= CAPTION_LIMIT:
            try:
                await _send_one(bot, chat_id, atts[0], caption=text or None, markup=_markup(reply))
                return outbox.SendResult("sent")
            except BadRequest as exc:
                if atts[0].file_id is None:
                    raise
                log.warning("stored file %s refused for %s: %s", atts[0].file_id, chat_id, exc)
                refused = 1
        else:
            refused = await _send_attachments(bot, chat_id, atts)
        if refused:
            text = f"{text}\n（有{refused}张照片未能发送，可能已失效）".strip()
        parts = split_for_display(text, TEXT_LIMIT) if text.strip() else []
        if not parts and (not atts or reply.buttons or reply.request_location):
            parts = [text or "…"]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await bot.send_message(chat_id, part, reply_markup=_markup(reply) if last else None)
        return outbox.SendResult("sent")
    except RetryAfter as exc:
        delay = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") \
            else float(exc.retry_after)
        return outbox.SendResult("retry", retry_after=delay)
    except Forbidden as exc:
        return outbox.SendResult("blocked", error=str(exc))
    except (TelegramError, OSError) as exc:
        log.warning("send to %s failed: %s", chat_id, exc)
        return outbox.SendResult("failed", error=str(exc))


class TelegramChannel:
    def __init__(self, core: BotCore, settings: Settings) -> None:
        self.core, self.settings = core, settings
        self._menus: dict[str, Role | None] = {}
        self._flush_lock = asyncio.Lock()
        self.scheduler: AsyncIOScheduler | None = None
        self.application = self._build()

    def _build(self) -> Application:
        assert self.settings.bot_token, "BOT_TOKEN is required for the Telegram channel"
        b = (Application.builder().token(self.settings.bot_token)
             .rate_limiter(AIORateLimiter(max_retries=3))
             .post_init(self._post_init).post_shutdown(self._post_shutdown))
        if self.settings.telegram_base_url:
            base = self.settings.telegram_base_url.rstrip("/")
            b = b.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        app = b.build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        return app

    async def _post_init(self, app: Application) -> None:
        await asyncio.to_thread(self.core.recover)
        await app.bot.set_my_commands(self._commands(None), scope=BotCommandScopeDefault())
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(self.tick, "interval", seconds=self.settings.tick_seconds,
                               max_instances=1, coalesce=True, id="tick")
        self.scheduler.add_job(self.flush, "interval", seconds=2, max_instances=1,
                               coalesce=True, id="flush")
        self.scheduler.start()
        await self.tick()  # reminders that fell due while the bot was down

    async def _post_shutdown(self, app: Application) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)

    def _commands(self, role: Role | None) -> list[BotCommand]:
        return [BotCommand(c.name, c.description[:256]) for c in self.core.registry.menu_for(role)]

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = to_incoming(update)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:  # an old query cannot be answered; harmless
                log.info("answerCallbackQuery failed: %s", exc)
        if msg is None:
            return
        outcome = await asyncio.to_thread(self.core.handle, msg)
        for reply in outcome.replies:
            await send_reply(context.bot, msg.chat_id, reply)
        if msg.is_private and not outcome.duplicate and self._menus.get(msg.chat_id, "?") != outcome.role:
            self._menus[msg.chat_id] = outcome.role
            try:
                await context.bot.set_my_commands(self._commands(outcome.role),
                                                  scope=BotCommandScopeChat(int(msg.chat_id)))
            except TelegramError as exc:
                log.info("setMyCommands for %s failed: %s", msg.chat_id, exc)
        await self.flush()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("unhandled error for update %s", update, exc_info=context.error)

    async def tick(self) -> None:
        await asyncio.to_thread(self.core.tick)
        await self.flush()

    async def flush(self) -> int:
        """Deliver due outbox rows; one flush at a time so rows are never raced."""
        async with self._flush_lock:
            bot = self.application.bot
            return await outbox.deliver_async(
                self.core.db, PLATFORM, lambda chat, reply: send_reply(bot, chat, reply),
                self.core.clock.now, self.core.grace)

    def _webhook_args(self) -> dict[str, object]:
        """Where Telegram posts updates: the public URL's path, served on WEBHOOK_LISTEN:PORT."""
        url = (self.settings.webhook_url or "").rstrip("/")
        return {"listen": self.settings.webhook_listen, "port": self.settings.webhook_port,
                "url_path": urlparse(url).path.strip("/") or "telegram", "webhook_url": url,
                "secret_token": self.settings.webhook_secret,
                "allowed_updates": Update.ALL_TYPES}

    async def start(self, poll_timeout: float = 10) -> None:
        """Start inside a running event loop (tests, embedding); `run` blocks instead."""
        app = self.application
        await app.initialize()
        await self._post_init(app)
        await app.start()
        assert app.updater is not None
        if self.settings.webhook_url:
            await app.updater.start_webhook(**self._webhook_args())  # type: ignore[arg-type]
        else:
            await app.updater.start_polling(poll_interval=0.0, timeout=int(poll_timeout) or 1,
                                            allowed_updates=Update.ALL_TYPES)

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await self._post_shutdown(app)
        await app.shutdown()

    def run(self) -> None:
        if self.settings.webhook_url:
            self.application.run_webhook(**self._webhook_args())  # type: ignore[arg-type]
        else:
            self.application.run_polling(allowed_updates=Update.ALL_TYPES)


def run_telegram(settings: Settings) -> int:
    core = BotCore.create(settings)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    TelegramChannel(core, settings).run()
    return 0
