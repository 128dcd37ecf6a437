"""The assembled core: database, features, router and clock, shared by every channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import outbox
from core.features import build_registry
from core.messages import Incoming
from core.registry import Registry
from core.router import Outcome, Router
from core.ticker import run_ticks
from services.clock import Clock
from services.config import Settings
from storage.db import Database

log = logging.getLogger(__name__)


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
        return cls(db, registry, Router(registry, clock, settings), clock, settings)

    def handle(self, msg: Incoming) -> Outcome:
        """TRANSITIONAL (replaced by the durable inbox): one update in one transaction."""
        from sqlalchemy.exc import IntegrityError

        from core import text as T
        from core.messages import Reply
        from storage.db import DatabaseBusy
        from storage.models import ProcessedUpdate

        try:
            with self.db.session() as s:
                if msg.update_id is not None:
                    try:
                        with s.begin_nested():
                            s.add(ProcessedUpdate(platform=msg.platform, update_id=msg.update_id,
                                                  processed_at=self.clock.now()))
                    except IntegrityError:
                        return Outcome([], duplicate=True)
                return self.router.route(s, msg)
        except DatabaseBusy:
            return Outcome([Reply(T.BUSY)])
        except Exception:
            log.exception("failed to handle an update")
            return Outcome([Reply(T.BROKEN)])

    def tick(self, now: datetime | None = None) -> list[str]:
        return run_ticks(self.db, self.registry, now or self.clock.now(), self.settings)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.settings.outbox_grace_hours)

    def recover(self) -> int:
        return outbox.recover_interrupted(self.db, self.clock.now())
