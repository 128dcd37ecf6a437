"""A running bot (runtime + a networked channel) inside a test's event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import func, select

from core.app import BotCore
from core.runtime import Runtime
from services.clock import RunningClock
from services.config import Settings
from storage.models import InboxUpdate, OutboxMessage

TELEGRAM_TOKEN = "123456:TEST-TOKEN"


class LiveBot:
    def __init__(self, core: BotCore, runtime: Runtime, channel) -> None:  # type: ignore[no-untyped-def]
        self.core, self.runtime, self.channel = core, runtime, channel

    async def tick(self) -> None:
        """Run the scheduler tick now and wait until what it queued has been delivered."""
        await self.runtime.tick()
        await self.drain()

    async def drain(self, timeout: float = 15.0, horizon: float = 5.0) -> None:
        """Wait until no update is pending and nothing due (within `horizon` seconds:
        retries after a 429) is waiting to be sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.core.clock.now()
            with self.core.db.read() as s:
                waiting = s.scalar(select(func.count()).select_from(InboxUpdate)
                                   .where(InboxUpdate.status == "pending"))
                due = s.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.platform == self.channel.platform,
                    OutboxMessage.status.in_(("pending", "sending")),
                    OutboxMessage.not_before <= now + timedelta(seconds=horizon)))
            if not waiting and not due:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("the bot did not finish its work in time")


def telegram_settings(core: BotCore, base_url: str, **extra: object) -> Settings:
    settings = Settings(database_url=core.settings.database_url, bot_token=TELEGRAM_TOKEN,
                        telegram_base_url=base_url, tick_seconds=3600, _env_file=None,  # type: ignore[call-arg]
                        **extra)
    core.settings = settings
    core.router.settings = settings
    return settings


@asynccontextmanager
async def live_telegram(core: BotCore, base_url: str, library: str = "ptb",
                        **extra: object) -> AsyncIterator[LiveBot]:
    """The core served on Telegram against the fake Bot API, through python-telegram-bot
    or aiogram (`library`, as TELEGRAM_LIBRARY chooses it in a deployment)."""
    from cli.run import telegram_channel

    settings = telegram_settings(core, base_url, telegram_library=library, **extra)
    core.clock = core.router.clock = RunningClock(core.clock.now())
    channel = telegram_channel(settings, core.registry, poll_timeout=1)
    runtime = Runtime(core, [channel])
    await runtime.start()
    await asyncio.wait_for(channel.ready.wait(), 10)
    try:
        yield LiveBot(core, runtime, channel)
    finally:
        await runtime.stop()
