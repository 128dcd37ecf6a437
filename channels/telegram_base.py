"""What both Telegram runtimes share: the Bot API as data, and the channel's loops.

The bot speaks to Telegram through python-telegram-bot (channels/telegram.py) or aiogram
(channels/telegram_aiogram.py), chosen by TELEGRAM_LIBRARY. Everything that does not
depend on the library lives here, written once:

- `parse_update`: a stored raw update (the JSON dict Telegram sent) straight into an
  `Incoming` with plain dict access. No library objects are built: the update is parsed
  again whenever it is processed, and building PTB's or aiogram's types for that was a
  measurable part of the hot path. Both runtimes parse the same stored dicts the same
  way, so a deployment may switch library with updates still pending in the inbox.
- `received`, `parts`: what the inbox stores, and how a Reply is cut into messages.
- `result_of`: a library's error, once classified into a `Fault`, as a `SendResult`.
- `TelegramChannelBase`: sending a part, menus per role, polling that confirms the offset
  only past stored updates, and the webhook that answers 200 only after the commit, all
  over a small `TelegramApi` seam that each runtime implements with its own `Bot`.

The platform name is "telegram" for both runtimes: the same identities, inbox keys and
outbox rows, so switching library re-registers nobody.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlparse

from core.channel import Capabilities, Part, Received, Sink, StoreFailed
from core.channel import SendResult as R
from core.messages import Incoming, Reply
from core.registry import Registry
from services.config import Settings
from services.roles import Role
from services.text import split_for_display

if TYPE_CHECKING:  # aiohttp's server is imported only in webhook mode: a polling bot
    from aiohttp import web  # starts a fifth of a second sooner without it

log = logging.getLogger(__name__)
PLATFORM = "telegram"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MEDIA_GROUP_MAX = 10  # Telegram albums hold 2-10 items
LOCATION_LABEL = "📍 发送我的位置"
PEEK_AFTER = 2.0  # seconds a store may take before the poller looks for newcomers to tell
CAPS = Capabilities(slash_commands=True, buttons=True, location=True, photos=True,
                    documents=True, voice=True, command_menu=True, deep_links=True,
                    max_text=TEXT_LIMIT)
# Every update type, as python-telegram-bot's Update.ALL_TYPES asks for (the bot ignores
# what it does not read, but membership changes must not be filtered out by Telegram).
ALLOWED_UPDATES = [
    "message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost", "message_reaction", "message_reaction_count", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "purchased_paid_media",
]
# Content the bot cannot read as text, in the order it is named (the first present wins).
OTHER_KINDS = ("sticker", "voice", "video", "animation", "audio", "video_note", "contact", "poll")


# -- updates ---------------------------------------------------------------------------
def _full_name(user: dict[str, Any]) -> str:
    first, last = user.get("first_name") or "", user.get("last_name")
    return f"{first} {last}" if last else first


def parse_update(raw: dict[str, Any]) -> Incoming | None:
    """The platform-neutral view of a raw update; None for updates the bot ignores.

    Plain dict access on the JSON as Telegram sent it (and as the inbox stored it)."""
    key = str(raw["update_id"])
    q = raw.get("callback_query")
    if q is not None:
        user = q["from"]
        chat = (q.get("message") or {}).get("chat")
        return Incoming(
            platform=PLATFORM, user_id=str(user["id"]),
            chat_id=str(chat["id"] if chat else user["id"]), callback=q.get("data") or "",
            callback_id=q.get("id"), update_key=key, username=user.get("username"),
            display_name=_full_name(user),
            is_private=chat is None or chat.get("type") == "private",
        )
    m = raw.get("message")
    if m is None or m.get("from") is None:
        return None  # edits, channel posts, membership changes: nothing to answer
    user, chat = m["from"], m["chat"]
    msg = Incoming(
        platform=PLATFORM, user_id=str(user["id"]), chat_id=str(chat["id"]),
        update_key=key, username=user.get("username"), display_name=_full_name(user),
        is_private=chat.get("type") == "private",
    )
    if m.get("text") is not None:
        msg.text = m["text"]
    elif m.get("location") is not None:
        msg.location = (m["location"]["latitude"], m["location"]["longitude"])
    elif m.get("photo"):
        msg.photos = [m["photo"][-1]["file_id"]]  # the largest size
        msg.text = m.get("caption")
    elif m.get("document") is not None:
        msg.document = m["document"]["file_id"]
        msg.text = m.get("caption")
    elif m.get("voice") is not None:
        msg.voice, msg.other_kind = m["voice"]["file_id"], "voice"
    else:
        msg.other_kind = next((k for k in OTHER_KINDS if m.get(k)), "other")
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
def tg_len(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def markup_of(reply: Reply) -> dict[str, Any] | None:
    """The keyboard as JSON-able data stored in the part: {"inline": rows of [label, data]}
    or {"location": label}; each runtime builds its own objects from it."""
    if reply.buttons:
        return {"inline": [[[b.label, b.data] for b in row] for row in reply.buttons]}
    if reply.request_location:
        return {"location": LOCATION_LABEL}
    return None


def parts(reply: Reply) -> list[Part]:
    """Attachments first (photos by file id as albums of up to ten), then the text in
    chunks with the keyboard on the last, so the buttons stay at the bottom of the chat.
    A text that fits a caption rides on a single attachment: one message."""
    markup = markup_of(reply)
    atts = reply.attachments
    if len(atts) == 1 and tg_len(reply.text) <= CAPTION_LIMIT:
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


# -- errors -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Fault:
    """A library's exception in the Bot API's own terms.

    retry_after  429 with the seconds Telegram asked for
    blocked      403: the person blocked the bot or left the chat
    bad_request  400 (and other refusals of the message itself)
    unknown      the request went out and no answer came in time: it may have arrived
    network      5xx, connection reset or refused, a timeout before sending: try again
    """

    kind: Literal["retry_after", "blocked", "bad_request", "unknown", "network"]
    error: str
    retry_after: float | None = None


def result_of(fault: Fault, stored_file: bool = False) -> R:
    """A fault as the contract's outcome (never the message text in `error`)."""
    if fault.kind == "retry_after":
        return R("retry", retry_after=fault.retry_after, error=fault.error)
    if fault.kind == "blocked":
        return R("blocked", error=fault.error)
    if fault.kind == "bad_request":
        return R("skipped" if stored_file else "failed", error=fault.error)
    if fault.kind == "unknown":
        return R("unknown", error=fault.error)
    return R("retry", error=fault.error)


