"""The assembled core: database, features, router and clock, shared by every channel.

The synchronous half lives here (store, process, deliver one by one) for the console,
the command line and the tests; core.runtime drives the same functions concurrently
for the networked channels.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core import inbox, outbox
from core.channel import Received, SendResult
from core.features import build_registry
from core.messages import Incoming
from core.registry import Registry
from core.router import Outcome, Router
from core.ticker import run_ticks
from services.clock import Clock
from services.config import Settings
from storage.db import Database

log = logging.getLogger(__name__)


def lane_of(msg: Incoming) -> str:
    """Updates of one person on one platform are handled in order."""
    return f"{msg.platform}:{msg.user_id}"


@dataclass
class BotCore:
    db: Database
    registry: Registry
    router: Router
    clock: Clock
    settings: Settings
    # platform -> parse(payload) for stored raw updates; payloads holding an Incoming
    # (console, tests) need none
    parsers: dict[str, Callable[[dict[str, Any]], Incoming | None]] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None, *, migrate: bool = True,
               db: Database | None = None) -> BotCore:
        db = db or Database(settings.database_url)
        if migrate:
            db.migrate()
        registry = build_registry()
        clock = clock or Clock()
        return cls(db, registry, Router(registry, clock, settings), clock, settings)

    # -- settings in the units the core uses ---------------------------------------------
    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.settings.outbox_grace_hours)

    @property
    def reply_grace(self) -> timedelta:
        return timedelta(minutes=self.settings.reply_grace_minutes)

    @property
    def worker(self) -> str:
        return self.settings.worker_name

    def command_names(self) -> dict[str, str]:
        """Command -> its Chinese name, for channels without slash commands."""
        return {c.name: c.aliases[0] for c in self.registry.commands.values() if c.aliases}

    # -- inbox -----------------------------------------------------------------------------
    def parse(self, platform: str, payload: dict[str, Any]) -> Incoming | None:
        if "incoming" in payload:
            return Incoming.from_payload(payload)
        parser = self.parsers.get(platform)
        if parser is None:
            raise inbox.Poison(f"no parser for {platform}")
        return parser(payload)

    def accept(self, platform: str, batch: list[Received]) -> list[inbox.Head]:
        """Store a batch; the updates that were new (a redelivered one is not)."""
        return inbox.store(self.db, platform, batch, self.clock.now())

    def process_pending(self, platforms: list[str] | None = None, *,
                        ignore_backoff: bool = False) -> list[inbox.Processed]:
        """Process every due update, one at a time, in order (console and tests).
        `ignore_backoff`: retry now what failed (a console waiting on its own line)."""
        platforms = platforms or ["console"]
        done: list[inbox.Processed] = []
        failed: set[int] = set()
        while True:
            due_by = self.clock.now() + (timedelta(days=1) if ignore_backoff else timedelta(0))
            heads = [h for h in inbox.heads(self.db, platforms, due_by, 50) if h.id not in failed]
            if not heads:
                return done
            for h in heads:
                try:
                    p = inbox.process(self.db, self.router, self.parse, h.id, self.clock.now(),
                                      self.reply_grace)
                except Exception as exc:
                    log.warning("update %s/%s failed (%s)", h.platform, h.key, type(exc).__name__,
                                exc_info=not inbox.is_transient(exc))
                    failed.add(h.id)
                    try:
                        inbox.record_failure(self.db, self.parse, h.id, exc, self.clock.now())
                    except Exception as again:  # the database is down: it stays pending
                        log.warning("could not record the failure (%s)", type(again).__name__)
                    continue
                if p is not None:
                    done.append(p)

    def handle(self, msg: Incoming) -> Outcome:
        """Store and process one update now and hand its replies to the caller instead of
        the outbox (tests, embedding). Raises what processing raised."""
        key = msg.update_key or uuid.uuid4().hex
        msg.update_key = key
        new = self.accept(msg.platform, [Received(key, lane_of(msg), msg.to_payload())])
        if not new:
            return Outcome([], duplicate=True)
        p = inbox.process(self.db, self.router, self.parse, new[0].id, self.clock.now(),
                          self.reply_grace, queue=False)
        return p.outcome if p and p.outcome else Outcome([])

    # -- outbox ----------------------------------------------------------------------------
    def deliver_sync(self, platform: str, send: Callable[[outbox.Job], SendResult]) -> int:
        return outbox.deliver_sync(self.db, platform, send, self.clock.now(), self.worker,
                                   self.grace)

    def recover(self) -> int:
        """At start: what this worker had in flight when it stopped becomes `unknown`."""
        return outbox.recover(self.db, self.worker, self.clock.now(), timedelta(minutes=5))

    # -- scheduler -------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> list[str]:
        return run_ticks(self.db, self.registry, now or self.clock.now(), self.settings)
