"""The whole bot on the DingTalk channel, in-process, against the fake gateway.

The fake serves from its own thread (`with FakeDingTalk() as fake`); the bot's runtime
(receiver, inbox dispatcher, sender) runs on the test's event loop, as `bot.py run`
would, with a manual clock so reminders fall due when a test says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from channels.dingtalk import DingTalkChannel
from core.app import BotCore
from core.runtime import Runtime
from services.clock import ManualClock
from services.config import Settings
from services.demo import load_demo
from tests.conformance.sides import shown
from tests.fakes.dingtalk import FakeDingTalk

APP_ID, APP_SECRET = "dingtestapp0001", "test-secret"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def dingtalk_settings(db_url: str, fake: FakeDingTalk, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url, "bot_token": None, "dingtalk_client_id": APP_ID,
        "dingtalk_client_secret": APP_SECRET, "dingtalk_api_url": fake.url,
        "web_enabled": False, "reminders_seed_defaults": False, "tick_seconds": 3600,
        "worker_name": "dingtalk-test"}
    return Settings(**{**values, **extra})


@dataclass
class Bot:
    core: BotCore
    channel: DingTalkChannel
    runtime: Runtime
    clock: ManualClock
    fake: FakeDingTalk

    def said(self, target: str) -> list[tuple[str, dict[str, str]]]:
        """What a person (staffId) or a group (its conversation id) was sent, as shown."""
        return [shown(m.content) for m in self.fake.sent_messages(target)]

    async def wait_said(self, target: str, words: str, timeout: float = 8.0) -> tuple[str, dict[str, str]]:
        """The first message to `target` containing `words` (waits for it)."""
        def find() -> tuple[str, dict[str, str]] | None:
            return next((m for m in self.said(target) if words in m[0]), None)

        return await self.fake.wait_until(find, timeout=timeout)

    async def tick(self, when: datetime) -> None:
        self.clock.set(when)
        await self.runtime.tick()


@asynccontextmanager
async def dingtalk_bot(db_url: str, fake: FakeDingTalk, *, demo: bool = True,
                       at: datetime = MONDAY_9, **extra: Any) -> AsyncIterator[Bot]:
    settings = dingtalk_settings(db_url, fake, **extra)
    clock = ManualClock(at)
    core = BotCore.create(settings, clock)
    if demo:
        with core.db.session() as s:
            load_demo(s, clock.now(), platform="dingtalk")
    channel = DingTalkChannel(settings, core.registry)
    runtime = Runtime(core, [channel])
    await runtime.start()
    try:
        await fake.wait_connected()
        yield Bot(core, channel, runtime, clock, fake)
    finally:
        await runtime.stop()
        core.db.dispose()
