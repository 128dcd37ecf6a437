"""The platforms as their users see them, for the stream runner."""

from __future__ import annotations

import time
from collections import defaultdict

from tests.conformance.population import Person
from tests.conformance.scenario import Step
from tests.fake_telegram import FakeTelegram

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
        calls = self.fake.calls()
        new, self._calls_seen = calls[self._calls_seen:], len(calls)
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
