"""The DingTalk channel: an enterprise internal app's robot in Stream mode.

Receiving uses the official `dingtalk-stream` SDK's frames and handler dispatch over the
Stream WebSocket (no public IP needed: a county server behind NAT works). The SDK's own
`start()` is not used: it opens the connection with a blocking `requests` call inside a
coroutine and sleeps 10 s after every network error, so `_Stream` opens the connection
with aiohttp and reconnects with a short backoff, then lets the SDK route each frame.

A robot message (single chat, or a group message that @-ed the robot) arrives as a
CALLBACK frame on `/v1.0/im/bot/messages/get`. It is stored in the inbox, keyed by its
`msgId`, before the frame is acknowledged; if the inbox cannot store it the ACK says 500,
never 200, so a gateway that redelivers unacknowledged frames delivers it again, and a
duplicate is dropped by its key. (DingTalk documents robot messages as fire-and-forget;
the order store-then-ACK costs nothing and loses nothing where it does redeliver.)

Sending goes through `channels.dingtalk_send` (the robot's batchSend / groupMessages
APIs, never the session webhook: see there why).

Buttons are links `dtmd://dingtalkclient/sendMessage?content=...` in a markdown message:
tapping one makes the person send a short message, "批准 #lv:a:5", that comes back as a
robot message like any other and is read here as a press of the button whose data
follows the '#'. DingTalk clients honour these links in markdown messages (several
independent integrations rely on that; ActionCard button URLs are not documented to
take them, so they are not used); they need no card template set up in the developer
console, and the press arrives through the same inbox path as text, with the sender's
own staffId, so the router checks it exactly like a Telegram callback (typed parsing in
core.callbacks, then the handler's authorisation). Forging one is as easy as forging
Telegram callback data, and as harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
import dingtalk_stream
import websockets
from dingtalk_stream.frames import AckMessage, CallbackMessage
from dingtalk_stream.version import VERSION_STRING

from channels import dingtalk_text as DT
from channels.dingtalk_send import RobotClient, TokenCache
from core.channel import Capabilities, Part, Received, Sink, StoreFailed, declare
from core.channel import SendResult as R
from core.messages import Incoming, Reply
from core.registry import Registry
from services.config import Settings
from services.text import split_for_display

log = logging.getLogger(__name__)
PLATFORM = "dingtalk"
TOPIC_ROBOT = "/v1.0/im/bot/messages/get"
P_OPEN = "/v1.0/gateway/connections/open"
GROUP = "g:"  # chat ids of groups: "g:" + openConversationId; people: their staffId
TEXT_LIMIT = 3000  # characters a message; msgParam must stay under 15,000 bytes
SEND_LINK = "dtmd://dingtalkclient/sendMessage?content="
# A press comes back as "<label> #<data>": data as core.callbacks writes it.
# Our data always has a prefix and at least one field ("lv:a:5"), so a text that merely
# ends in "#TS-12" (a ticket number) stays text.
_PRESS = re.compile(r"^(?P<label>.{0,40}?)\s*#(?P<data>[A-Za-z0-9_.\-]{1,16}(?::[A-Za-z0-9_.\-]*){1,8})$",
                    re.S)
CAPS = Capabilities(slash_commands=False, buttons=True, location=False, photos=True,
                    documents=True, voice=True, command_menu=False, deep_links=False,
                    max_text=TEXT_LIMIT, global_per_second=15.0, private_per_second=1.0,
                    private_burst=3, group_per_minute=15.0, group_burst=4)
declare(PLATFORM, CAPS)


# -- updates ---------------------------------------------------------------------------
def _sender(data: dict[str, Any]) -> str:
    """The person's id: senderStaffId (what the send APIs take); senderId for the rare
    sender outside the organisation, who has no staffId."""
    return str(data.get("senderStaffId") or data.get("senderId") or "-")


def press_text(label: str, data: str) -> str:
    """What a person sends by pressing a button (shown in the chat as their message)."""
    return f"{label} #{data}"


def press_link(label: str, data: str) -> str:
    return SEND_LINK + quote(press_text(label, data), safe="")


def pressed(text: str) -> str | None:
    """The button data in a message a button press sent, or None."""
    m = _PRESS.match(text.strip())
    return m.group("data") if m else None


def to_incoming(data: dict[str, Any], aliases: dict[str, str] | None = None) -> Incoming | None:
    """The platform-neutral view of a robot message; None for what the bot ignores."""
    uid = _sender(data)
    private = str(data.get("conversationType", "1")) != "2"
    chat = uid if private else GROUP + str(data.get("conversationId", ""))
    msg = Incoming(platform=PLATFORM, user_id=uid, chat_id=chat, update_key=data.get("msgId"),
                   display_name=data.get("senderNick"), is_private=private)
    kind = data.get("msgtype")
    content = data.get("content") if isinstance(data.get("content"), dict) else {}
    if kind == "text":
        text = str((data.get("text") or {}).get("content") or "").strip()
        button = pressed(text)
        if button is not None:
            msg.callback, msg.callback_id = button, data.get("msgId")
        else:
            msg.text = text
    elif kind == "picture":
        msg.photos = [str(content.get("downloadCode") or content.get("pictureDownloadCode") or "")]
    elif kind == "richText":
        texts, photos = [], []
        for item in content.get("richText") or []:
            if item.get("text"):
                texts.append(str(item["text"]))
            elif item.get("type") == "picture":
                photos.append(str(item.get("downloadCode") or item.get("pictureDownloadCode") or ""))
        msg.photos = [p for p in photos if p]
        msg.text = "".join(texts).strip() or None
    elif kind == "audio":
        msg.voice, msg.other_kind = str(content.get("downloadCode") or ""), "voice"
    elif kind == "file":
        msg.document = str(content.get("downloadCode") or "")
    else:
        msg.other_kind = str(kind or "other")
    if not private and msg.callback is None and not _is_command(msg.text, aliases):
        return None  # in groups the bot answers commands and its own buttons only
    return msg


def _is_command(text: str | None, aliases: dict[str, str] | None) -> bool:
    if not text:
        return False
    text = text.strip()
    if text[:1] in "/／":
        return True
    head = text.partition(" ")[0]
    return aliases is not None and (head in aliases or text in aliases)


def received(data: dict[str, Any]) -> Received:
    """What the inbox stores for a robot message: keyed by msgId, laned by the sender,
    and where to say 系统有点忙 (single chats only) should storing fail."""
    uid = _sender(data)
    private = str(data.get("conversationType", "1")) != "2"
    key = str(data.get("msgId") or "")
    return Received(key, f"{PLATFORM}:{uid}", data, uid if private else None,
                    key if pressed(str((data.get("text") or {}).get("content") or "")) else None)


# -- replies as parts --------------------------------------------------------------------
def parts(reply: Reply, web_url: str | None = None) -> list[Part]:
    """Text chunks of at most TEXT_LIMIT characters, the buttons on the last one.

    Files and photos cannot go out through the robot without DingTalk's media upload, so
    a chart or export is named with a pointer to the workspace, and photos uploaded on
    another platform are counted; nothing is silently dropped."""
    notes = []
    foreign = sum(1 for a in reply.attachments if a.file_id is not None)
    for a in reply.attachments:
        if a.path is not None:
            name = a.filename or a.path.rsplit("/", 1)[-1]
            notes.append(DT.FILE_ELSEWHERE.format(name=name, url=web_url) if web_url
                         else DT.FILE_ELSEWHERE_NO_URL.format(name=name))
    if foreign:
        notes.append(DT.PHOTO_ELSEWHERE.format(n=foreign))
    text = "\n".join([reply.text, *notes]).strip() if notes else reply.text
    chunks = split_for_display(text, TEXT_LIMIT) if text.strip() else [text or "…"]
    rows = [[[b.label, b.data] for b in row] for row in reply.buttons if row]
    out: list[Part] = [{"kind": "text", "text": c} for c in chunks]
    if rows:
        out[-1]["buttons"] = rows
    return out


def _markdown(text: str) -> str:
    """Plain text for DingTalk's markdown: keep line breaks, do not start a heading."""
    lines = [("\\" + ln) if ln.startswith(("#", ">", "-", "*", "+")) else ln
             for ln in text.split("\n")]
    return "  \n".join(lines)


