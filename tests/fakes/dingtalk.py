"""A local fake of DingTalk's Stream gateway and robot OpenAPI, for tests without internet.

It speaks the wire protocol the official ``dingtalk-stream`` SDK speaks (see
``docs/dingtalk-protocol.md`` for the sources of every frame and body), so the real SDK
client runs against it unchanged::

    with FakeDingTalk(client_id="ding_app", client_secret="s3cret") as fake:   # own thread
        with point_sdk_at(fake.url):                      # SDK's api.dingtalk.com -> fake
            client = DingTalkStreamClient(Credential("ding_app", "s3cret"))
            client.register_callback_handler(ChatbotMessage.TOPIC, MyHandler())
            async with running_sdk_client(client):
                await fake.wait_connected()
                fake.push_text("user1", "签到")
                await fake.wait_until(lambda: fake.sent_messages("user1"))

Run the fake in its own thread (``with FakeDingTalk() as fake`` / ``start_in_thread``)
whenever the SDK client shares an event loop with the test: the SDK makes *blocking*
``requests`` calls from inside its coroutines (``open_connection``, ``get_access_token``,
``reply_text`` ...), which would dead-lock a fake served by the same loop.
``async with FakeDingTalk() as fake`` is fine for non-blocking clients (aiohttp, a bot
in a subprocess).

What it serves (all on 127.0.0.1, free port):

* ``POST /v1.0/oauth2/accessToken`` - app token, expiring, counted;
* ``POST /v1.0/gateway/connections/open`` - credentials check, returns ``{endpoint, ticket}``;
* ``GET /connect?ticket=...`` - the Stream WebSocket: SYSTEM ping/disconnect frames,
  CALLBACK frames for robot messages and card button presses, EVENT frames; reads ACKs;
  redelivers unacknowledged frames where DingTalk does (see ``redeliver``);
* ``POST /robot/sendBySession?session=...`` - the per-message session webhook (expiring);
* ``POST /v1.0/robot/oToMessages/batchSend`` and ``/v1.0/robot/groupMessages/send``;
* ``POST /v1.0/robot/messageFiles/download`` + ``GET /files/{code}`` for pushed media;
* ``/v1.0/card/instances`` (POST create, PUT update), ``.../deliver``, ``.../createAndDeliver``.

Conventions (the same as ``tests/fake_telegram.py``):
    * State-only helpers (``push_*``, ``calls``, ``fail_next``, ``drop_connection`` ...) are
      plain thread-safe functions usable from sync and async code; actions on the socket
      are scheduled onto the fake's loop and observed with the ``wait_*`` helpers.
    * Waiting comes in two flavours: ``await fake.wait_until(...)`` / ``wait_for(...)`` and
      ``fake.wait_until_sync(...)`` / ``wait_for_sync(...)`` (never call a ``*_sync`` helper
      from the loop that serves the fake).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from aiohttp import WSMsgType, web

__all__ = [
    "DEFAULT_GROUP_ID",
    "GROUP_LIMIT_CODE",
    "P_BATCH",
    "P_CARD",
    "P_CARD_CREATE_DELIVER",
    "P_CARD_DELIVER",
    "P_CONNECT",
    "P_DOWNLOAD",
    "P_GROUP",
    "P_OPEN",
    "P_TOKEN",
    "P_WEBHOOK",
    "QPS_LIMIT_CODE",
    "TOPIC_CARD_CALLBACK",
    "TOPIC_ROBOT_MESSAGE",
    "Call",
    "Card",
    "ConnectionInfo",
    "Delivery",
    "FakeDingTalk",
    "PingRecord",
    "RateViolation",
    "SentMessage",
    "point_sdk_at",
    "running_sdk_client",
]

JSON = dict[str, Any]
T = TypeVar("T")

TOPIC_ROBOT_MESSAGE = "/v1.0/im/bot/messages/get"
TOPIC_CARD_CALLBACK = "/v1.0/card/instances/callback"
DEFAULT_GROUP_ID = "cidFakeGroup0000000000=="

# Documented error code of the new OpenAPI's per-app/per-API QPS limit (HTTP 403).
QPS_LIMIT_CODE = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
# ASSUMED: the code groupMessages/send answers while a group is throttled for exceeding
# 20 messages a minute is not documented anywhere we could read; this one is ours.
GROUP_LIMIT_CODE = "Forbidden.AccessDenied.GroupRobotMessageLimit"
# Observed answer of DingTalk's robot webhooks to a 21st message in a minute.
WEBHOOK_TOO_FAST = (130101, "send too fast, exceed 20 times per minute")
# ASSUMED answer of an expired/unknown session webhook (errcode of an unknown robot token).
WEBHOOK_EXPIRED = (300001, "session webhook expired or does not exist")

# msgKey -> msgParam fields that must be present (robot-message-type doc).
MSG_KEYS: dict[str, tuple[str, ...]] = {
    "sampleText": ("content",),
    "sampleMarkdown": ("title", "text"),
    "sampleImageMsg": ("photoURL",),
    "sampleLink": ("text", "title", "picUrl", "messageUrl"),
    "sampleActionCard": ("title", "text", "singleTitle", "singleURL"),
    "sampleActionCard2": ("title", "text"),
    "sampleActionCard3": ("title", "text"),
    "sampleActionCard4": ("title", "text"),
    "sampleActionCard5": ("title", "text"),
    "sampleActionCard6": ("title", "text"),
    "sampleAudio": ("mediaId", "duration"),
    "sampleFile": ("mediaId", "fileName", "fileType"),
    "sampleVideo": ("duration", "videoMediaId", "videoType", "picMediaId"),
}
WEBHOOK_MSGTYPES = frozenset({"text", "markdown", "actionCard", "link", "feedCard"})

P_TOKEN = "/v1.0/oauth2/accessToken"
P_OPEN = "/v1.0/gateway/connections/open"
P_CONNECT = "/connect"
P_WEBHOOK = "/robot/sendBySession"
P_BATCH = "/v1.0/robot/oToMessages/batchSend"
P_GROUP = "/v1.0/robot/groupMessages/send"
P_DOWNLOAD = "/v1.0/robot/messageFiles/download"
P_CARD = "/v1.0/card/instances"
P_CARD_DELIVER = "/v1.0/card/instances/deliver"
P_CARD_CREATE_DELIVER = "/v1.0/card/instances/createAndDeliver"
# Endpoint groups for fail_next(endpoint=...).
ENDPOINT_GROUPS: dict[str, frozenset[str]] = {
    "send": frozenset({P_WEBHOOK, P_BATCH, P_GROUP}),
    "token": frozenset({P_TOKEN}),
    "open": frozenset({P_OPEN}),
    "download": frozenset({P_DOWNLOAD}),
    "card": frozenset({P_CARD, P_CARD_DELIVER, P_CARD_CREATE_DELIVER}),
}
FaultKind = Literal["throttle", "5xx", "reset", "slow"]
Redelivery = Literal["events", "all", "none"]


# --------------------------------------------------------------------------- data types


@dataclass
class Call:
    """One HTTP request the fake answered (rejected ones and WebSocket upgrades included)."""

    seq: int
    path: str
    http_method: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int  # 0 when the connection was reset instead of answered
    response: Any
    fault: str | None
    time: float  # time.monotonic() at arrival

    @property
    def ok(self) -> bool:
        """True for HTTP 200 with no DingTalk-level error (webhooks answer errcode != 0)."""
        if self.status != 200:
            return False
        return not (isinstance(self.response, dict) and self.response.get("errcode", 0) != 0)


@dataclass
class SentMessage:
    """A message the bot got delivered through one of the send paths."""

    seq: int
    via: Literal["batchSend", "groupMessages/send", "sessionWebhook"]
    target: Literal["user", "group"]
    target_id: str  # staff userId or (open)conversationId
    msg_type: str  # msgKey ("sampleText") for the OpenAPI, msgtype ("text") for webhooks
    content: JSON  # decoded msgParam, or the webhook body's object for its msgtype
    raw: JSON
    time: float

    @property
    def text(self) -> str:
        """The human-readable body: ``content`` of text messages, ``text`` of the others."""
        return str(self.content.get("content") or self.content.get("text") or "")

    @property
    def title(self) -> str | None:
        return self.content.get("title")


@dataclass
class Delivery:
    """One frame pushed to the bot over the stream, with its delivery history.

    ``state``: ``queued`` (no subscribed connection yet, or due for redelivery), ``sent``
    (on the wire, no ACK yet), ``acked`` (ACK with code 200), ``dropped`` (redelivery
    attempts exhausted) or ``not_forwarded`` (a group message that did not @ the robot,
    which DingTalk never hands to robots).
    """

    message_id: str
    type: Literal["CALLBACK", "EVENT"]
    topic: str
    data: JSON
    headers: JSON
    redeliverable: bool
    state: str = "queued"
    attempts: list[tuple[int, float]] = field(default_factory=list)  # (connection id, time)
    ack: JSON | None = None  # the last ACK frame, data decoded
    acked_at: float | None = None

    @property
    def connections(self) -> list[int]:
        return [conn for conn, _ in self.attempts]


@dataclass
class ConnectionInfo:
    """One Stream WebSocket connection (open or closed)."""

    id: int
    ticket: str
    subscriptions: list[JSON]
    ua: str | None
    local_ip: str | None
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None
    closed_by: str | None = None  # "client" | "server"

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def subscribed(self, frame_type: str, topic: str) -> bool:
        if frame_type == "SYSTEM":
            return True
        if frame_type == "EVENT":
            return any(s.get("type") == "EVENT" and s.get("topic") == "*" for s in self.subscriptions)
        return any(s.get("type") == frame_type and s.get("topic") == topic for s in self.subscriptions)


@dataclass
class PingRecord:
    message_id: str
    opaque: str
    connection_id: int
    sent_at: float
    reply: JSON | None = None  # the ACK frame, data decoded
    replied_at: float | None = None

    @property
    def answered(self) -> bool:
        """Answered as the protocol asks: code 200 and the same ``opaque`` echoed back."""
        return (self.reply is not None and self.reply.get("code") == 200
                and isinstance(self.reply.get("data"), dict)
                and self.reply["data"].get("opaque") == self.opaque)


@dataclass
class RateViolation:
    """A group message over the per-minute limit; the group is throttled until ``until``."""

    conversation_id: str
    count: int  # messages in the window including the rejected one
    limit: int
    window: float
    time: float
    until: float


@dataclass
class Card:
    """An interactive card instance created through the card APIs."""

    out_track_id: str
    template_id: str | None
    card_data: JSON  # cardParamMap
    callback_type: str | None
    deliveries: list[JSON] = field(default_factory=list)  # {"spaceType", "spaceId", ...}
    updates: list[JSON] = field(default_factory=list)  # PUT bodies and callback responses


@dataclass
class _Fault:
    kind: FaultKind
    paths: frozenset[str] | None  # None = any endpoint
    remaining: int
    delay: float


class _ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class _Reset(Exception):
    """Raised to abort the TCP connection instead of answering."""


def _requestid() -> str:
    return str(uuid.uuid4()).upper()


def _api_error(status: int, code: str, message: str) -> _ApiError:
    """New-OpenAPI error body: ``{"code", "requestid", "message"}``."""
    return _ApiError(status, {"code": code, "requestid": _requestid(), "message": message})


def _digest(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:n]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _loads_maybe(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# --------------------------------------------------------------------------- SDK helpers


@contextmanager
def point_sdk_at(base_url: str) -> Iterator[None]:
    """Point an already imported ``dingtalk_stream`` (0.24.x) at ``base_url``; restore on exit.

    The SDK reads ``DINGTALK_OPENAPI_ENDPOINT`` from the environment once, at import, and
    copies it into module globals (``stream``, ``chatbot``, ``card_replier``) and into
    ``DingTalkStreamClient.OPEN_CONNECTION_API``, which ``open_connection`` reads through the
    class name (a subclass attribute would be ignored). A fake on a free port is only known
    after import, so those copies are swapped here. A process started with
    ``DINGTALK_OPENAPI_ENDPOINT`` set (a bot in a subprocess) needs none of this.
    Not covered: ``upload_to_dingtalk`` posts to a hard-coded ``https://oapi.dingtalk.com``.
    """
    import dingtalk_stream.card_replier as card_replier
    import dingtalk_stream.chatbot as chatbot
    import dingtalk_stream.stream as stream
    import dingtalk_stream.utils as utils

    base = base_url.rstrip("/")
    targets: list[tuple[Any, str, str]] = [
        (utils, "DINGTALK_OPENAPI_ENDPOINT", base),
        (stream, "DINGTALK_OPENAPI_ENDPOINT", base),
        (chatbot, "DINGTALK_OPENAPI_ENDPOINT", base),
        (card_replier, "DINGTALK_OPENAPI_ENDPOINT", base),
        (stream.DingTalkStreamClient, "OPEN_CONNECTION_API", base + P_OPEN),
    ]
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in targets]
    try:
        for obj, name, value in targets:
            setattr(obj, name, value)
        yield
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)


@asynccontextmanager
async def running_sdk_client(client: Any) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``DingTalkStreamClient.start()`` as a task and really stop it afterwards.

    ``start()`` never returns and swallows the first cancellation (it catches
    ``CancelledError`` and sleeps 10 s before reconnecting), so it is cancelled until it
    is done; its per-connection ``keepalive`` tasks (60 s sleeps) are cancelled too.
    """
    loop = asyncio.get_running_loop()
    before = set(asyncio.all_tasks(loop))
    task = loop.create_task(client.start(), name="dingtalk-sdk-client")
    try:
        yield task
    finally:
        deadline = time.monotonic() + 5
        while not task.done() and time.monotonic() < deadline:
            task.cancel()
            await asyncio.wait({task}, timeout=0.05)
        for other in asyncio.all_tasks(loop) - before - {task, asyncio.current_task()}:
            if "keepalive" in getattr(other.get_coro(), "__qualname__", ""):
                other.cancel()
        await asyncio.sleep(0)


