"""The assembled core: database, features, router and clock, shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core import outbox
from core.features import build_registry
from core.registry import Registry
from core.router import Router
from core.ticker import run_ticks
from services.clock import Clock
from services.config import Settings
from storage.db import Database


@dataclass
class BotCore:
    db: Database
    registry: Registry
    router: Router
    clock: Clock
    settings: Settings

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None, *, migrate: bool = True,
               db: Database | None = None) -> BotCore:
        db = db or Database(settings.database_url)
        if migrate:
            db.migrate()
        registry = build_registry()
        clock = clock or Clock()
        return cls(db, registry, Router(db, registry, clock, settings), clock, settings)

    def tick(self, now: datetime | None = None) -> list[str]:
        return run_ticks(self.db, self.registry, now or self.clock.now(), self.settings)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.settings.outbox_grace_hours)

    def recover(self) -> int:
        return outbox.recover_interrupted(self.db, self.clock.now())
