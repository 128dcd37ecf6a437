"""The Telegram channel on python-telegram-bot v22: translate, never decide.

PTB's `Bot` does the HTTP (over aiohttp: channels/ptb_aiohttp.py); everything else — parsing stored updates, cutting replies
into parts, the polling loop and the webhook server, menus per role — is shared with the
aiogram runtime in channels/telegram_base.py. The loops are ours, not PTB's, because the
inbox must store an update before Telegram is told it arrived: the offset passed to
getUpdates moves only past stored updates, and the webhook answers 200 only after the
commit (503 otherwise, and Telegram delivers again). PTB's `Application`/`Updater`
confirm the offset as soon as they fetched a batch, which lost updates on every crash,
so they are not used.

PTB's errors map onto the contract through `Fault`: RetryAfter -> retry after N s,
Forbidden -> blocked, BadRequest -> refused (a stored photo -> skipped, else failed), a
read timeout after the request went out -> unknown (it may have arrived), every other
network error or 5xx -> retry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
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
from telegram.request import BaseRequest

from channels.ptb_aiohttp import AiohttpRequest
from channels.telegram_base import (  # noqa: F401 - the names tests and tools import from here
    CAPS,
    PLATFORM,
    Fault,
    TelegramChannelBase,
    parse_update,
    parts,
    received,
)
from core.messages import Incoming
from core.registry import Registry
from services.config import Settings

# getUpdates waits this long for an answer beyond the long-polling timeout it asks for
POLL_READ_S = 5.0


class RawBot(Bot):
    """PTB's Bot, and the Bot API's own JSON for the two calls every update makes.

    The channel parses updates from dicts and needs only a sent message's id, so building
    PTB objects for them (and turning updates back into dicts) was wasted work. This goes
    through `Bot._post`, the step every typed method ends in (PTB's own ExtBot builds on
    it too), rather than `do_api_request`, which warns on every known endpoint.
    """

    async def raw(self, endpoint: str, api_kwargs: dict[str, Any],
                  read_timeout: float | None = None) -> Any:
        return await self._post(endpoint, api_kwargs=api_kwargs,
                                read_timeout=BaseRequest.DEFAULT_NONE if read_timeout is None
                                else read_timeout)


def to_incoming(update: Update) -> Incoming | None:
    """A PTB Update as an Incoming (the channel itself parses the stored dict directly)."""
    return parse_update(update.to_dict())


def _markup(spec: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    if not spec:
        return None
    if "inline" in spec:
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                      for label, data in row] for row in spec["inline"]])
    return ReplyKeyboardMarkup([[KeyboardButton(spec["location"], request_location=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _after_sending(cause: BaseException | None) -> bool:
    """A timeout once the request went out (it may have arrived), not while connecting."""
    return isinstance(cause, TimeoutError) \
        and not isinstance(cause, aiohttp.ConnectionTimeoutError)


def fault(exc: BaseException) -> Fault | None:
    """PTB's exceptions in the Bot API's terms; None for anything else."""
    if isinstance(exc, RetryAfter):
        return Fault("retry_after", "429", _seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return Fault("blocked", "403")
    if isinstance(exc, BadRequest):
        return Fault("bad_request", "400")
    if isinstance(exc, TimedOut) and _after_sending(exc.__cause__):
        return Fault("unknown", "read timeout after sending")
    if isinstance(exc, TelegramError | OSError):
        return Fault("network", type(exc).__name__)
    return None


class PtbApi:
    """The channel's Bot API calls through PTB's `Bot`."""

    def __init__(self, settings: Settings, send_timeout: float) -> None:
        kw: dict[str, Any] = {}
        if settings.telegram_base_url:
            base = settings.telegram_base_url.rstrip("/")
            kw = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"}
        # Sends wait long for an answer: a slow answer is still an answer, while giving up
        # after the request went out leaves the message `unknown`.
        self.bot = RawBot(settings.bot_token or "",
                          request=AiohttpRequest(connection_pool_size=16,
                                                 read_timeout=send_timeout,
                                                 write_timeout=send_timeout, connect_timeout=10),
                          get_updates_request=AiohttpRequest(connection_pool_size=2,
                                                             read_timeout=POLL_READ_S),
                          **kw)

    fault = staticmethod(fault)

    @property
    def username(self) -> str | None:
        return self.bot.username if self.bot._bot_user else None  # noqa: SLF001

    async def start(self) -> None:
        await self.bot.initialize()

    async def close(self) -> None:
        await self.bot.shutdown()

    async def get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        kw: dict[str, Any] = {"timeout": timeout, "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            kw["offset"] = offset
        got = await self.bot.raw("getUpdates", kw, read_timeout=POLL_READ_S + timeout)
        return list(got)

    async def send_text(self, chat_id: str, text: str, markup: dict[str, Any] | None) -> str | None:
        kw: dict[str, Any] = {"chat_id": chat_id, "text": text}
        rm = _markup(markup)
        if rm is not None:
            kw["reply_markup"] = rm
        m = await self.bot.raw("sendMessage", kw)
        return str(m["message_id"])

    async def send_file(self, chat_id: str, kind: str, *, file_id: str | None = None,
                        path: Path | None = None, filename: str | None = None,
                        caption: str | None = None,
                        markup: dict[str, Any] | None = None) -> str | None:
        rm = _markup(markup)
        if file_id is not None:
            send = {"photo": self.bot.send_photo, "voice": self.bot.send_voice}.get(
                kind, self.bot.send_document)
            m = await send(chat_id, file_id, caption=caption, reply_markup=rm)
            return str(m.message_id)
        assert path is not None
        with path.open("rb") as fh:
            if kind == "photo":
                m = await self.bot.send_photo(chat_id, fh, caption=caption, reply_markup=rm)
            else:
                m = await self.bot.send_document(chat_id, fh, caption=caption, reply_markup=rm,
                                                 filename=filename or path.name)
        return str(m.message_id)

    async def send_album(self, chat_id: str, file_ids: list[str]) -> str | None:
        ms = await self.bot.send_media_group(chat_id, [InputMediaPhoto(f) for f in file_ids])
        return str(ms[-1].message_id) if ms else None

    async def answer_callback(self, callback_id: str) -> None:
        await self.bot.answer_callback_query(callback_id)

    async def set_commands(self, commands: list[tuple[str, str]], chat_id: int | None) -> None:
        scope = BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id)
        await self.bot.set_my_commands([BotCommand(n, d) for n, d in commands], scope=scope)

    async def set_webhook(self, url: str, secret: str | None) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)

    async def delete_webhook(self) -> None:
        await self.bot.delete_webhook()


class TelegramChannel(TelegramChannelBase):
    """python-telegram-bot behind the channel contract (polling or webhook)."""

    def __init__(self, settings: Settings, registry: Registry | None = None, *,
                 poll_timeout: int = 10, send_timeout: float = 30.0) -> None:
        if not settings.bot_token:
            raise ValueError("BOT_TOKEN is required for the Telegram channel")
        self.ptb = PtbApi(settings, send_timeout)
        self.bot = self.ptb.bot
        super().__init__(settings, registry, self.ptb, poll_timeout=poll_timeout)
