"""The channel contract: what a chat platform must do, and nothing more.

A channel translates, never decides. It
- receives updates and hands them to the `Sink`, which stores them durably in the
  inbox; only after `accept` returns may the channel tell its platform they arrived
  (advance the polling offset, answer the webhook with 200);
- parses a stored update into an `Incoming` (`parse`), a pure function, because the
  update is parsed again when it is processed, possibly after a restart;
- cuts a `Reply` into platform messages (`parts`, pure and deterministic, so a reply
  interrupted half-way resumes at the next part after a crash or a fault);
- sends one part and says plainly what happened (`send_part` -> `SendResult`).
Everything else — ordering, retries, pacing, grace periods, who is told what — lives in
the core, once for every platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from core.messages import Incoming, Reply

Part = dict[str, Any]  # one platform message, JSON-able; a "text" key holds its text if any


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do, and its own sending limits (the outbox paces by these)."""

    slash_commands: bool = True  # False: commands are shown and typed as Chinese words
    buttons: bool = True
    location: bool = True  # users can share a location (check-in)
    photos: bool = True
    documents: bool = True
    voice: bool = False
    command_menu: bool = False  # a per-user command menu (Telegram setMyCommands)
    deep_links: bool = False  # invite links that carry a registration code
    max_text: int = 4096
    # pacing: messages a second over the whole bot, per private chat (with a short burst
    # allowed), and a minute per group chat
    global_per_second: float = 30.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20


_DECLARED: dict[str, Capabilities] = {}


def declare(platform: str, caps: Capabilities) -> None:
    """A channel module states its capabilities once, at import, so a feature can ask
    what the platform a message came from can do (check-in needs a location) without
    importing any channel."""
    _DECLARED[platform] = caps


def caps_of(platform: str) -> Capabilities:
    """The declared capabilities of a platform; the defaults (Telegram-like) otherwise."""
    return _DECLARED.get(platform) or Capabilities()


@dataclass(frozen=True)
class SendResult:
    """What became of one part.

    sent     delivered (message_id when the platform gives one)
    retry    not delivered, try again: after `retry_after` seconds when the platform said
             so (429), else with backoff (5xx, timeout before sending, connection reset)
    blocked  the person blocked the bot or left: mark them, stop sending there
    skipped  this part can never be delivered (a stored photo the platform forgot) but
             the rest of the reply should still go
    failed   the message itself is refused for good (bad request)
    unknown  it may or may not have arrived (timed out after the request was sent):
             recorded, never repeated, so nobody gets a message twice
    """

    status: Literal["sent", "retry", "blocked", "skipped", "failed", "unknown"]
    retry_after: float | None = None
    message_id: str | None = None
    error: str | None = None  # an error class or platform code, never message text
    skipped: int = 0  # photos inside this part that could not be delivered (albums)


@dataclass(frozen=True)
class Received:
    """One update as the platform sent it, before it is stored."""

    key: str  # unique per platform: Telegram update_id, DingTalk msgId, console line
    lane: str  # updates of one lane (a person) are handled in order
    payload: dict[str, Any]
    chat_id: str | None = None  # where to say 系统有点忙 if it cannot be stored
    callback_id: str | None = None


class StoreFailed(RuntimeError):
    """The inbox could not store the batch: the channel must not confirm it."""


class Sink(Protocol):
    async def accept(self, batch: list[Received]) -> None:
        """Store durably (raises StoreFailed); the platform may be told only after."""

    def waiting(self, batch: list[Received]) -> None:
        """These arrived while storing is stuck (the database is down or locked): tell
        each sender 系统有点忙 once now; the updates themselves are stored later."""


class Channel(Protocol):
    platform: str
    caps: Capabilities

    def parse(self, payload: dict[str, Any]) -> Incoming | None: ...

    def parts(self, reply: Reply) -> list[Part]: ...

    async def send_part(self, chat_id: str, part: Part) -> SendResult: ...

    async def receive(self, sink: Sink) -> None:
        """Run until cancelled, handing every update to the sink before confirming it."""

    def is_group(self, chat_id: str) -> bool: ...

    def invite_link(self, code: str) -> str | None: ...

