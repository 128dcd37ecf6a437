"""The Telegram channel on aiogram 3: the same channel as channels/telegram.py, another
HTTP client under it.

Only aiogram's `Bot` is used, for the API calls (getMe, getUpdates, sendMessage,
sendPhoto, sendDocument, sendVoice, sendMediaGroup, answerCallbackQuery, setMyCommands,
setWebhook, deleteWebhook); its base URL comes from TELEGRAM_BASE_URL through
`TelegramAPIServer.from_base`, as for a self-hosted Bot API server or the test fake.

Why not aiogram's `Dispatcher` (start_polling / its webhook request handlers): the
inbox needs "stored, then confirmed", and the dispatcher confirms on its own terms.
Its polling loop moves `offset` past each update as soon as the update is handed over:
with `handle_as_tasks=True` (the default) the handler has only been scheduled, so the
next getUpdates confirms updates nobody stored yet; with `handle_as_tasks=False` the
handler has run, but `_process_update` swallows its exceptions, so an update whose store
failed (the database down) is confirmed all the same and Telegram forgets it. There is
no way to say "keep this batch, ask again" — what the shared loop does on StoreFailed —
and the dispatcher logs a failing update's exception text, which may carry what a
person wrote. Its webhook handler answers Telegram before handling by default. So the
loops are the shared ones of channels/telegram_base.py: the offset moves only past
updates `sink.accept` stored in one transaction, the webhook answers 200 only after the
commit, and routing stays in the core, identical under both libraries.

getUpdates asks aiogram for the raw JSON (`RawGetUpdates`), so no `Update` objects are
built on the way in: the inbox stores the dicts Telegram sent and parses them with plain
dict access when it processes them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from channels.telegram_base import ALLOWED_UPDATES, Fault, TelegramChannelBase
from core.registry import Registry
from services.config import Settings


class RawGetUpdates(GetUpdates):
    """getUpdates answered with the updates as Telegram sent them (plain dicts)."""

    __returning__ = list[dict[str, Any]]


def _markup(spec: dict[str, Any] | None) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if not spec:
        return None
    if "inline" in spec:
        return InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in spec["inline"]])
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=spec["location"], request_location=True)]],
        resize_keyboard=True, one_time_keyboard=True)


def _chat(chat_id: str) -> int | str:
    """Numeric chat ids as numbers (Telegram's own type); @channel names as they are."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def fault(exc: BaseException) -> Fault | None:
    """aiogram's exceptions in the Bot API's terms; None for anything else."""
    if isinstance(exc, TelegramRetryAfter):
        return Fault("retry_after", "429", float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return Fault("blocked", "403")
    if isinstance(exc, TelegramBadRequest):
        return Fault("bad_request", "400")
    if isinstance(exc, TelegramNetworkError):
        cause = exc.__cause__
        # aiohttp tells a connect timeout (nothing sent: retry) from a read timeout or the
        # total running out (the request went out: it may have arrived). A 413 (file too
        # large) is a network error to aiogram and to PTB alike: retried on both.
        if isinstance(cause, asyncio.TimeoutError) \
                and not isinstance(cause, aiohttp.ConnectionTimeoutError):
            return Fault("unknown", "read timeout after sending")
        return Fault("network", type(cause).__name__ if cause else type(exc).__name__)
    if isinstance(exc, TelegramAPIError | AiogramError | OSError):
        return Fault("network", type(exc).__name__)
    return None


class AiogramApi:
    """The channel's Bot API calls through aiogram's `Bot`."""

    def __init__(self, settings: Settings, send_timeout: float) -> None:
        server = (TelegramAPIServer.from_base(settings.telegram_base_url)
                  if settings.telegram_base_url else PRODUCTION)
        # Sends wait long for an answer: a slow answer is still an answer, while giving up
        # after the request went out leaves the message `unknown`. Connecting is bounded
        # separately, as nothing has been sent while it lasts.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=send_timeout)
        session = AiohttpSession(api=server, timeout=timeout)  # type: ignore[arg-type]
        self.bot = Bot(settings.bot_token or "", session=session)
        self._username: str | None = None

    fault = staticmethod(fault)

    @property
    def username(self) -> str | None:
        return self._username

    async def start(self) -> None:
        self._username = (await self.bot.get_me()).username

    async def close(self) -> None:
        await self.bot.session.close()

    async def get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        return await self.bot(RawGetUpdates(offset=offset, timeout=timeout,
                                            allowed_updates=ALLOWED_UPDATES),
                              request_timeout=timeout + 10)

    async def send_text(self, chat_id: str, text: str, markup: dict[str, Any] | None) -> str | None:
        m = await self.bot.send_message(chat_id=_chat(chat_id), text=text,
                                        reply_markup=_markup(markup))
        return str(m.message_id)

    async def send_file(self, chat_id: str, kind: str, *, file_id: str | None = None,
                        path: Path | None = None, filename: str | None = None,
                        caption: str | None = None,
                        markup: dict[str, Any] | None = None) -> str | None:
        rm, cid = _markup(markup), _chat(chat_id)
        if file_id is not None:
            if kind == "photo":
                m = await self.bot.send_photo(cid, file_id, caption=caption, reply_markup=rm)
            elif kind == "voice":
                m = await self.bot.send_voice(cid, file_id, caption=caption, reply_markup=rm)
            else:
                m = await self.bot.send_document(cid, file_id, caption=caption, reply_markup=rm)
            return str(m.message_id)
        assert path is not None
        # charts and exports are small: read now, so a vanished file fails here, plainly
        data = BufferedInputFile(path.read_bytes(), filename=filename or path.name)
        if kind == "photo":
            m = await self.bot.send_photo(cid, data, caption=caption, reply_markup=rm)
        else:
            m = await self.bot.send_document(cid, data, caption=caption, reply_markup=rm)
        return str(m.message_id)

    async def send_album(self, chat_id: str, file_ids: list[str]) -> str | None:
        ms = await self.bot.send_media_group(_chat(chat_id),
                                             [InputMediaPhoto(media=f) for f in file_ids])
        return str(ms[-1].message_id) if ms else None

    async def answer_callback(self, callback_id: str) -> None:
        await self.bot.answer_callback_query(callback_id)

    async def set_commands(self, commands: list[tuple[str, str]], chat_id: int | None) -> None:
        scope = BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id=chat_id)
        await self.bot.set_my_commands([BotCommand(command=n, description=d) for n, d in commands],
                                       scope=scope)

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def delete_webhook(self) -> None:
        await self.bot.delete_webhook()


class AiogramTelegramChannel(TelegramChannelBase):
    """aiogram behind the channel contract (polling or webhook); platform "telegram"."""

    def __init__(self, settings: Settings, registry: Registry | None = None, *,
                 poll_timeout: int = 10, send_timeout: float = 30.0) -> None:
        if not settings.bot_token:
            raise ValueError("BOT_TOKEN is required for the Telegram channel")
        self.aiogram = AiogramApi(settings, send_timeout)
        self.bot = self.aiogram.bot
        super().__init__(settings, registry, self.aiogram, poll_timeout=poll_timeout)
