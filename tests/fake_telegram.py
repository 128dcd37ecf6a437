"""A small local fake of the Telegram Bot API for end-to-end tests and benchmarks.

python-telegram-bot (PTB) talks to it exactly as it talks to ``api.telegram.org``::

    async with FakeTelegram(bot_username="zhucun_test_bot") as fake:
        app = (
            Application.builder()
            .token("123:TEST")
            .base_url(fake.base_url)            # "http://127.0.0.1:PORT/bot"
            .base_file_url(fake.base_file_url)  # "http://127.0.0.1:PORT/file/bot"
            .build()
        )
        fake.push_text(42, "/start")
        ...
        call = await fake.wait_for("sendMessage")
        assert call.params["chat_id"] == 42

For synchronous tests (or when the bot runs in a subprocess) run the server in a
background thread with its own event loop::

    with FakeTelegram() as fake:                 # == fake.start_in_thread() / stop_thread()
        env = {"TELEGRAM_BASE_URL": fake.base_url}
        ...
        fake.wait_for_sync("sendMessage", timeout=10)

URL shape
    ``{url}/bot{token}/{method}`` (GET or POST) and file downloads at
    ``{url}/file/bot{token}/{file_path}``.  PTB appends the token directly to
    ``base_url`` (no slash), so ``base_url`` must end in ``/bot``.

Parameters
    Accepted as a query string, ``application/json``, ``application/x-www-form-urlencoded``
    or ``multipart/form-data``.  PTB sends form data in which every non-string value
    is JSON encoded (``chat_id=42``, ``reply_markup={"inline_keyboard": ...}``); the fake
    decodes those back so ``Call.params`` holds native Python values.

Conventions
    * Test-facing methods that only touch state (``push_*``, ``calls``, ``fail_next`` ...)
      are plain, thread-safe functions usable from sync and async code alike.
    * Methods that must *wait* come in two flavours: ``await fake.wait_for(...)`` for
      async tests, ``fake.wait_for_sync(...)`` for sync tests with the threaded server.
      (Never call a ``*_sync`` helper from the event loop that runs the bot or the fake.)
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import mimetypes
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

__all__ = [
    "Call",
    "FakeTelegram",
    "Faults",
    "RateLimits",
    "RateViolation",
    "StoredFile",
    "post_update_to",
    "post_update_to_sync",
]

JSON = dict[str, Any]

# Parameters whose value is a plain string even when it looks like JSON ("123", "true").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "file_id",
        "url",
        "secret_token",
        "parse_mode",
        "action",
        "language_code",
        "ip_address",
        "inline_message_id",
        "data",
        "filename",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "query",
    }
)
# Methods whose successful delivery counts as "a message" for the rate checks.
RATE_COUNTED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
SENT_MESSAGE_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})


# --------------------------------------------------------------------------- data types


@dataclass
class StoredFile:
    """A file known to the fake: uploaded by the bot or registered by a ``push_*`` helper."""

    file_id: str
    file_unique_id: str
    content: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_path: str | None = None
    chat_id: int | str | None = None  # chat the bot sent it to (uploads only)
    message_id: int | None = None

    @property
    def size(self) -> int | None:
        return None if self.content is None else len(self.content)


@dataclass
class Call:
    """One recorded Bot API request (including rejected ones, see ``status``)."""

    seq: int
    method: str  # canonical camelCase name, e.g. "sendMessage"
    params: JSON  # decoded parameters (files are replaced by their file_id)
    files: dict[str, StoredFile]  # multipart uploads, keyed by form field name
    token: str
    http_method: str
    status: int  # HTTP status the fake answered with
    response: JSON  # full JSON body the fake answered with
    time: float  # time.monotonic() at arrival
    fault: str | None = None  # the injected fault, if any ("429", "500", "reset", "slow")

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def buttons(self) -> dict[str, str]:
        """Inline buttons of this call's reply_markup: label -> callback_data."""
        return buttons_of(self.params)


def buttons_of(params: JSON) -> dict[str, str]:
    """label -> callback_data of an inline keyboard, whether sent as JSON text or a dict."""
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", [])
            for b in row if "callback_data" in b}


def said(text: str, chat: int | str) -> Callable[[Call], bool]:
    """A wait_for predicate: a sendMessage to `chat` whose text contains `text`."""
    return lambda c: (c.method == "sendMessage" and str(c.params.get("chat_id")) == str(chat)
                      and text in str(c.params.get("text")))


def photo_captioned(text: str, chat: int | str) -> Callable[[Call], bool]:
    """A wait_for predicate: a sendPhoto to `chat` whose caption contains `text`."""
    return lambda c: (c.method == "sendPhoto" and str(c.params.get("chat_id")) == str(chat)
                      and text in str(c.params.get("caption")))


@dataclass(frozen=True)
class RateLimits:
    """Telegram's published flood limits, checked against successfully delivered messages.

    ``mode="sliding"`` (default) counts messages in any sliding window, the strict reading of
    "1 msg/s per private chat, 20 msg/min per group, 30 msg/s overall".  ``mode="bucket"``
    uses a leaky bucket (capacity = limit, drains limit/window per second), which is what
    ``aiolimiter`` / PTB's ``AIORateLimiter`` implement: it allows a burst of ``limit`` and
    then a steady rate, which a strict sliding window would flag.

    ``tolerance`` (seconds) absorbs scheduler/network jitter at the window edges.
    ``enforce=True`` additionally answers violating requests with HTTP 429 (retry_after=1).
    """

    private_per_second: int = 1
    group_per_minute: int = 20
    global_per_second: int = 30
    mode: str = "sliding"
    tolerance: float = 0.05
    enforce: bool = False


