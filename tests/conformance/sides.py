"""The platforms as their users see them, for the stream runner."""

from __future__ import annotations

import random
import re
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import unquote

from core.words import name_commands
from tests.conformance.population import Person
from tests.conformance.scenario import Step
from tests.fake_telegram import FakeTelegram
from tests.fakes.dingtalk import P_BATCH, P_GROUP, FakeDingTalk, _Fault

Replies = list[tuple[str, dict[str, str]]]


class TelegramSide:
    """Users on the fake Bot API (which forgets updates once a later offset is confirmed)."""

    platform = "telegram"

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self._seen = 0
        self._by_chat: dict[str, Replies] = defaultdict(list)
        self.push_times: list[tuple[str, float]] = []
        self._calls_seen = 0

    def push(self, person: Person, step: Step, data: str | None) -> str:
        uid = int(person.key)
        self.push_times.append((person.key, time.monotonic()))
        update = self.fake.push_callback(uid, data) if data else self.fake.push_text(uid, step.send)
        return str(update["update_id"])

    def replies(self, person: Person) -> Replies:
        new = self.fake.sent_log(self._seen)
        self._seen += len(new)
        for chat, m in new:
            buttons = {b["text"]: b["callback_data"]
                       for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                       for b in row if "callback_data" in b}
            self._by_chat[str(chat)].append((m.get("text") or m.get("caption") or "", buttons))
        return self._by_chat[person.key]

    def forgotten(self, key: str) -> bool:
        return all(str(u["update_id"]) != key for u in self.fake.pending_updates())

    def events(self) -> set[str]:
        with self.fake._lock:  # noqa: SLF001
            new = self.fake._calls[self._calls_seen:]  # noqa: SLF001
        self._calls_seen += len(new)
        out = set()
        for c in new:
            if c.method == "getUpdates" and c.ok and c.result:
                out.add("received")
            elif c.method == "sendMessage" and c.ok:
                out.add("sent")
        return out

    def delivered_texts(self) -> dict[str, list[str]]:
        """Every chat's delivered texts in order (for the duplicate check)."""
        self.replies(Person("-", "-", None))  # type: ignore[arg-type]
        return {chat: [t for t, _ in rs] for chat, rs in self._by_chat.items()}


class DingTalkSide:
    """Users on the fake DingTalk gateway: they type commands as Chinese words (日志, 请假)
    and press ActionCard buttons, which send the press back as a message."""

    platform = "dingtalk"

    def __init__(self, fake: FakeDingTalk) -> None:
        from core.features import build_registry

        self.fake = fake
        reg = build_registry()
        self.names = {c.name: c.aliases[0] for c in reg.commands.values() if c.aliases}
        self._seen = 0
        self._by_chat: dict[str, Replies] = defaultdict(list)
        self._calls_seen = 0
        self._attempts_seen = 0
        self.push_times: list[tuple[str, float]] = []

    def words(self, text: str) -> str:
        """'/report 走访…' typed the DingTalk way: '日志 走访…'."""
        if not text.startswith("/"):
            return text
        head, sep, rest = text[1:].partition(" ")
        return f"{self.names.get(head, head)}{sep}{rest}"

    def push(self, person: Person, step: Step, data: str | None) -> str:
        self.push_times.append((person.key, time.monotonic()))
        delivery = self.fake.push_text(person.key, data if data else self.words(step.send))
        return str(delivery.data["msgId"])

    def replies(self, person: Person) -> Replies:
        # only what arrived since the last look, without the fake's deep copy of every
        # message: the runner asks for each person every few milliseconds, and copying
        # the whole log under the fake's lock would slow the gateway the bot talks to
        with self.fake._lock:  # noqa: SLF001
            new = self.fake._sent[self._seen:]  # noqa: SLF001 (messages are never changed)
        self._seen += len(new)
        for m in new:
            text, buttons = shown(m.content)
            self._by_chat[m.target_id if m.target == "user" else "g:" + m.target_id].append(
                (text, buttons))
        return self._by_chat[person.key]

    def forgotten(self, key: str) -> bool:
        try:
            return self.fake.delivery(key).state in ("acked", "dropped")
        except KeyError:
            return False

    def events(self) -> set[str]:
        out = set()
        with self.fake._lock:  # noqa: SLF001 (as in replies: no deep copies)
            attempts = sum(len(d.attempts) for d in self.fake._deliveries.values())  # noqa: SLF001
        if attempts > self._attempts_seen:
            out.add("received")
        self._attempts_seen = attempts
        with self.fake._lock:  # noqa: SLF001
            new = self.fake._calls[self._calls_seen:]  # noqa: SLF001
        self._calls_seen += len(new)
        if any(c.ok and c.path.startswith("/v1.0/robot/") for c in new):
            out.add("sent")
        return out

    def delivered_texts(self) -> dict[str, list[str]]:
        self.replies(Person("-", "-", None))  # type: ignore[arg-type]
        return {chat: [t for t, _ in rs] for chat, rs in self._by_chat.items()}

    def render(self, text: str) -> str:
        """An outbox text as DingTalk users see it (commands by their Chinese names)."""
        return name_commands(text, self.names)


_LINK = re.compile(r"\[([^\]]+)\]\((dtmd://[^)]+)\)")


def shown(content: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A sent message as its reader sees it: the text (markdown line breaks undone, link
    lists cut off) and its buttons, label -> what pressing it sends."""
    if "content" in content:
        return str(content["content"]), {}
    body = str(content.get("text") or "")
    buttons: dict[str, str] = {}
    links = [(content.get("singleTitle"), content.get("singleURL"))]
    links += [(content.get(f"actionTitle{i}"), content.get(f"actionURL{i}")) for i in range(1, 6)]
    links += _LINK.findall(body)
    for label, url in links:
        if label and url and url.startswith("dtmd://"):
            buttons[str(label)] = unquote(url.partition("content=")[2])
    cut = body.find("  \n\n" + "请点选：")
    if cut >= 0:
        body = body[:cut]
    lines = [ln[1:] if ln.startswith("\\") else ln for ln in body.split("  \n")]
    return "\n".join(lines), buttons


class FaultyDingTalk(FakeDingTalk):
    """The fake gateway answering a share of robot sends with a fault: throttled (403 QPS
    limit), 500, a reset connection or a slow answer (delivered, only late)."""

    KINDS = ("throttle", "5xx", "reset", "slow")

    def __init__(self, *, rate: float, slow_seconds: float, seed: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.rate, self.slow_seconds = rate, slow_seconds
        self._rng = random.Random(seed)
        self.fault_counts: Counter[str] = Counter()

    def _take_fault(self, path: str) -> _Fault | None:
        taken = super()._take_fault(path)
        if taken is not None or path not in (P_BATCH, P_GROUP) or self._rng.random() >= self.rate:
            return taken
        kind = self._rng.choice(self.KINDS)
        with self._lock:
            self.fault_counts[kind] += 1
        return _Fault(kind=kind, paths=None, remaining=1, delay=self.slow_seconds)