class TelegramApi(Protocol):
    """The few Bot API calls the channel makes, each runtime with its own `Bot`.

    Markups arrive as the data `markup_of` made; message ids come back as strings.
    `fault` classifies the runtime's exceptions (None: not an API or network error)."""

    @property
    def username(self) -> str | None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]: ...

    async def send_text(self, chat_id: str, text: str,
                        markup: dict[str, Any] | None) -> str | None: ...

    async def send_file(self, chat_id: str, kind: str, *, file_id: str | None = None,
                        path: Path | None = None, filename: str | None = None,
                        caption: str | None = None,
                        markup: dict[str, Any] | None = None) -> str | None: ...

    async def send_album(self, chat_id: str, file_ids: list[str]) -> str | None: ...

    async def answer_callback(self, callback_id: str) -> None: ...

    async def set_commands(self, commands: list[tuple[str, str]], chat_id: int | None) -> None: ...

    async def set_webhook(self, url: str, secret: str | None) -> None: ...

    async def delete_webhook(self) -> None: ...

    def fault(self, exc: BaseException) -> Fault | None: ...


# -- the channel ------------------------------------------------------------------------
class TelegramChannelBase:
    """The Telegram channel over a `TelegramApi`: the contract's send_part and receive,
    menus per role and invite links, identical under both runtimes."""

    platform = PLATFORM
    caps = CAPS

    def __init__(self, settings: Settings, registry: Registry | None, api: TelegramApi, *,
                 poll_timeout: int = 10) -> None:
        self.settings, self.registry, self.api = settings, registry, api
        self.poll_timeout = poll_timeout
        self._menus: dict[str, Role | None] = {}
        self._site: web.AppRunner | None = None
        self._answers: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()

    # -- contract: parse, parts, send -------------------------------------------------------
    def parse(self, payload: dict[str, Any]) -> Incoming | None:
        return parse_update(payload)

    def parts(self, reply: Reply) -> list[Part]:
        return parts(reply)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    def invite_link(self, code: str) -> str | None:
        return f"https://t.me/{self.api.username or self.settings.bot_username}?start={code}"

    def _fault(self, exc: BaseException) -> Fault:
        f = self.api.fault(exc)
        if f is None:
            raise exc
        return f

    async def send_part(self, chat_id: str, part: Part) -> R:
        kind = part["kind"]
        try:
            if kind == "text":
                mid = await self.api.send_text(chat_id, part["text"], part.get("markup"))
                return R("sent", message_id=mid)
            if kind == "album":
                return await self._album(chat_id, part["file_ids"])
            return await self._file(chat_id, part)
        except FileNotFoundError:  # a chart or export of ours went missing
            return R("failed", error="file missing")
        except Exception as exc:
            return result_of(self._fault(exc), stored_file=kind in ("photo", "document", "voice")
                             and bool(part.get("file_id")))

    async def _file(self, chat_id: str, part: Part) -> R:
        caption, markup = part.get("text") or None, part.get("markup") or None
        if part.get("file_id"):
            try:
                mid = await self.api.send_file(chat_id, part["kind"], file_id=part["file_id"],
                                               caption=caption, markup=markup)
            except Exception as exc:
                if self._fault(exc).kind != "bad_request" or (not caption and not markup):
                    raise
                # the stored photo is gone, but the text (a complaint card...) must arrive
                log.info("a stored file was refused; sending the text alone")
                from core import text as T

                mid = await self.api.send_text(
                    chat_id, f"{caption or ''}\n{T.PHOTOS_SKIPPED.format(n=1)}".strip(), markup)
            return R("sent", message_id=mid)
        path = Path(part["path"])
        if not path.is_file():
            raise FileNotFoundError(path.name)
        mid = await self.api.send_file(chat_id, part["kind"], path=path,
                                       filename=part.get("filename") or path.name,
                                       caption=caption, markup=markup)
        return R("sent", message_id=mid)

    async def _album(self, chat_id: str, file_ids: list[str]) -> R:
        try:
            return R("sent", message_id=await self.api.send_album(chat_id, file_ids))
        except Exception as exc:  # one bad id spoils an album: the rest go one by one
            if self._fault(exc).kind != "bad_request":
                raise
            log.info("an album was refused; sending its photos one by one")
        sent = 0
        for f in file_ids:
            while True:
                try:
                    await self.api.send_file(chat_id, "photo", file_id=f)
                    sent += 1
                    break
                except Exception as exc:
                    fault = self._fault(exc)
                    if fault.kind == "bad_request":
                        break
                    if fault.kind != "retry_after":
                        raise
                    # finish this part in place: resending it from the start would repeat
                    await asyncio.sleep(fault.retry_after or 1.0)
        return R("sent" if sent else "skipped", error=None if sent else "400",
                 skipped=len(file_ids) - sent)

    # -- menus ------------------------------------------------------------------------------
    def _commands(self, role: Role | None) -> list[tuple[str, str]]:
        if self.registry is None:
            return []
        return [(c.name, c.description[:256]) for c in self.registry.menu_for(role)]

    async def after_update(self, msg: Incoming, role: Role | None) -> None:
        """Each person's command menu lists what their role may do (setMyCommands)."""
        if not msg.is_private or self._menus.get(msg.chat_id, "?") == role:
            return
        self._menus[msg.chat_id] = role
        try:
            await self.api.set_commands(self._commands(role), int(msg.chat_id))
        except Exception as exc:
            log.info("setMyCommands failed (%s)", self._fault(exc).error)

    # -- receiving ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.api.start()
        try:
            await self.api.set_commands(self._commands(None), None)
        except Exception as exc:
            log.warning("setMyCommands (default) failed (%s)", self._fault(exc).error)

    async def stop(self) -> None:
        if self._site is not None:
            await self._site.cleanup()
            self._site = None
        await self.api.close()

    async def receive(self, sink: Sink) -> None:
        if self.settings.webhook_url:
            await self._serve_webhook(sink)
        else:
            await self._poll(sink)

    async def _poll(self, sink: Sink) -> None:
        """Long polling where the offset confirms only what the inbox already holds."""
        try:
            await self.api.delete_webhook()
        except Exception as exc:
            log.warning("deleteWebhook failed (%s)", self._fault(exc).error)
        offset: int | None = None
        failures = store_failures = 0
        self.ready.set()
        while True:
            try:
                updates = await self.api.get_updates(offset, self.poll_timeout)
                failures = 0
            except Exception as exc:
                fault = self._fault(exc)
                if fault.kind == "retry_after":
                    await asyncio.sleep(fault.retry_after or 1.0)
                    continue
                failures += 1
                log.warning("getUpdates failed (%s)", fault.error)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** failures))
                continue
            if not updates:
                continue
            batch = [received(u) for u in updates]
            try:
                await self._store(sink, batch, offset, int(updates[-1]["update_id"]))
            except StoreFailed:
                # Not confirmed: Telegram keeps them and hands them over again with
                # whatever came since, so everyone who writes meanwhile is told once.
                store_failures += 1
                await asyncio.sleep(min(10.0, 0.5 * 2 ** store_failures))
                continue
            store_failures = 0
            offset = int(updates[-1]["update_id"]) + 1  # only now may Telegram forget them
            self._answer_all(batch)

    async def _store(self, sink: Sink, batch: list[Received], offset: int | None,
                     last: int) -> None:
        """Store the batch; while that is stuck, look at what came since and tell those
        people 系统有点忙 at once rather than when their turn to be stored comes.

        getUpdates with the same offset confirms nothing: it returns the batch again and
        whatever came after it, which stays with Telegram until stored."""
        storing = asyncio.ensure_future(sink.accept(batch))
        told = last
        while True:
            done, _ = await asyncio.wait({storing}, timeout=PEEK_AFTER)
            if done:
                return storing.result()
            try:
                more = await self.api.get_updates(offset, 0)
            except Exception as exc:  # peeking is a courtesy: the store decides
                log.info("getUpdates while storing failed (%s)", self._fault(exc).error)
                continue
            newer = [received(u) for u in more if int(u["update_id"]) > told]
            waiting = getattr(sink, "waiting", None)  # a sink may have nobody to tell
            if newer and waiting is not None:
                told = int(more[-1]["update_id"])
                waiting(newer)

    def _answer_all(self, batch: list[Received]) -> None:
        for r in batch:
            if r.callback_id:
                task = asyncio.create_task(self._answer(r.callback_id))
                self._answers.add(task)
                task.add_done_callback(self._answers.discard)

    async def _answer(self, callback_id: str) -> None:
        """Stop the spinner on the pressed button (the answer itself comes as a message)."""
        try:
            await self.api.answer_callback(callback_id)
        except Exception as exc:  # an old query cannot be answered; harmless
            log.info("answerCallbackQuery failed (%s)", self._fault(exc).error)

    def webhook_path(self) -> str:
        return "/" + (urlparse((self.settings.webhook_url or "").rstrip("/")).path.strip("/")
                      or "telegram")

    async def _serve_webhook(self, sink: Sink) -> None:
        """Answer Telegram's POST with 200 only once the update is committed."""
        from aiohttp import web

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
            self._answer_all([item])
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post(self.webhook_path(), handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self._site = runner
        await self.api.set_webhook(self.settings.webhook_url or "", secret or None)
        self.ready.set()
        await asyncio.Event().wait()  # serve until cancelled