# --------------------------------------------------------------------------- the fake


class _Conn:
    def __init__(self, info: ConnectionInfo, ws: web.WebSocketResponse, request: web.Request):
        self.info = info
        self.ws = ws
        self.request = request
        self.ping_task: asyncio.Task[None] | None = None


class FakeDingTalk:
    """In-process fake DingTalk (Stream gateway + robot OpenAPI) on 127.0.0.1.

    Args:
        client_id / client_secret: the app's credentials (enterprise internal app: AppKey /
            AppSecret); anything else is rejected by the token and connection-open calls.
        robot_code: the robot's code (for internal apps the AppKey, the default).
        corp_id: the organisation id put into pushed messages.
        token_ttl: seconds an access token stays valid (``expireIn``; DingTalk: 7200).
        ticket_ttl: seconds a connection ticket can be used (docs: 90, single use).
        ping_interval: seconds between SYSTEM ping frames per connection; None = never.
        disconnect_grace: seconds between a SYSTEM disconnect frame and the server closing
            the socket if the client has not (docs: 10).
        redeliver: which unacknowledged frames come again. ``"events"`` (default) is what the
            docs describe: EVENT pushes are redelivered, robot messages and other callbacks
            are fire-and-forget. ``"all"`` also redelivers callbacks (a stricter
            at-least-once gateway, to test a bot's idempotency); ``"none"`` never does.
        ack_timeout: seconds without ACK before a redeliverable frame is sent again.
        max_attempts: deliveries of one frame before it is given up (``dropped``).
        session_webhook_ttl: lifetime of the per-message session webhook (about 90 min).
        group_limit / group_window / group_throttle: a group takes ``group_limit`` robot
            messages per ``group_window`` seconds; the next one is rejected and the group is
            throttled for ``group_throttle`` seconds (DingTalk: 20 / 60 s / 10 min).
            ``group_limit=None`` switches the check off.
        known_users: if given, batchSend reports other user ids in ``invalidStaffIdList``.
        port: 0 picks a free port.
    """

    def __init__(
        self,
        *,
        client_id: str = "dingfakeappkey0001",
        client_secret: str = "fake-app-secret",
        robot_code: str | None = None,
        corp_id: str = "dingfakecorp0001",
        token_ttl: float = 7200.0,
        ticket_ttl: float = 90.0,
        ping_interval: float | None = None,
        disconnect_grace: float = 10.0,
        redeliver: Redelivery = "events",
        ack_timeout: float = 5.0,
        max_attempts: int = 10,
        session_webhook_ttl: float = 5400.0,
        group_limit: int | None = 20,
        group_window: float = 60.0,
        group_throttle: float = 600.0,
        known_users: set[str] | None = None,
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.robot_code = robot_code or client_id
        self.corp_id = corp_id
        self.app_id = str(uuid.UUID(_digest("app", client_id, n=32)))
        self.chatbot_user_id = f"$:LWCP_v1:${_digest('bot', client_id, n=24)}"
        self.token_ttl = token_ttl
        self.ticket_ttl = ticket_ttl
        self.ping_interval = ping_interval
        self.disconnect_grace = disconnect_grace
        self.redeliver = redeliver
        self.ack_timeout = ack_timeout
        self.max_attempts = max_attempts
        self.session_webhook_ttl = session_webhook_ttl
        self.group_limit = group_limit
        self.group_window = group_window
        self.group_throttle = group_throttle
        self.known_users = known_users
        self._port = port
        self._host = "127.0.0.1"

        self._lock = threading.RLock()
        self._seq = itertools.count()
        self._calls: list[Call] = []
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._tickets: dict[str, JSON] = {}  # ticket -> {expires, used, subscriptions, ...}
        self._conns: dict[int, _Conn] = {}
        self._conn_infos: list[ConnectionInfo] = []
        self._conn_ids = itertools.count(1)
        self._deliveries: dict[str, Delivery] = {}
        self._pings: dict[str, PingRecord] = {}
        self._client_frames: list[JSON] = []  # every frame the client sent, decoded
        self._webhooks: dict[str, JSON] = {}  # session -> {expires, target, ...}
        self._sent: list[SentMessage] = []
        self._files: dict[str, tuple[bytes, str]] = {}  # downloadCode -> (bytes, mime)
        self._cards: dict[str, Card] = {}
        self._faults: list[_Fault] = []
        self._flow_controlled: set[str] = set()
        self._group_sends: dict[str, deque[float]] = {}
        self._group_throttled: dict[str, float] = {}
        self.rate_violations: list[RateViolation] = []

        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._dispatch_lock: asyncio.Lock | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the value for ``DINGTALK_OPENAPI_ENDPOINT``."""
        if not self._port or self._runner is None:
            raise RuntimeError("FakeDingTalk is not running")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def ws_endpoint(self) -> str:
        return f"ws://{self._host}:{self._port}{P_CONNECT}"

    async def start(self) -> FakeDingTalk:
        """Start serving on the current event loop."""
        self._loop = asyncio.get_running_loop()
        self._dispatch_lock = asyncio.Lock()
        app = web.Application()
        app.router.add_post(P_TOKEN, self._api(P_TOKEN, self._h_token))
        app.router.add_post(P_OPEN, self._api(P_OPEN, self._h_open))
        app.router.add_get(P_CONNECT, self._h_connect)
        app.router.add_post(P_WEBHOOK, self._api(P_WEBHOOK, self._h_webhook))
        app.router.add_post(P_BATCH, self._api(P_BATCH, self._h_batch, token=True))
        app.router.add_post(P_GROUP, self._api(P_GROUP, self._h_group, token=True))
        app.router.add_post(P_DOWNLOAD, self._api(P_DOWNLOAD, self._h_download, token=True))
        app.router.add_get("/files/{code}", self._h_file)
        app.router.add_post(P_CARD, self._api(P_CARD, self._h_card_create, token=True))
        app.router.add_put(P_CARD, self._api(P_CARD, self._h_card_update, token=True))
        app.router.add_post(P_CARD_DELIVER, self._api(P_CARD_DELIVER, self._h_card_deliver, token=True))
        app.router.add_post(P_CARD_CREATE_DELIVER,
                            self._api(P_CARD_CREATE_DELIVER, self._h_card_create_deliver, token=True))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        return self

    async def stop(self) -> None:
        """Close every stream connection (code 1001, going away) and stop serving."""
        for conn in list(self._conns.values()):
            with suppress(Exception):
                await conn.ws.close(code=1001, message=b"server shutdown")
        for task in list(self._background):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDingTalk:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start_in_thread(self, timeout: float = 10.0) -> FakeDingTalk:
        """Serve from a daemon thread with its own event loop (sync tests, SDK in-process)."""
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

        self._thread = threading.Thread(target=runner, name="FakeDingTalk", daemon=True)
        self._thread.start()
        if not started.wait(timeout):
            raise TimeoutError("FakeDingTalk did not start in time")
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

    def __enter__(self) -> FakeDingTalk:
        return self.start_in_thread()

    def __exit__(self, *exc_info: object) -> None:
        self.stop_thread()

    # ------------------------------------------------------------------ loop plumbing

    def _on_loop(self, make: Callable[[], Any]) -> None:
        """Run coroutine factory ``make`` on the fake's loop, from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("FakeDingTalk is not running")

        def spawn() -> None:
            task = loop.create_task(make())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            spawn()
        else:
            loop.call_soon_threadsafe(spawn)

    def _kick(self) -> None:
        """Schedule a dispatch round (after a push, a new connection or an ACK timeout)."""
        if self._loop is not None and not self._loop.is_closed():
            self._on_loop(self._dispatch)

    # ------------------------------------------------------------------ building pushes

    def _user_ids(self, user_id: str) -> tuple[str, str]:
        """(senderId, single-chat conversationId): stable opaque ids derived from a user id."""
        return (f"$:LWCP_v1:${_digest('sender', user_id, n=24)}",
                f"cid{_digest('oto', self.client_id, user_id, n=22)}==")

    def _new_webhook(self, conversation_type: str, conversation_id: str, user_id: str) -> tuple[str, int]:
        session = uuid.uuid4().hex
        expires_ms = _now_ms() + int(self.session_webhook_ttl * 1000)
        with self._lock:
            self._webhooks[session] = {
                "expires_ms": expires_ms,
                "conversation_type": conversation_type,
                "conversation_id": conversation_id,
                "user_id": user_id,
            }
        return f"http://{self._host}:{self._port}{P_WEBHOOK}?session={session}", expires_ms

    def make_message(
        self,
        user_id: str,
        msgtype: str,
        body: JSON,
        conversation_type: Literal["1", "2"] = "1",
        conversation_id: str | None = None,
        *,
        at_bot: bool = True,
        nick: str | None = None,
        conversation_title: str | None = None,
        is_admin: bool = False,
    ) -> JSON:
        """Build the ``data`` of a robot-message callback (not pushed).

        ``body`` is merged at top level: ``{"text": {...}}`` for text, ``{"content": {...}}``
        for picture/audio/file/richText - the shapes of the receive-message doc.
        """
        if conversation_type not in ("1", "2"):
            raise ValueError("conversation_type is '1' (single chat) or '2' (group)")
        sender_id, oto_cid = self._user_ids(user_id)
        if conversation_type == "1":
            cid = conversation_id or oto_cid
        else:
            cid = conversation_id or DEFAULT_GROUP_ID
        webhook, expires_ms = self._new_webhook(conversation_type, cid, user_id)
        data: JSON = {
            "conversationId": cid,
            "chatbotCorpId": self.corp_id,
            "chatbotUserId": self.chatbot_user_id,
            "msgId": f"msg{uuid.uuid4().hex[:20]}==",
            "senderNick": nick or f"用户{user_id}",
            "isAdmin": is_admin,
            "senderStaffId": user_id,
            "sessionWebhookExpiredTime": expires_ms,
            "createAt": _now_ms(),
            "senderCorpId": self.corp_id,
            "conversationType": conversation_type,
            "senderId": sender_id,
            "sessionWebhook": webhook,
            "robotCode": self.robot_code,
            "msgtype": msgtype,
        }
        if conversation_type == "2":
            data["conversationTitle"] = conversation_title or "测试群"
            data["isInAtList"] = at_bot
            data["atUsers"] = [{"dingtalkId": self.chatbot_user_id}] if at_bot else []
        data.update(copy.deepcopy(body))
        return data

    def _register_file(self, content: bytes, mime: str) -> str:
        code = f"dc{uuid.uuid4().hex}"
        with self._lock:
            self._files[code] = (content, mime)
        return code

    # ------------------------------------------------------------------ pushing

    def push_message(self, data: JSON) -> Delivery:
        """Push a raw robot-message ``data`` dict. Group messages that do not @ the robot are
        recorded as ``not_forwarded``: DingTalk only hands @-mentions in groups to robots."""
        forwarded = data.get("conversationType") != "2" or bool(data.get("isInAtList"))
        return self._push("CALLBACK", TOPIC_ROBOT_MESSAGE, data, forwarded=forwarded)

    def push_text(
        self,
        user_id: str,
        text: str,
        conversation_type: Literal["1", "2"] = "1",
        conversation_id: str | None = None,
        *,
        at_bot: bool = True,
        nick: str | None = None,
        conversation_title: str | None = None,
        is_admin: bool = False,
    ) -> Delivery:
        """A user's text to the robot. In groups the @mention is cut out of the content,
        leaving a leading space, as in the protocol doc's example (``" 测试数据"``)."""
        content = f" {text}" if conversation_type == "2" and at_bot else text
        data = self.make_message(user_id, "text", {"text": {"content": content}},
                                 conversation_type, conversation_id, at_bot=at_bot, nick=nick,
                                 conversation_title=conversation_title, is_admin=is_admin)
        return self.push_message(data)

    def push_picture(
        self,
        user_id: str,
        content: bytes = b"\x89PNG\r\n\x1a\nfake",
        conversation_type: Literal["1", "2"] = "1",
        conversation_id: str | None = None,
        *,
        at_bot: bool = True,
        nick: str | None = None,
        mime: str = "image/png",
    ) -> Delivery:
        """A picture; its bytes are served via messageFiles/download + the returned URL."""
        code = self._register_file(content, mime)
        body = {"content": {"downloadCode": code, "pictureDownloadCode": code}}
        data = self.make_message(user_id, "picture", body, conversation_type, conversation_id,
                                 at_bot=at_bot, nick=nick)
        return self.push_message(data)

    def push_rich_text(
        self,
        user_id: str,
        parts: list[str | bytes],
        conversation_type: Literal["1", "2"] = "1",
        conversation_id: str | None = None,
        *,
        at_bot: bool = True,
        nick: str | None = None,
    ) -> Delivery:
        """Text mixed with pictures (how a group @-mention with an image arrives): each
        ``str`` is a text item, each ``bytes`` a picture item with a download code."""
        items: list[JSON] = []
        for part in parts:
            if isinstance(part, bytes):
                code = self._register_file(part, "image/png")
                items.append({"type": "picture", "downloadCode": code, "pictureDownloadCode": code})
            else:
                items.append({"text": part})
        data = self.make_message(user_id, "richText", {"content": {"richText": items}},
                                 conversation_type, conversation_id, at_bot=at_bot, nick=nick)
        return self.push_message(data)

    def push_audio(
        self,
        user_id: str,
        recognition: str = "",
        duration_ms: int = 3000,
        content: bytes = b"#!AMR\nfake",
        *,
        nick: str | None = None,
    ) -> Delivery:
        """A voice message with DingTalk's speech recognition text. Single chat only: the
        docs say users cannot send voice, video or files to a robot in a group."""
        code = self._register_file(content, "audio/amr")
        body = {"content": {"duration": duration_ms, "downloadCode": code, "recognition": recognition}}
        return self.push_message(self.make_message(user_id, "audio", body, "1", nick=nick))

    def push_file(
        self,
        user_id: str,
        file_name: str,
        content: bytes = b"fake file",
        *,
        nick: str | None = None,
    ) -> Delivery:
        """A file message (single chat only, see :meth:`push_audio`)."""
        code = self._register_file(content, "application/octet-stream")
        body = {"content": {"downloadCode": code, "fileName": file_name,
                            "spaceId": str(int(_digest("space", user_id, n=8), 16)),
                            "fileId": str(int(_digest("file", code, n=9), 16))}}
        return self.push_message(self.make_message(user_id, "file", body, "1", nick=nick))

    def push_card_action(
        self,
        user_id: str,
        out_track_id: str,
        params: JSON | None = None,
        *,
        action_ids: list[str] | None = None,
        space_type: str | None = None,
        space_id: str | None = None,
        extension: JSON | None = None,
    ) -> Delivery:
        """A user pressing a button / submitting a form on card ``out_track_id``.

        ``data.content`` is the JSON string ``{"cardPrivateData": {"actionIds", "params"}}``
        that the SDK's ``CardCallbackMessage`` and the official card examples read. The
        space defaults to where the card was delivered (``IM_ROBOT`` single chat if unknown).
        """
        with self._lock:
            card = self._cards.get(out_track_id)
            delivered = card.deliveries[-1] if card and card.deliveries else None
        if space_type is None:
            space_type = delivered["spaceType"] if delivered else "IM_ROBOT"
        if space_id is None:
            space_id = delivered["spaceId"] if delivered else user_id
        data = {
            "extension": json.dumps(extension or {}),
            "corpId": self.corp_id,
            "spaceType": space_type,
            "userIdType": 1,
            "type": "actionCallback",
            "userId": user_id,
            "content": json.dumps({"cardPrivateData": {"actionIds": list(action_ids or []),
                                                       "params": dict(params or {})}},
                                  ensure_ascii=False),
            "spaceId": space_id,
            "outTrackId": out_track_id,
        }
        return self._push("CALLBACK", TOPIC_CARD_CALLBACK, data)

    def push_event(self, event_type: str, data: JSON) -> Delivery:
        """An event subscription push (``type: EVENT``), e.g. ``user_add_org``."""
        headers = {
            "eventType": event_type,
            "eventId": uuid.uuid4().hex,
            "eventCorpId": self.corp_id,
            "eventBornTime": str(_now_ms()),
            "eventUnifiedAppId": self.app_id,
        }
        return self._push("EVENT", "*", data, extra_headers=headers)

    def _push(
        self,
        frame_type: Literal["CALLBACK", "EVENT"],
        topic: str,
        data: JSON,
        *,
        forwarded: bool = True,
        extra_headers: JSON | None = None,
    ) -> Delivery:
        message_id = f"{uuid.uuid4().hex[:8]}_{next(self._seq)}_{_now_ms():x}_{uuid.uuid4().hex[:5]}"
        redeliverable = self.redeliver == "all" or (self.redeliver == "events" and frame_type == "EVENT")
        headers = {"contentType": "application/json", "messageId": message_id, "topic": topic,
                   **(extra_headers or {})}
        delivery = Delivery(message_id=message_id, type=frame_type, topic=topic,
                            data=copy.deepcopy(data), headers=headers,
                            redeliverable=redeliverable,
                            state="queued" if forwarded else "not_forwarded")
        with self._lock:
            self._deliveries[message_id] = delivery
            snapshot = copy.deepcopy(delivery)
        if forwarded:
            self._kick()
        return snapshot

    # ------------------------------------------------------------------ system frames

    def send_ping(self, connection_id: int | None = None) -> PingRecord:
        """Send a SYSTEM ``ping`` now (to the newest open connection by default)."""
        conn = self._pick_conn(connection_id)
        record = PingRecord(message_id=f"ping_{uuid.uuid4().hex[:12]}", opaque=str(uuid.uuid4()),
                            connection_id=conn.info.id, sent_at=time.monotonic())
        with self._lock:
            self._pings[record.message_id] = record
        self._on_loop(lambda: self._send_ping(conn, record))
        return copy.deepcopy(record)

    async def _send_ping(self, conn: _Conn, record: PingRecord) -> None:
        frame = {
            "specVersion": "1.0",
            "type": "SYSTEM",
            "headers": {"contentType": "application/json", "messageId": record.message_id,
                        "time": str(_now_ms()), "topic": "ping"},
            "data": json.dumps({"opaque": record.opaque}),
        }
        with suppress(Exception):
            await conn.ws.send_str(json.dumps(frame))

    def send_disconnect(self, reason: str = "connection is expired",
                        connection_id: int | None = None) -> int:
        """Send SYSTEM ``disconnect``; close the socket ``disconnect_grace`` s later unless the
        client did. Returns the connection id."""
        conn = self._pick_conn(connection_id)

        async def go() -> None:
            frame = {
                "specVersion": "1.0",
                "type": "SYSTEM",
                "headers": {"contentType": "application/json",
                            "messageId": f"disconnect_{uuid.uuid4().hex[:12]}",
                            "time": str(_now_ms()), "topic": "disconnect"},
                "data": json.dumps({"reason": reason}),
            }
            with suppress(Exception):
                await conn.ws.send_str(json.dumps(frame))
            await asyncio.sleep(self.disconnect_grace)
            if not conn.ws.closed:
                await self._close(conn, 1000, b"disconnect")

        self._on_loop(go)
        return conn.info.id

    def drop_connection(self, connection_id: int | None = None, *, abrupt: bool = False,
                        code: int = 1000) -> list[int]:
        """Kill stream connections (all open ones by default); returns their ids.

        ``abrupt=False`` closes with a close frame (``code``; 1000 makes the SDK reconnect at
        once). ``abrupt=True`` resets the TCP connection like a network failure; the SDK
        then sees ``ConnectionClosedError`` and waits 10 s before it reconnects.
        """
        with self._lock:
            conns = [c for c in self._conns.values()
                     if connection_id is None or c.info.id == connection_id]

        async def go() -> None:
            for conn in conns:
                if abrupt:
                    self._abort_transport(conn.request)
                    await asyncio.sleep(0)
                    self._mark_closed(conn, 1006, "server")
                else:
                    await self._close(conn, code, b"dropped by test")

        self._on_loop(go)
        return [c.info.id for c in conns]

    async def _close(self, conn: _Conn, code: int, message: bytes) -> None:
        self._mark_closed(conn, code, "server")
        with suppress(Exception):
            await conn.ws.close(code=code, message=message)

    @staticmethod
    def _abort_transport(request: web.Request) -> None:
        transport = request.transport
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    def _pick_conn(self, connection_id: int | None) -> _Conn:
        with self._lock:
            if connection_id is not None:
                conn = self._conns.get(connection_id)
            else:
                conn = max(self._conns.values(), key=lambda c: c.info.id, default=None)
        if conn is None:
            raise RuntimeError("no open stream connection")
        return conn

    # ------------------------------------------------------------------ dispatch

    async def _dispatch(self) -> None:
        """Send every queued frame to the newest open connection subscribed to its topic."""
        assert self._dispatch_lock is not None
        async with self._dispatch_lock:
            with self._lock:
                queued = [d for d in self._deliveries.values() if d.state == "queued"]
            for delivery in queued:
                with self._lock:
                    targets = [c for c in self._conns.values()
                               if not c.ws.closed and c.info.subscribed(delivery.type, delivery.topic)]
                if not targets:
                    continue
                conn = max(targets, key=lambda c: c.info.id)
                frame = {
                    "specVersion": "1.0",
                    "type": delivery.type,
                    "headers": {"appId": self.app_id, "connectionId": self._conn_uid(conn.info.id),
                                **delivery.headers, "time": str(_now_ms())},
                    "data": json.dumps(delivery.data, ensure_ascii=False),
                }
                try:
                    await conn.ws.send_str(json.dumps(frame, ensure_ascii=False))
                except Exception:  # noqa: BLE001 - closing socket: stays queued
                    continue
                with self._lock:
                    delivery.attempts.append((conn.info.id, time.monotonic()))
                    if delivery.state == "queued":
                        delivery.state = "sent"
                    attempt = len(delivery.attempts)
                if delivery.redeliverable:
                    assert self._loop is not None
                    self._loop.call_later(self.ack_timeout, self._ack_timeout,
                                          delivery.message_id, attempt)

    def _conn_uid(self, conn_id: int) -> str:
        return str(uuid.UUID(_digest("conn", self.client_id, str(conn_id), n=32)))

    def _ack_timeout(self, message_id: str, attempt: int) -> None:
        with self._lock:
            delivery = self._deliveries.get(message_id)
            if delivery is None or delivery.state != "sent" or len(delivery.attempts) != attempt:
                return
            delivery.state = "queued" if attempt < self.max_attempts else "dropped"
        self._kick()

    def _on_client_frame(self, conn: _Conn, raw: str) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = {"unparsable": raw}
        if isinstance(frame, dict) and "data" in frame:
            frame["data"] = _loads_maybe(frame["data"])
        with self._lock:
            self._client_frames.append({"connection_id": conn.info.id, "frame": frame,
                                        "time": time.monotonic()})
        if not isinstance(frame, dict) or "code" not in frame:
            return
        message_id = (frame.get("headers") or {}).get("messageId")
        with self._lock:
            ping = self._pings.get(message_id)
            if ping is not None:
                ping.reply, ping.replied_at = frame, time.monotonic()
                return
            delivery = self._deliveries.get(message_id)
            if delivery is None:
                return
            delivery.ack = frame
            data = frame.get("data")
            later = isinstance(data, dict) and data.get("status") == "LATER"
            if frame.get("code") == 200 and not later:
                delivery.state = "acked"
                delivery.acked_at = time.monotonic()
            if delivery.topic == TOPIC_CARD_CALLBACK and frame.get("code") == 200:
                self._apply_card_response(delivery, data)

    def _apply_card_response(self, delivery: Delivery, data: Any) -> None:
        """A card callback's ACK may carry new card data (official card examples do)."""
        response = data.get("response") if isinstance(data, dict) else None
        card = self._cards.get(delivery.data.get("outTrackId", ""))
        if not isinstance(response, dict) or card is None:
            return
        card.updates.append({"via": "callback", **copy.deepcopy(response)})
        new = (response.get("cardData") or {}).get("cardParamMap")
        if isinstance(new, dict):
            by_key = (response.get("cardUpdateOptions") or {}).get("updateCardDataByKey", False)
            card.card_data = {**card.card_data, **new} if by_key else dict(new)

    # ------------------------------------------------------------------ WebSocket

    async def _h_connect(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        ticket = request.query.get("ticket", "")
        with self._lock:
            meta = self._tickets.get(ticket)
            problem = None
            if meta is None:
                problem = "unknown ticket"
            elif meta["used"]:
                problem = "ticket already used"
            elif arrived > meta["expires"]:
                problem = "ticket expired"
            else:
                meta["used"] = True
        if problem is not None:
            body = {"code": "invalidTicket", "message": problem}  # ASSUMED shape
            self._record(request, P_CONNECT, None, 401, body, None, arrived)
            return web.json_response(body, status=401)
        assert meta is not None
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        info = ConnectionInfo(id=next(self._conn_ids), ticket=ticket,
                              subscriptions=meta["subscriptions"], ua=meta.get("ua"),
                              local_ip=meta.get("localIp"), opened_at=time.monotonic())
        conn = _Conn(info, ws, request)
        with self._lock:
            self._conns[info.id] = conn
            self._conn_infos.append(info)
        self._record(request, P_CONNECT, None, 101, {"connection_id": info.id}, None, arrived)
        if self.ping_interval:
            conn.ping_task = asyncio.get_running_loop().create_task(self._ping_loop(conn))
        self._kick()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_client_frame(conn, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            if conn.ping_task is not None:
                conn.ping_task.cancel()
            self._mark_closed(conn, ws.close_code, "client")
        return ws

    def _mark_closed(self, conn: _Conn, code: int | None, by: str) -> None:
        """Forget a connection; its unacknowledged redeliverable frames are queued again."""
        with self._lock:
            if conn.info.closed_at is not None:
                return
            conn.info.closed_at = time.monotonic()
            conn.info.close_code = code
            conn.info.closed_by = by
            self._conns.pop(conn.info.id, None)
            for delivery in self._deliveries.values():
                if (delivery.state == "sent" and delivery.redeliverable
                        and delivery.attempts and delivery.attempts[-1][0] == conn.info.id):
                    delivery.state = "queued"
        self._kick()

    async def _ping_loop(self, conn: _Conn) -> None:
        assert self.ping_interval
        while not conn.ws.closed:
            await asyncio.sleep(self.ping_interval)
            if conn.ws.closed:
                return
            record = PingRecord(message_id=f"ping_{uuid.uuid4().hex[:12]}",
                                opaque=str(uuid.uuid4()), connection_id=conn.info.id,
                                sent_at=time.monotonic())
            with self._lock:
                self._pings[record.message_id] = record
            await self._send_ping(conn, record)

    # ------------------------------------------------------------------ HTTP plumbing

    def _api(self, path: str, handler: Callable[[web.Request, Any], Any], *, token: bool = False
             ) -> Callable[[web.Request], Any]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            arrived = time.monotonic()
            body: Any = None
            fault: str | None = None
            try:
                raw = await request.read()
                body = _loads_maybe(raw.decode("utf-8")) if raw else None
                taken = self._take_fault(path)
                if taken is not None:
                    fault = taken.kind
                    await self._apply_fault(taken, path)
                if token:
                    self._check_token(request)
                status, response = 200, await handler(request, body)
            except _ApiError as exc:
                status, response = exc.status, exc.body
            except _Reset:
                self._record(request, path, body, 0, None, fault, arrived)
                self._abort_transport(request)
                # nothing may be written to the reset socket; aiohttp treats a cancelled
                # handler as a vanished client and stays quiet
                raise asyncio.CancelledError() from None
            self._record(request, path, body, status, response, fault, arrived)
            return web.json_response(response, status=status,
                                     dumps=lambda o: json.dumps(o, ensure_ascii=False))

        return wrapped

    def _record(self, request: web.Request, path: str, body: Any, status: int, response: Any,
                fault: str | None, arrived: float) -> None:
        with self._lock:
            self._calls.append(Call(
                seq=len(self._calls), path=path, http_method=request.method,
                query=dict(request.query), headers=dict(request.headers), body=body,
                status=status, response=response, fault=fault, time=arrived))

    def _take_fault(self, path: str) -> _Fault | None:
        """Consume one injected fault matching ``path`` (oldest first)."""
        with self._lock:
            fault = next((f for f in self._faults if f.paths is None or path in f.paths), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            return fault

    async def _apply_fault(self, fault: _Fault, path: str) -> None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return
        if fault.kind == "reset":
            raise _Reset()
        webhook = path == P_WEBHOOK
        if fault.kind == "throttle":
            if webhook:
                raise _ApiError(200, {"errcode": WEBHOOK_TOO_FAST[0], "errmsg": WEBHOOK_TOO_FAST[1]})
            raise _api_error(403, QPS_LIMIT_CODE, "调用频率超过限制 (fake: injected QPS limit)")
        if webhook:  # ASSUMED: -1 is DingTalk's "system busy" errcode on oapi hosts
            raise _ApiError(500, {"errcode": -1, "errmsg": "系统繁忙 (fake: injected)"})
        raise _api_error(500, "InternalError", "fake: injected server error")

    def _check_token(self, request: web.Request) -> None:
        token = request.headers.get("x-acs-dingtalk-access-token", "")
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None or time.monotonic() >= expires:
            raise _api_error(400, "InvalidAuthentication", "不合法的access_token")

    @staticmethod
    def _require_dict(body: Any) -> JSON:
        if not isinstance(body, dict):
            raise _api_error(400, "MissingParameter", "body must be a JSON object")
        return body

    # ------------------------------------------------------------------ token / open

    async def _h_token(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        if body.get("appKey") != self.client_id or body.get("appSecret") != self.client_secret:
            raise _api_error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        token = uuid.uuid4().hex
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
        return {"accessToken": token, "expireIn": int(self.token_ttl)}

    async def _h_open(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            raise _api_error(401, "authFailed", "鉴权失败")
        subs = body.get("subscriptions")
        if (not isinstance(subs, list) or not subs
                or not all(isinstance(s, dict) and s.get("type") and s.get("topic") for s in subs)):
            raise _api_error(400, "invalidParameter", "subscriptions is required")  # ASSUMED
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets[ticket] = {"expires": time.monotonic() + self.ticket_ttl, "used": False,
                                     "subscriptions": copy.deepcopy(subs), "ua": body.get("ua"),
                                     "localIp": body.get("localIp")}
        return {"endpoint": self.ws_endpoint, "ticket": ticket}

    # ------------------------------------------------------------------ sending

    def _msg_param(self, body: JSON, limit: int | None = None) -> tuple[str, JSON]:
        key = body.get("msgKey")
        if key not in MSG_KEYS:
            raise _api_error(400, "invalidParameter.msgKey", f"unknown msgKey {key!r}")
        raw = body.get("msgParam")
        if not isinstance(raw, str):
            raise _api_error(400, "invalidParameter.msgParam", "msgParam must be a JSON string")
        if limit is not None and len(raw.encode("utf-8")) > limit:
            raise _api_error(400, "invalidParameter.msgParam", f"msgParam over {limit} bytes")
        try:
            param = json.loads(raw)
        except ValueError:
            raise _api_error(400, "invalidParameter.msgParam", "msgParam is not JSON") from None
        missing = [f for f in MSG_KEYS[key] if not isinstance(param, dict) or f not in param]
        if missing:
            raise _api_error(400, "invalidParameter.msgParam", f"msgParam lacks {missing}")
        return key, param

    def _check_robot(self, body: JSON) -> None:
        if body.get("robotCode") != self.robot_code:
            raise _api_error(400, "invalidParameter.robotCode", "robotCode is not this app's robot")

    def _store(self, via: Any, target: Any, target_id: str, msg_type: str, content: JSON,
               raw: JSON) -> None:
        with self._lock:
            self._sent.append(SentMessage(seq=len(self._sent), via=via, target=target,
                                          target_id=target_id, msg_type=msg_type,
                                          content=copy.deepcopy(content), raw=copy.deepcopy(raw),
                                          time=time.monotonic()))

    def _account_group(self, conversation_id: str) -> bool:
        """Count one robot message to a group; False (and a violation) when over the limit."""
        if self.group_limit is None:
            return True
        now = time.monotonic()
        with self._lock:
            until = self._group_throttled.get(conversation_id)
            if until is not None and now < until:
                return False
            sends = self._group_sends.setdefault(conversation_id, deque())
            while sends and sends[0] <= now - self.group_window:
                sends.popleft()
            if len(sends) >= self.group_limit:
                until = now + self.group_throttle
                self._group_throttled[conversation_id] = until
                self.rate_violations.append(RateViolation(
                    conversation_id=conversation_id, count=len(sends) + 1, limit=self.group_limit,
                    window=self.group_window, time=now, until=until))
                return False
            sends.append(now)
            return True

    async def _h_batch(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        self._check_robot(body)
        users = body.get("userIds")
        if not isinstance(users, list) or not users or not all(isinstance(u, str) for u in users):
            raise _api_error(400, "invalidParameter.userIds", "userIds is required")
        if len(users) > 20:
            raise _api_error(400, "invalidParameter.userIds", "at most 20 userIds")
        key, param = self._msg_param(body)
        with self._lock:
            invalid = [u for u in users if self.known_users is not None and u not in self.known_users]
            limited = [u for u in users if u not in invalid and u in self._flow_controlled]
        for user in users:
            if user not in invalid and user not in limited:
                self._store("batchSend", "user", user, key, param, body)
        return {"processQueryKey": uuid.uuid4().hex, "invalidStaffIdList": invalid,
                "flowControlledStaffIdList": limited}

    async def _h_group(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        self._check_robot(body)
        cid = body.get("openConversationId")
        if not isinstance(cid, str) or not cid:
            raise _api_error(400, "invalidParameter.openConversationId", "openConversationId is required")
        key, param = self._msg_param(body, limit=15000)
        if not self._account_group(cid):
            raise _api_error(403, GROUP_LIMIT_CODE,
                             "群机器人发送消息超过每分钟20条的限制，已被限流 (fake, ASSUMED body)")
        self._store("groupMessages/send", "group", cid, key, param, body)
        return {"processQueryKey": uuid.uuid4().hex}

    async def _h_webhook(self, request: web.Request, body: Any) -> JSON:
        session = request.query.get("session", "")
        with self._lock:
            hook = copy.deepcopy(self._webhooks.get(session))
        if hook is None or _now_ms() >= hook["expires_ms"]:
            return {"errcode": WEBHOOK_EXPIRED[0], "errmsg": WEBHOOK_EXPIRED[1]}
        if not isinstance(body, dict) or body.get("msgtype") not in WEBHOOK_MSGTYPES:
            return {"errcode": 40035, "errmsg": "缺少参数 msgtype"}  # ASSUMED errcode
        msgtype = body["msgtype"]
        content = body.get(msgtype)
        if not isinstance(content, dict):
            return {"errcode": 40035, "errmsg": f"缺少参数 {msgtype}"}
        group = hook["conversation_type"] == "2"
        target_id = hook["conversation_id"] if group else hook["user_id"]
        if group and not self._account_group(target_id):
            return {"errcode": WEBHOOK_TOO_FAST[0], "errmsg": WEBHOOK_TOO_FAST[1]}
        self._store("sessionWebhook", "group" if group else "user", target_id, msgtype, content, body)
        return {"errcode": 0, "errmsg": "ok"}

    # ------------------------------------------------------------------ files

    async def _h_download(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        self._check_robot(body)
        code = body.get("downloadCode")
        with self._lock:
            known = code in self._files
        if not known:
            raise _api_error(400, "invalidParameter.downloadCode", "downloadCode is invalid")
        return {"downloadUrl": f"{self.url}/files/{code}"}

    async def _h_file(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            item = self._files.get(request.match_info["code"])
        if item is None:
            return web.Response(status=404)
        return web.Response(body=item[0], content_type=item[1])

    # ------------------------------------------------------------------ cards

    @staticmethod
    def _space(open_space_id: str) -> JSON:
        """``dtv1.card//IM_GROUP.cid...`` -> {"spaceType": "IM_GROUP", "spaceId": "cid..."}."""
        rest = open_space_id.split("//", 1)[-1]
        space_type, _, space_id = rest.partition(".")
        if not space_type or not space_id:
            raise _api_error(400, "invalidParameter.openSpaceId", "bad openSpaceId")
        return {"spaceType": space_type, "spaceId": space_id}

    def _create_card(self, body: JSON) -> Card:
        track = body.get("outTrackId")
        if not isinstance(track, str) or not track:
            raise _api_error(400, "invalidParameter.outTrackId", "outTrackId is required")
        data = (body.get("cardData") or {}).get("cardParamMap") or {}
        card = Card(out_track_id=track, template_id=body.get("cardTemplateId"),
                    card_data=dict(data), callback_type=body.get("callbackType"))
        with self._lock:
            self._cards[track] = card
        return card

    def _deliver_card(self, body: JSON) -> list[JSON]:
        with self._lock:
            card = self._cards.get(body.get("outTrackId", ""))
        if card is None:
            raise _api_error(400, "invalidParameter.outTrackId", "card instance not found")
        results = []
        for open_space_id in str(body.get("openSpaceId", "")).split(";"):
            space = self._space(open_space_id)
            with self._lock:
                card.deliveries.append({**space, "body": copy.deepcopy(body)})
            results.append({**space, "success": True, "carrierId": uuid.uuid4().hex})
        return results

    async def _h_card_create(self, request: web.Request, body: Any) -> JSON:
        card = self._create_card(self._require_dict(body))
        return {"success": True, "result": card.out_track_id}

    async def _h_card_deliver(self, request: web.Request, body: Any) -> JSON:
        return {"success": True, "result": self._deliver_card(self._require_dict(body))}

    async def _h_card_create_deliver(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        card = self._create_card(body)
        return {"success": True,
                "result": {"outTrackId": card.out_track_id, "deliverResults": self._deliver_card(body)}}

    async def _h_card_update(self, request: web.Request, body: Any) -> JSON:
        body = self._require_dict(body)
        with self._lock:
            card = self._cards.get(body.get("outTrackId", ""))
            if card is None:
                raise _api_error(400, "invalidParameter.outTrackId", "card instance not found")
            card.updates.append({"via": "api", **copy.deepcopy(body)})
            new = (body.get("cardData") or {}).get("cardParamMap")
            if isinstance(new, dict):
                by_key = (body.get("cardUpdateOptions") or {}).get("updateCardDataByKey", False)
                card.card_data = {**card.card_data, **new} if by_key else dict(new)
        return {"success": True, "result": True}

    # ------------------------------------------------------------------ fault injection

    def fail_next(self, n: int = 1, kind: FaultKind = "throttle", *, endpoint: str = "send",
                  delay: float = 1.0) -> None:
        """Make the next ``n`` matching HTTP requests fail.

        kinds: ``throttle`` (OpenAPI: HTTP 403 ``Forbidden.AccessDenied.QpsLimitForAppkeyAndApi``;
        session webhook: errcode 130101), ``5xx`` (HTTP 500), ``reset`` (TCP connection reset,
        no answer), ``slow`` (answer normally after ``delay`` seconds).
        ``endpoint``: ``send`` (batchSend, groupMessages/send, session webhooks), ``token``,
        ``open``, ``download``, ``card``, ``any``, or a path such as ``P_GROUP``.
        Earlier injections are consumed first.
        """
        if kind not in ("throttle", "5xx", "reset", "slow"):
            raise ValueError(f"unknown fault kind {kind!r}")
        paths = None if endpoint == "any" else ENDPOINT_GROUPS.get(endpoint, frozenset({endpoint}))
        with self._lock:
            self._faults.append(_Fault(kind=kind, paths=paths, remaining=n, delay=delay))

    def flow_control(self, user_id: str, on: bool = True) -> None:
        """batchSend lists ``user_id`` in ``flowControlledStaffIdList`` (per-user throttling)."""
        with self._lock:
            (self._flow_controlled.add if on else self._flow_controlled.discard)(user_id)

    def expire_tokens(self) -> None:
        """Invalidate every issued access token now (the SDK keeps using its cached one)."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def expire_session_webhooks(self) -> None:
        with self._lock:
            for hook in self._webhooks.values():
                hook["expires_ms"] = 0

    # ------------------------------------------------------------------ inspection

    def calls(self, path: str | None = None) -> list[Call]:
        """Recorded requests in arrival order; ``path`` matches the end of the path."""
        with self._lock:
            calls = list(self._calls)
        return [c for c in calls if path is None or c.path.endswith(path)]

    def mark(self) -> int:
        """Number of recorded calls; pass as ``since=`` to wait for newer ones."""
        with self._lock:
            return len(self._calls)

    def token_requests(self) -> int:
        return len(self.calls(P_TOKEN))

    def sent_messages(self, target: str | None = None, *, via: str | None = None) -> list[SentMessage]:
        """Messages delivered to ``target`` (a staff userId or a conversation id)."""
        with self._lock:
            sent = copy.deepcopy(self._sent)
        return [m for m in sent if (target is None or m.target_id == target)
                and (via is None or m.via == via)]

    def deliveries(self, topic: str | None = None) -> list[Delivery]:
        with self._lock:
            return [copy.deepcopy(d) for d in self._deliveries.values()
                    if topic is None or d.topic == topic]

    def delivery(self, message_id: str) -> Delivery:
        with self._lock:
            return copy.deepcopy(self._deliveries[message_id])

    def connections(self) -> list[ConnectionInfo]:
        """Every stream connection ever opened, oldest first."""
        with self._lock:
            return copy.deepcopy(self._conn_infos)

    def open_connections(self) -> list[ConnectionInfo]:
        return [c for c in self.connections() if c.open]

    def pings(self) -> list[PingRecord]:
        with self._lock:
            return [copy.deepcopy(p) for p in self._pings.values()]

    def client_frames(self) -> list[JSON]:
        """Every frame the client sent over the stream (``data`` decoded)."""
        with self._lock:
            return copy.deepcopy(self._client_frames)

    def card(self, out_track_id: str) -> Card | None:
        with self._lock:
            card = self._cards.get(out_track_id)
            return copy.deepcopy(card) if card else None

    def throttled_until(self, conversation_id: str) -> float | None:
        """time.monotonic() until which the group is throttled, or None."""
        with self._lock:
            until = self._group_throttled.get(conversation_id)
        return until if until is not None and until > time.monotonic() else None

    # ------------------------------------------------------------------ waiting

    def _find(self, match: str | Callable[[Call], bool], since: int) -> Call | None:
        with self._lock:
            candidates = self._calls[since:]
        for call in candidates:
            if (call.path.endswith(match) if isinstance(match, str) else match(call)):
                return call
        return None

    async def wait_until(self, predicate: Callable[[], T], timeout: float = 5.0,
                         what: str = "condition") -> T:
        """Poll ``predicate`` until it returns something truthy; return that."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what} not met within {timeout}s")
            await asyncio.sleep(0.005)

    def wait_until_sync(self, predicate: Callable[[], T], timeout: float = 5.0,
                        what: str = "condition") -> T:
        """Blocking :meth:`wait_until` (for sync tests; the fake must run in its thread)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what} not met within {timeout}s")
            time.sleep(0.005)

    async def wait_for(self, match: str | Callable[[Call], bool], timeout: float = 5.0, *,
                       since: int = 0) -> Call:
        """Wait for a recorded call (path suffix or predicate) at index >= ``since``."""
        return await self.wait_until(lambda: self._find(match, since), timeout, f"call {match!r}")

    def wait_for_sync(self, match: str | Callable[[Call], bool], timeout: float = 5.0, *,
                      since: int = 0) -> Call:
        return self.wait_until_sync(lambda: self._find(match, since), timeout, f"call {match!r}")

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> ConnectionInfo:
        """Wait until ``count`` connections were ever opened and the newest is open."""
        def check() -> ConnectionInfo | None:
            conns = self.connections()
            return conns[-1] if len(conns) >= count and conns[-1].open else None
        return await self.wait_until(check, timeout, f"{count} stream connection(s)")

    async def wait_acked(self, delivery: Delivery | str, timeout: float = 5.0) -> Delivery:
        """Wait for a code-200 ACK of a pushed frame; return its updated record."""
        message_id = delivery if isinstance(delivery, str) else delivery.message_id

        def acked() -> Delivery | None:
            current = self.delivery(message_id)
            return current if current.state == "acked" else None

        return await self.wait_until(acked, timeout, f"ACK of {message_id}")