def _title(text: str) -> str:
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), DT.CARD_TITLE)
    return first[:24]


def message(part: Part) -> tuple[str, dict[str, Any]]:
    """(msgKey, msgParam) for one part: plain text, or markdown whose button rows are
    links that send the press back (one row a line)."""
    text = part.get("text") or ""
    rows = part.get("buttons") or []
    if not rows:
        return "sampleText", {"content": text}
    links = "  \n".join("　".join(f"[{label}]({press_link(label, data)})" for label, data in row)
                         for row in rows)
    return "sampleMarkdown", {"title": _title(text),
                              "text": f"{_markdown(text)}  \n\n{DT.PICK}  \n{links}"}


# -- the stream ---------------------------------------------------------------------------
class _RobotHandler(dingtalk_stream.CallbackHandler):
    """Robot messages into the inbox; the frame is acknowledged only once stored."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink

    async def process(self, message: CallbackMessage) -> tuple[int, str]:
        data = message.data if isinstance(message.data, dict) else {}
        if not data.get("msgId"):
            return AckMessage.STATUS_BAD_REQUEST, "no msgId"
        try:
            await self.sink.accept([received(data)])
        except StoreFailed:
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "not stored"
        return AckMessage.STATUS_OK, "OK"


class _Stream(dingtalk_stream.DingTalkStreamClient):
    """The SDK's client with a non-blocking connection open and a short reconnect."""

    def __init__(self, channel: DingTalkChannel, sink: Sink) -> None:
        s = channel.settings
        super().__init__(dingtalk_stream.Credential(s.dingtalk_client_id, s.dingtalk_client_secret),
                         logger=logging.getLogger("dingtalk_stream.client"))
        self.channel = channel
        self.register_callback_handler(TOPIC_ROBOT, _RobotHandler(sink))
        self._frames: set[asyncio.Task[Any]] = set()

    async def _open(self) -> dict[str, Any]:
        ch = self.channel
        assert ch.http is not None
        body = {"clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret,
                "subscriptions": [{"type": "CALLBACK", "topic": t} for t in self.callback_handler_map],
                "ua": f"zhucun-bot dingtalk-sdk-python/{VERSION_STRING}",
                "localIp": ""}
        async with ch.http.post(ch.base + P_OPEN, json=body) as resp:
            if resp.status != 200:
                raise ConnectionError(f"connections/open answered {resp.status}")
            got = await resp.json(content_type=None)
        if not isinstance(got, dict) or not got.get("endpoint") or not got.get("ticket"):
            raise ConnectionError("connections/open gave no endpoint")
        return got

    async def run(self) -> None:
        self.pre_start()
        failures = 0
        while True:
            try:
                conn = await self._open()
                uri = f'{conn["endpoint"]}?ticket={quote_plus(conn["ticket"])}'
                async with websockets.connect(uri, max_size=None) as ws:
                    self.websocket = ws
                    failures = 0
                    self.channel.ready.set()
                    async for raw in ws:
                        task = asyncio.create_task(self.background_task(json.loads(raw)))
                        self._frames.add(task)
                        task.add_done_callback(self._frames.discard)
            except asyncio.CancelledError:
                for t in list(self._frames):
                    t.cancel()
                raise
            except Exception as exc:  # network, DingTalk down, bad credentials: keep trying
                failures += 1
                log.warning("DingTalk stream: %s; reconnecting", type(exc).__name__)
                await asyncio.sleep(min(10.0, 0.25 * 2 ** failures))
            else:
                await asyncio.sleep(0.1)  # closed cleanly (disconnect frame): at once