@dataclass(frozen=True)
class Faults:
    """Random faults on the calls that send messages, as a flaky network and an
    overloaded Bot API produce them. Each hit is one of ``kinds``:

    * ``429``   Too Many Requests with ``retry_after`` (not processed);
    * ``500``   Internal Server Error (not processed);
    * ``reset`` the connection is dropped before the request is handled (not processed);
    * ``slow``  the request is handled, but the answer comes ``slow_seconds`` later.
    """

    rate: float = 0.25
    kinds: tuple[str, ...] = ("429", "500", "reset", "slow")
    slow_seconds: float = 7.0
    retry_after: int = 1
    seed: int | None = None
    methods: frozenset[str] = SENT_MESSAGE_METHODS


@dataclass
class RateViolation:
    kind: str  # "private" | "group" | "global"
    chat_id: int | str | None
    method: str
    count: float  # messages in the window (sliding) or bucket level (bucket)
    limit: int
    window: float
    time: float


class _TelegramError(Exception):
    def __init__(self, status: int, description: str, parameters: JSON | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _chat_kind(chat_id: int | str | None) -> str:
    if isinstance(chat_id, int) and chat_id > 0:
        return "private"
    return "group"


def _chat_obj(chat_id: int | str, user: JSON | None = None) -> JSON:
    if isinstance(chat_id, int) and chat_id > 0:
        chat: JSON = {"id": chat_id, "type": "private"}
        if user:
            chat["first_name"] = user.get("first_name", "User")
            if user.get("username"):
                chat["username"] = user["username"]
        else:
            chat["first_name"] = "User"
        return chat
    if isinstance(chat_id, str):  # "@channelusername"
        return {"id": -1001, "type": "channel", "title": chat_id, "username": chat_id.lstrip("@")}
    chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": chat_type, "title": f"Test group {chat_id}"}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_value(key: str, value: Any) -> Any:
    """Turn a form/query value back into what the client meant (PTB JSON-encodes non-strings)."""
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    if key == "chat_id":
        try:
            return int(value)
        except ValueError:
            return value  # "@channel"
    try:
        return json.loads(value)
    except ValueError:
        return value


def _scope_key(scope: Any) -> str:
    if isinstance(scope, str):
        try:
            scope = json.loads(scope)
        except ValueError:
            pass
    if not scope or (isinstance(scope, dict) and scope.get("type") == "default"):
        return "default"
    return json.dumps(scope, sort_keys=True, ensure_ascii=False)


# --------------------------------------------------------------------------- webhook helper


async def post_update_to(
    url: str, update: JSON, secret_token: str | None = None, timeout: float = 10.0
) -> tuple[int, str]:
    """POST ``update`` as JSON to a bot running in webhook mode. Returns (status, body)."""
    headers = {"Content-Type": "application/json"}
    if secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    async with ClientSession(timeout=ClientTimeout(total=timeout)) as session:
        async with session.post(url, data=json.dumps(update), headers=headers) as resp:
            return resp.status, await resp.text()


def post_update_to_sync(
    url: str, update: JSON, secret_token: str | None = None, timeout: float = 10.0
) -> tuple[int, str]:
    """Blocking variant of :func:`post_update_to` (for sync tests / subprocess bots)."""
    headers = {"Content-Type": "application/json"}
    if secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    req = urllib.request.Request(
        url, data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (local only)
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


# --------------------------------------------------------------------------- the fake


class FakeTelegram:
    """In-process fake Bot API server bound to 127.0.0.1 on a free port.

    Args:
        token: if given, requests with another token get 401 Unauthorized
            (PTB raises ``InvalidToken``); ``None`` accepts any token.
        bot_username / bot_first_name / bot_id: what ``getMe`` returns.
        rate_limits: thresholds for the flood-limit bookkeeping (see :class:`RateLimits`).
        port: 0 (default) picks a free port.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "zhucun_test_bot",
        bot_first_name: str = "驻村助手",
        bot_id: int = 7000000001,
        rate_limits: RateLimits | None = None,
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.rate_limits = rate_limits or RateLimits()
        self._port = port
        self._host = "127.0.0.1"

        self._lock = threading.RLock()
        self._calls: list[Call] = []
        # pending updates: [update, delivered?]; confirmed (removed) by getUpdates offset
        self._queue: list[list[Any]] = []
        self._update_ids = itertools.count(1)
        self._last_pushed: JSON | None = None
        self._message_ids: dict[int | str, itertools.count] = {}
        self._messages: dict[tuple[int | str, int], JSON] = {}
        self._sent: list[tuple[int | str, JSON]] = []
        self._files: dict[str, StoredFile] = {}
        self._file_seq = itertools.count(1)
        self._callback_seq = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON = {}
        self._fail_next: dict[Any, list[int]] = {}  # chat_id or None(any) -> [n, retry_after]
        self._blocked: set[int | str] = set()
        self._users: dict[int, JSON] = {}
        self._faults: Faults | None = None
        self._poll_arrivals: list[float] = []
        self._fault_rng = random.Random()
        self.fault_counts: dict[str, int] = {}

        # rate bookkeeping
        self._windows: dict[Any, deque[float]] = {}
        self._buckets: dict[Any, tuple[float, float]] = {}
        self.rate_violations: list[RateViolation] = []
        self._delivered_messages = 0

        # server / loop plumbing
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._waiters: set[asyncio.Future[None]] = set()
        self._closing = False
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (only valid once started)."""
        if not self._port:
            raise RuntimeError("FakeTelegram is not running")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``Application.builder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Application.builder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    async def start(self) -> FakeTelegram:
        """Start serving on the current event loop."""
        self._loop = asyncio.get_running_loop()
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        return self

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with an empty list first."""
        self._closing = True
        self._wake_waiters()
        await asyncio.sleep(0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(self, timeout: float = 10.0) -> FakeTelegram:
        """Run the server in a daemon thread with its own event loop (for sync tests)."""
        if self._thread is not None:
            raise RuntimeError("already running in a thread")
        started = threading.Event()
        errors: list[BaseException] = []

        def runner() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # noqa: BLE001 - reported to the caller
                errors.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop())
                loop.close()

        self._thread = threading.Thread(target=runner, name="FakeTelegram", daemon=True)
        self._thread.start()
        if not started.wait(timeout):
            raise TimeoutError("FakeTelegram did not start in time")
        if errors:
            self._thread = None
            raise errors[0]
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> FakeTelegram:
        return self.start_in_thread()

    def __exit__(self, *exc_info: object) -> None:
        self.stop_thread()

    # ------------------------------------------------------------------ building updates

    def _user(
        self, user_id: int, username: str | None = None, first_name: str | None = None
    ) -> JSON:
        with self._lock:
            user = self._users.get(user_id)
            if user is None or username is not None or first_name is not None:
                user = {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": first_name or (user or {}).get("first_name") or f"User{user_id}",
                    "language_code": "zh-hans",
                }
                uname = (
                    username
                    if username is not None
                    else (self._users.get(user_id) or {}).get("username", f"user{user_id}")
                )
                if uname:
                    user["username"] = uname
                self._users[user_id] = user
            return dict(user)

    def _next_message_id(self, chat_id: int | str) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def _incoming_message(
        self,
        user_id: int,
        chat_id: int | None,
        username: str | None,
        first_name: str | None,
        **content: Any,
    ) -> JSON:
        user = self._user(user_id, username, first_name)
        chat_id = user_id if chat_id is None else chat_id
        msg = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": _chat_obj(chat_id, user),
            "from": user,
        }
        msg.update(content)
        return msg

    def _wrap(self, **payload: Any) -> JSON:
        return {"update_id": next(self._update_ids), **payload}

    def make_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        username: str | None = None,
        first_name: str | None = None,
    ) -> JSON:
        """Build (but do not queue) a text-message update. ``/commands`` get a
        ``bot_command`` entity, which PTB's CommandHandler requires."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._wrap(
            message=self._incoming_message(user_id, chat_id, username, first_name, **content)
        )

    def make_location(
        self, user_id: int, lat: float, lon: float, chat_id: int | None = None
    ) -> JSON:
        return self._wrap(
            message=self._incoming_message(
                user_id, chat_id, None, None, location={"latitude": lat, "longitude": lon}
            )
        )

    def make_photo(
        self,
        user_id: int,
        file_id: str,
        caption: str | None = None,
        chat_id: int | None = None,
        content: bytes | None = None,
    ) -> JSON:
        """Photo message; ``file_id`` is the largest size and is registered for getFile
        (``content`` becomes downloadable via ``base_file_url``)."""
        unique = f"u{file_id}"[:32]
        self._register_file(
            StoredFile(
                file_id=file_id, file_unique_id=unique, content=content, mime_type="image/jpeg"
            ),
            ext=".jpg",
            folder="photos",
        )
        sizes = [
            {
                "file_id": f"{file_id}_s",
                "file_unique_id": f"{unique}_s",
                "width": 90,
                "height": 90,
                "file_size": 1024,
            },
            {
                "file_id": file_id,
                "file_unique_id": unique,
                "width": 1280,
                "height": 960,
                "file_size": len(content) if content else 65536,
            },
        ]
        extra: JSON = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self._wrap(message=self._incoming_message(user_id, chat_id, None, None, **extra))

    def make_sticker(
        self,
        user_id: int,
        file_id: str = "STICKER_FILE_ID",
        emoji: str = "👍",
        chat_id: int | None = None,
    ) -> JSON:
        sticker = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}"[:32],
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._wrap(
            message=self._incoming_message(user_id, chat_id, None, None, sticker=sticker)
        )

    def make_callback(
        self, user_id: int, data: str, message_id: int | None = None, chat_id: int | None = None
    ) -> JSON:
        """Callback-query update for a button on a bot message. ``message_id=None`` uses the
        most recent message the bot sent to that chat."""
        user = self._user(user_id)
        chat_id = user_id if chat_id is None else chat_id
        with self._lock:
            if message_id is None:
                ids = [
                    mid
                    for (cid, mid) in self._messages
                    if cid == chat_id and self._messages[(cid, mid)].get("from", {}).get("is_bot")
                ]
                message_id = max(ids) if ids else None
            message = (
                copy.deepcopy(self._messages.get((chat_id, message_id))) if message_id else None
            )
        if message is None:
            message = {
                "message_id": message_id or self._next_message_id(chat_id),
                "date": int(time.time()),
                "chat": _chat_obj(chat_id, user),
                "from": dict(self.bot_user),
                "text": "(message not sent via the fake)",
            }
        query = {
            "id": f"cbq{next(self._callback_seq)}",
            "from": user,
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": message,
        }
        return self._wrap(callback_query=query)

    # ------------------------------------------------------------------ pushing updates

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update for getUpdates. A missing ``update_id`` is auto-assigned; an
        existing one is kept, so pushing the same dict twice delivers a duplicate."""
        update = copy.deepcopy(update)
        with self._lock:
            if "update_id" not in update:
                update["update_id"] = next(self._update_ids)
            else:
                # keep auto-increment ahead of explicit ids
                current = next(self._update_ids)
                if update["update_id"] >= current:
                    self._update_ids = itertools.count(update["update_id"] + 1)
                else:
                    self._update_ids = itertools.count(current)
            self._queue.append([update, False])
            self._last_pushed = update
        self._wake_waiters()
        return update

    def push_duplicate(self, update: JSON | None = None) -> JSON:
        """Re-queue ``update`` (default: the last pushed one) with the SAME update_id."""
        with self._lock:
            update = update or self._last_pushed
        if update is None:
            raise RuntimeError("nothing pushed yet")
        return self.push_update(update)

    def push_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        username: str | None = None,
        first_name: str | None = None,
    ) -> JSON:
        return self.push_update(
            self.make_text(user_id, text, chat_id, username=username, first_name=first_name)
        )

    def push_callback(
        self, user_id: int, data: str, message_id: int | None = None, chat_id: int | None = None
    ) -> JSON:
        return self.push_update(self.make_callback(user_id, data, message_id, chat_id))

    def push_location(
        self, user_id: int, lat: float, lon: float, chat_id: int | None = None
    ) -> JSON:
        return self.push_update(self.make_location(user_id, lat, lon, chat_id))

    def push_photo(
        self,
        user_id: int,
        file_id: str,
        caption: str | None = None,
        chat_id: int | None = None,
        content: bytes | None = None,
    ) -> JSON:
        return self.push_update(self.make_photo(user_id, file_id, caption, chat_id, content))

    def push_sticker(
        self,
        user_id: int,
        file_id: str = "STICKER_FILE_ID",
        emoji: str = "👍",
        chat_id: int | None = None,
    ) -> JSON:
        return self.push_update(self.make_sticker(user_id, file_id, emoji, chat_id))

    def pending_updates(self) -> list[JSON]:
        with self._lock:
            return [copy.deepcopy(u) for u, _ in self._queue]

    def _record(self, method: str, params: JSON, files: dict[str, StoredFile], token: str,
                http_method: str, status: int, body: JSON, arrived: float,
                fault: str | None) -> None:
        with self._lock:
            self._calls.append(
                Call(
                    seq=len(self._calls),
                    method=method,
                    params=params,
                    files=files,
                    token=token,
                    http_method=http_method,
                    status=status,
                    response=body,
                    time=arrived,
                    fault=fault,
                )
            )

    # ------------------------------------------------------------------ failure injection

    def poll_arrivals(self) -> list[float]:
        """time.monotonic() when each getUpdates call arrived (a long poll is recorded in
        calls() only when it returns)."""
        with self._lock:
            return list(self._poll_arrivals)

    def inject_faults(self, faults: Faults | None) -> None:
        """Fail a share of the sending calls at random (None: stop)."""
        with self._lock:
            self._faults = faults
            self._fault_rng = random.Random(faults.seed if faults else None)

    def _draw_fault(self, method: str) -> str | None:
        with self._lock:
            f = self._faults
            if f is None or method not in f.methods or self._fault_rng.random() >= f.rate:
                return None
            kind = self._fault_rng.choice(f.kinds)
            self.fault_counts[kind] = self.fault_counts.get(kind, 0) + 1
            return kind

    def fail_next(self, chat_id: int | str | None = None, n: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``n`` calls for ``chat_id`` with HTTP 429
        ``Too Many Requests: retry after {retry_after}`` (PTB raises ``RetryAfter``).
        ``chat_id=None`` hits any call except getUpdates/getMe/close/logOut; a chat-specific
        injection takes precedence. Calling again replaces the pending count."""
        with self._lock:
            self._fail_next[chat_id] = [n, retry_after]

    def block(self, chat_id: int | str) -> None:
        """Make every call for ``chat_id`` fail with 403 'bot was blocked by the user'."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded requests in arrival order, optionally filtered by (case-insensitive) method."""
        with self._lock:
            calls = list(self._calls)
        if method is not None:
            calls = [c for c in calls if c.method.lower() == method.lower()]
        return calls

    def mark(self) -> int:
        """Current number of recorded calls; pass as ``since=`` to wait for *new* calls."""
        with self._lock:
            return len(self._calls)

    def sent_messages(self, chat_id: int | str | None = None) -> list[JSON]:
        """Messages the bot sent successfully (sendMessage/sendPhoto/sendDocument and each
        photo of a sendMediaGroup album), as the Message JSON returned to the bot at send time."""
        with self._lock:
            return [copy.deepcopy(m) for cid, m in self._sent if chat_id is None or cid == chat_id]

    def sent_log(self, start: int = 0) -> list[tuple[int | str, JSON]]:
        """(chat id, Message JSON) of messages sent successfully, from position `start` on:
        incremental reads for drivers that poll (not copied: do not modify)."""
        with self._lock:
            return list(self._sent[start:])

    def sent_photo_ids(self, chat_id: int | str | None = None) -> list[str]:
        """File ids of the photos the bot sent (sendPhoto or albums), in order."""
        return [m["photo"][-1]["file_id"] for m in self.sent_messages(chat_id) if m.get("photo")]

    def message(self, chat_id: int | str, message_id: int) -> JSON | None:
        """Current state of a stored message (edits applied)."""
        with self._lock:
            msg = self._messages.get((chat_id, message_id))
            return copy.deepcopy(msg) if msg else None

    def sent_documents(self, chat_id: int | str | None = None) -> list[StoredFile]:
        """Documents the bot uploaded with sendDocument, with their bytes in ``.content``."""
        with self._lock:
            return [
                f
                for f in self._files.values()
                if f.file_path
                and f.file_path.startswith("documents/")
                and f.message_id is not None
                and (chat_id is None or f.chat_id == chat_id)
            ]

    def file_bytes(self, file_id: str) -> bytes | None:
        with self._lock:
            f = self._files.get(file_id)
            return f.content if f else None

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands last set with setMyCommands for ``scope`` (``None`` = default scope)."""
        with self._lock:
            return copy.deepcopy(self._commands.get((_scope_key(scope), language_code), []))

    def all_commands(self) -> dict[tuple[str, str], list[JSON]]:
        """All command lists keyed by (scope key, language_code)."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def webhook(self) -> JSON:
        """Parameters of the last setWebhook (empty after deleteWebhook)."""
        with self._lock:
            return dict(self._webhook)

    @property
    def rate_counters(self) -> dict[str, int]:
        """{'private','group','global'}: violations recorded; 'messages': delivered total."""
        with self._lock:
            counters = {"private": 0, "group": 0, "global": 0}
            for v in self.rate_violations:
                counters[v.kind] += 1
            counters["messages"] = self._delivered_messages
            return counters

    def reset_rate_stats(self) -> None:
        with self._lock:
            self.rate_violations.clear()
            self._windows.clear()
            self._buckets.clear()
            self._delivered_messages = 0

    def _find(self, match: str | Callable[[Call], bool], since: int) -> Call | None:
        with self._lock:
            candidates = self._calls[since:]
        for call in candidates:
            if isinstance(match, str):
                if call.method.lower() == match.lower():
                    return call
            elif match(call):
                return call
        return None

    def _timeout_error(self, match: Any, timeout: float, since: int) -> TimeoutError:
        seen = [c.method for c in self.calls()[since:]]
        return TimeoutError(f"no call matching {match!r} within {timeout}s; calls seen: {seen}")

    async def wait_for(
        self, match: str | Callable[[Call], bool], timeout: float = 5.0, *, since: int = 0
    ) -> Call:
        """Wait until a call matching ``match`` (method name or predicate on :class:`Call`)
        has been recorded at index >= ``since``; return it. Raises ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while True:
            call = self._find(match, since)
            if call is not None:
                return call
            if time.monotonic() >= deadline:
                raise self._timeout_error(match, timeout, since)
            await asyncio.sleep(0.005)

    def wait_for_sync(
        self, match: str | Callable[[Call], bool], timeout: float = 5.0, *, since: int = 0
    ) -> Call:
        """Blocking :meth:`wait_for` for sync tests (server must run via start_in_thread)."""
        deadline = time.monotonic() + timeout
        while True:
            call = self._find(match, since)
            if call is not None:
                return call
            if time.monotonic() >= deadline:
                raise self._timeout_error(match, timeout, since)
            time.sleep(0.005)

    # ------------------------------------------------------------------ webhook delivery

    async def post_update_to(self, url: str | None, update: JSON) -> tuple[int, str]:
        """Deliver ``update`` to a webhook bot. ``url=None`` uses the URL and secret token
        the bot registered with setWebhook."""
        url, secret = self._webhook_target(url)
        return await post_update_to(url, update, secret)

    def post_update_to_sync(self, url: str | None, update: JSON) -> tuple[int, str]:
        url, secret = self._webhook_target(url)
        return post_update_to_sync(url, update, secret)

    def _webhook_target(self, url: str | None) -> tuple[str, str | None]:
        with self._lock:
            secret = self._webhook.get("secret_token")
            url = url or self._webhook.get("url")
        if not url:
            raise RuntimeError("no url given and no webhook registered")
        return url, secret

    # ------------------------------------------------------------------ server internals

    def _wake_waiters(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def wake() -> None:
            for fut in list(self._waiters):
                if not fut.done():
                    fut.set_result(None)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake()
        else:
            try:
                loop.call_soon_threadsafe(wake)
            except RuntimeError:  # loop closed meanwhile
                pass

    async def _parse_params(self, request: web.Request) -> tuple[JSON, dict[str, StoredFile]]:
        params: JSON = {k: _decode_value(k, v) for k, v in request.query.items()}
        files: dict[str, StoredFile] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, files
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                for k, v in body.items():
                    # keep native JSON types, but accept stringified objects / chat ids
                    json_keys = ("chat_id", "reply_markup", "scope", "commands", "entities")
                    params[k] = _decode_value(k, v) if k in json_keys else v
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    stored = StoredFile(
                        file_id="",
                        file_unique_id="",
                        content=content,
                        filename=value.filename,
                        mime_type=value.content_type
                        or mimetypes.guess_type(value.filename or "")[0],
                    )
                    files[key] = stored
                else:
                    params[key] = _decode_value(key, value)
        return params, files

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if self.token is not None and token != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        with self._lock:
            stored = next((f for f in self._files.values() if f.file_path == path), None)
        if stored is None or stored.content is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        handler_name = _METHODS.get(raw_method.lower())
        method = handler_name[0] if handler_name else raw_method
        params: JSON = {}
        files: dict[str, StoredFile] = {}
        fault: str | None = None
        try:
            params, files = await self._parse_params(request)
            if self.token is not None and token != self.token:
                raise _TelegramError(401, "Unauthorized")
            if handler_name is None:
                raise _TelegramError(404, "Not Found: method not found")
            fault = self._draw_fault(method)
            if fault == "reset":
                self._record(method, params, files, token, request.method, 0, {}, arrived, fault)
                assert request.transport is not None
                request.transport.abort()  # the client sees the connection reset
                return web.Response(status=500)
            if fault == "429":
                raise _TelegramError(429, f"Too Many Requests: retry after {self._faults.retry_after}",  # type: ignore[union-attr]
                                     {"retry_after": self._faults.retry_after})  # type: ignore[union-attr]
            if fault == "500":
                raise _TelegramError(500, "Internal Server Error")
            if fault == "slow":
                await asyncio.sleep(self._faults.slow_seconds)  # type: ignore[union-attr]
            self._check_injected_failures(method, params)
            if method in RATE_COUNTED_METHODS and params.get("chat_id") is not None:
                self._account_rate(method, params.get("chat_id"), arrived)
            result = await getattr(self, handler_name[1])(params, files)
            status, body = 200, {"ok": True, "result": result}
        except _TelegramError as exc:
            status, body = exc.status, exc.body()
        self._record(method, params, files, token, request.method, status, body, arrived, fault)
        return web.json_response(
            body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    def _check_injected_failures(self, method: str, params: JSON) -> None:
        if method in ("getUpdates", "getMe", "close", "logOut"):
            return
        chat_id = params.get("chat_id")
        with self._lock:
            if chat_id is not None and chat_id in self._blocked:
                raise _TelegramError(403, "Forbidden: bot was blocked by the user")
            # a chat-specific injection wins over a global (None) one
            key = chat_id if chat_id is not None and chat_id in self._fail_next else None
            entry = self._fail_next.get(key)
            if entry is None:
                return
            entry[0] -= 1
            if entry[0] <= 0:
                del self._fail_next[key]
            retry = entry[1]
        raise _TelegramError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _account_rate(self, method: str, chat_id: Any, now: float) -> None:
        """Record the message for the flood-limit checks; with ``enforce`` a violating
        message is rejected with 429 instead (and not counted)."""
        lim = self.rate_limits
        checks = [("global", "__global__", lim.global_per_second, 1.0)]
        if _chat_kind(chat_id) == "private":
            checks.append(("private", chat_id, lim.private_per_second, 1.0))
        else:
            checks.append(("group", chat_id, lim.group_per_minute, 60.0))
        with self._lock:
            violations: list[RateViolation] = []
            undo: list[Callable[[], None]] = []
            for vkind, key, limit, window in checks:
                if lim.mode == "bucket":
                    old = self._buckets.get((vkind, key))
                    level, last = old or (0.0, now)
                    level = max(0.0, level - (now - last) * limit / window) + 1
                    self._buckets[(vkind, key)] = (level, now)
                    undo.append(
                        lambda k=(vkind, key), o=old: (
                            self._buckets.__setitem__(k, o) if o else self._buckets.pop(k, None)
                        )
                    )
                    over = level > limit + lim.tolerance * limit / window
                    count: float = level
                else:
                    dq = self._windows.setdefault((vkind, key), deque())
                    while dq and dq[0] <= now - window + lim.tolerance:
                        dq.popleft()
                    dq.append(now)
                    undo.append(dq.pop)
                    count = len(dq)
                    over = count > limit
                if over:
                    violations.append(
                        RateViolation(
                            kind=vkind,
                            chat_id=None if vkind == "global" else chat_id,
                            method=method,
                            count=count,
                            limit=limit,
                            window=window,
                            time=now,
                        )
                    )
            self.rate_violations.extend(violations)
            if violations and lim.enforce:
                for fn in undo:
                    fn()
                raise _TelegramError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self._delivered_messages += 1

    # ------------------------------------------------------------------ files

    def _register_file(
        self, stored: StoredFile, ext: str = "", folder: str = "documents"
    ) -> StoredFile:
        with self._lock:
            n = next(self._file_seq)
            if not stored.file_id:
                stored.file_id = f"FAKE{folder[:3].upper()}{n:06d}"
            if not stored.file_unique_id:
                stored.file_unique_id = f"U{n:06d}"
            if not stored.file_path:
                if not ext and stored.filename and "." in stored.filename:
                    ext = "." + stored.filename.rsplit(".", 1)[1]
                stored.file_path = f"{folder}/file_{n}{ext}"
            self._files[stored.file_id] = stored
            return stored

    def _resolve_input_file(
        self, name: str, params: JSON, files: dict[str, StoredFile], folder: str
    ) -> StoredFile:
        """The file for parameter ``name``: multipart upload, attach://, file_id or URL."""
        value = params.get(name)
        upload = files.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            return self._register_file(upload, folder=folder)
        if isinstance(value, str) and value:
            with self._lock:
                known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                return self._register_file(
                    StoredFile(file_id="", file_unique_id="", filename=value.rsplit("/", 1)[-1]),
                    folder=folder,
                )
            raise _TelegramError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise _TelegramError(400, f"Bad Request: there is no {name} in the request")

    # ------------------------------------------------------------------ message helpers

    def _require_chat(self, params: JSON) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _TelegramError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _store_outgoing(self, chat_id: int | str, params: JSON, **content: Any) -> JSON:
        msg: JSON = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": _chat_obj(
                chat_id, self._users.get(chat_id) if isinstance(chat_id, int) else None
            ),
            "from": dict(self.bot_user),
        }
        msg.update(content)
        markup = params.get("reply_markup")
        # Real Telegram only echoes inline keyboards (Message.reply_markup is Inline-only).
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        reply_to = params.get("reply_parameters") or {}
        if isinstance(reply_to, dict) and reply_to.get("message_id"):
            original = self._messages.get((chat_id, reply_to["message_id"]))
            if original:
                msg["reply_to_message"] = copy.deepcopy(original)
        with self._lock:
            self._messages[(chat_id, msg["message_id"])] = msg
            self._sent.append((chat_id, copy.deepcopy(msg)))
        return copy.deepcopy(msg)

    def _target_message(self, params: JSON) -> JSON | None:
        """Message addressed by chat_id+message_id, or None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._require_chat(params)
        message_id = params.get("message_id")
        with self._lock:
            msg = self._messages.get((chat_id, message_id))
        if msg is None:
            raise _TelegramError(400, "Bad Request: message to edit not found")
        return msg

    # ------------------------------------------------------------------ API methods

    async def _api_get_me(self, params: JSON, files: Any) -> JSON:
        return dict(self.bot_user)

    async def _api_get_updates(self, params: JSON, files: Any) -> list[JSON]:
        with self._lock:
            self._poll_arrivals.append(time.monotonic())
            if self._webhook.get("url"):
                raise _TelegramError(
                    409,
                    "Conflict: can't use getUpdates method while webhook "
                    "is active; use deleteWebhook to delete the webhook "
                    "first",
                )
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if offset < 0:
                    self._queue = self._queue[offset:]
                elif offset > 0:
                    # confirm: drop delivered updates below offset (undelivered duplicates stay)
                    self._queue = [
                        e for e in self._queue if not (e[1] and e[0]["update_id"] < offset)
                    ]
                batch = self._queue[:limit]
                for entry in batch:
                    entry[1] = True
                result = [copy.deepcopy(e[0]) for e in batch]
            remaining = deadline - time.monotonic()
            if result or remaining <= 0 or self._closing:
                return result
            fut = asyncio.get_running_loop().create_future()
            self._waiters.add(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(fut)

    async def _api_set_webhook(self, params: JSON, files: Any) -> bool:
        url = params.get("url") or ""
        with self._lock:
            if params.get("drop_pending_updates"):
                self._queue.clear()
            self._webhook = {k: v for k, v in params.items()} if url else {}
        return True

    async def _api_delete_webhook(self, params: JSON, files: Any) -> bool:
        with self._lock:
            self._webhook = {}
            if params.get("drop_pending_updates"):
                self._queue.clear()
        return True

    async def _api_get_webhook_info(self, params: JSON, files: Any) -> JSON:
        with self._lock:
            info: JSON = {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._queue),
            }
            if self._webhook.get("max_connections"):
                info["max_connections"] = self._webhook["max_connections"]
            if self._webhook.get("allowed_updates"):
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    async def _api_set_my_commands(self, params: JSON, files: Any) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _TelegramError(400, "Bad Request: can't parse commands JSON object")
        for cmd in commands:
            if not isinstance(cmd, dict) or not cmd.get("command") or not cmd.get("description"):
                raise _TelegramError(400, "Bad Request: BOT_COMMAND_INVALID")
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        with self._lock:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    async def _api_get_my_commands(self, params: JSON, files: Any) -> list[JSON]:
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        with self._lock:
            return copy.deepcopy(self._commands.get(key, []))

    async def _api_delete_my_commands(self, params: JSON, files: Any) -> bool:
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        with self._lock:
            self._commands.pop(key, None)
        return True

    async def _api_send_message(self, params: JSON, files: Any) -> JSON:
        chat_id = self._require_chat(params)
        text = params.get("text")
        if not text or not str(text).strip():
            raise _TelegramError(400, "Bad Request: message text is empty")
        if len(str(text)) > 4096:
            raise _TelegramError(400, "Bad Request: message is too long")
        content: JSON = {"text": str(text)}
        if params.get("entities"):
            content["entities"] = params["entities"]
        return self._store_outgoing(chat_id, params, **content)

    async def _api_send_photo(self, params: JSON, files: dict[str, StoredFile]) -> JSON:
        chat_id = self._require_chat(params)
        stored = self._resolve_input_file("photo", params, files, "photos")
        params["photo"] = stored.file_id
        content: JSON = {"photo": self._photo_sizes(stored)}
        if params.get("caption"):
            content["caption"] = params["caption"]
        msg = self._store_outgoing(chat_id, params, **content)
        with self._lock:
            stored.chat_id, stored.message_id = chat_id, msg["message_id"]
        return msg

    def _photo_sizes(self, stored: StoredFile) -> list[JSON]:
        size = stored.size or 65536
        return [
            {
                "file_id": f"{stored.file_id}_s",
                "file_unique_id": f"{stored.file_unique_id}_s",
                "width": 90,
                "height": 90,
                "file_size": min(size, 2048),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 800,
                "height": 600,
                "file_size": size,
            },
        ]

    async def _api_send_media_group(self, params: JSON, files: dict[str, StoredFile]) -> list[JSON]:
        """An album: 2-10 photos (file_id, URL or attach:// upload) sent as one group.
        Only photos are supported; ``params["media"]`` ends up holding the file ids sent."""
        chat_id = self._require_chat(params)
        media = params.get("media")
        if isinstance(media, str):
            media = json.loads(media)
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _TelegramError(400, "Bad Request: media must include 2-10 items")
        resolved: list[tuple[StoredFile, JSON]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise _TelegramError(400, "Bad Request: only photo albums are supported by the fake")
            stored = self._resolve_input_file("media", {"media": item.get("media")}, files, "photos")
            resolved.append((stored, item))
        params["media"] = [stored.file_id for stored, _ in resolved]
        group_id = f"mg{next(self._file_seq)}"
        out = []
        for stored, item in resolved:
            content: JSON = {"photo": self._photo_sizes(stored), "media_group_id": group_id}
            if item.get("caption"):
                content["caption"] = item["caption"]
            msg = self._store_outgoing(chat_id, {}, **content)
            with self._lock:
                if stored.message_id is None:
                    stored.chat_id, stored.message_id = chat_id, msg["message_id"]
            out.append(msg)
        return out

    async def _api_send_document(self, params: JSON, files: dict[str, StoredFile]) -> JSON:
        chat_id = self._require_chat(params)
        stored = self._resolve_input_file("document", params, files, "documents")
        params["document"] = stored.file_id
        document: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        if stored.size is not None:
            document["file_size"] = stored.size
        content: JSON = {"document": document}
        if params.get("caption"):
            content["caption"] = params["caption"]
        msg = self._store_outgoing(chat_id, params, **content)
        with self._lock:
            if stored.message_id is None:  # first send of an upload
                stored.chat_id, stored.message_id = chat_id, msg["message_id"]
        return msg

    async def _api_edit_message_text(self, params: JSON, files: Any) -> JSON | bool:
        msg = self._target_message(params)
        if msg is None:
            return True
        text = params.get("text")
        if not text:
            raise _TelegramError(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        with self._lock:
            if msg.get("text") == text and msg.get("reply_markup") == new_markup:
                raise _TelegramError(
                    400,
                    "Bad Request: message is not modified: specified new "
                    "message content and reply markup are exactly the "
                    "same as a current content and reply markup of the "
                    "message",
                )
            msg["text"] = str(text)
            msg["edit_date"] = int(time.time())
            if new_markup:
                msg["reply_markup"] = new_markup
            else:
                msg.pop("reply_markup", None)
            return copy.deepcopy(msg)

    async def _api_edit_message_reply_markup(self, params: JSON, files: Any) -> JSON | bool:
        msg = self._target_message(params)
        if msg is None:
            return True
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        with self._lock:
            if msg.get("reply_markup") == new_markup:
                raise _TelegramError(
                    400,
                    "Bad Request: message is not modified: specified new "
                    "message content and reply markup are exactly the "
                    "same as a current content and reply markup of the "
                    "message",
                )
            if new_markup:
                msg["reply_markup"] = new_markup
            else:
                msg.pop("reply_markup", None)
            msg["edit_date"] = int(time.time())
            return copy.deepcopy(msg)

    async def _api_answer_callback_query(self, params: JSON, files: Any) -> bool:
        if not params.get("callback_query_id"):
            raise _TelegramError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return True

    async def _api_send_chat_action(self, params: JSON, files: Any) -> bool:
        self._require_chat(params)
        if not params.get("action"):
            raise _TelegramError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _api_get_file(self, params: JSON, files: Any) -> JSON:
        file_id = params.get("file_id")
        with self._lock:
            stored = self._files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise _TelegramError(400, "Bad Request: invalid file_id")
        result: JSON = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.size is not None:
            result["file_size"] = stored.size
        return result

    async def _api_true(self, params: JSON, files: Any) -> bool:
        return True


# lower-case method name -> (canonical name, handler attribute)
_METHODS: dict[str, tuple[str, str]] = {
    name.lower(): (name, handler)
    for name, handler in [
        ("getMe", "_api_get_me"),
        ("getUpdates", "_api_get_updates"),
        ("setWebhook", "_api_set_webhook"),
        ("deleteWebhook", "_api_delete_webhook"),
        ("getWebhookInfo", "_api_get_webhook_info"),
        ("setMyCommands", "_api_set_my_commands"),
        ("getMyCommands", "_api_get_my_commands"),
        ("deleteMyCommands", "_api_delete_my_commands"),
        ("sendMessage", "_api_send_message"),
        ("editMessageText", "_api_edit_message_text"),
        ("editMessageReplyMarkup", "_api_edit_message_reply_markup"),
        ("answerCallbackQuery", "_api_answer_callback_query"),
        ("sendPhoto", "_api_send_photo"),
        ("sendDocument", "_api_send_document"),
        ("sendMediaGroup", "_api_send_media_group"),
        ("sendChatAction", "_api_send_chat_action"),
        ("getFile", "_api_get_file"),
        ("close", "_api_true"),
        ("logOut", "_api_true"),
    ]
}