class DingTalkChannel:
    """A DingTalk enterprise internal app robot behind the channel contract."""

    platform = PLATFORM

    def __init__(self, settings: Settings, registry: Registry | None = None, *,
                 send_timeout: float = 30.0) -> None:
        if not (settings.dingtalk_client_id and settings.dingtalk_client_secret):
            raise ValueError("DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET are required")
        self.settings, self.registry = settings, registry
        self.base = settings.dingtalk_api_url.rstrip("/")
        self.robot_code = settings.dingtalk_robot_code or settings.dingtalk_client_id
        # a group takes 20 a minute: the burst plus a minute's refill must stay under it
        rate = min(19.0, settings.dingtalk_group_per_minute)
        self.caps = Capabilities(**{**CAPS.__dict__,
                                    "global_per_second": settings.dingtalk_per_second,
                                    "group_per_minute": rate,
                                    "group_burst": max(1, min(CAPS.group_burst, 19 - int(rate)))})
        self.send_timeout = send_timeout
        self.http: aiohttp.ClientSession | None = None
        self.client: RobotClient | None = None
        self.ready = asyncio.Event()
        self._aliases = dict(registry.aliases) if registry is not None else None
        self._web = settings.web_url if settings.web_enabled else None

    # -- contract: parse, parts, send -------------------------------------------------------
    def parse(self, payload: dict[str, Any]) -> Incoming | None:
        return to_incoming(payload, self._aliases)

    def parts(self, reply: Reply) -> list[Part]:
        return parts(reply, self._web)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith(GROUP)

    def invite_link(self, code: str) -> str | None:
        return None  # no deep links: the code is typed as 「注册 CODE」

    async def send_part(self, chat_id: str, part: Part) -> R:
        await self.start()
        assert self.client is not None
        key, param = message(part)
        if self.is_group(chat_id):
            return await self.client.send(None, chat_id[len(GROUP):], key, param)
        return await self.client.send(chat_id, None, key, param)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        if self.http is not None:
            return
        s = self.settings
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=self.send_timeout)
        self.http = aiohttp.ClientSession(timeout=timeout)
        tokens = TokenCache(self.http, self.base, s.dingtalk_client_id or "",
                            s.dingtalk_client_secret or "")
        self.client = RobotClient(self.http, tokens, self.base, self.robot_code)

    async def stop(self) -> None:
        if self.http is not None:
            with contextlib.suppress(Exception):
                await self.http.close()
            self.http = None

    async def receive(self, sink: Sink) -> None:
        await self.start()
        await _Stream(self, sink).run()
