"""Runs every registered periodic job at a given time, each in its own transaction.

APScheduler (in the long-lived bot) or the console's `!clock` decides *when* to call
`run_ticks`; the jobs themselves only read the database and queue outbox rows, so
running a tick twice for the same time queues nothing new.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.registry import Registry
from services.config import Settings
from storage.db import Database

log = logging.getLogger(__name__)


def run_ticks(db: Database, registry: Registry, now: datetime, settings: Settings) -> list[str]:
    """Returns the names of jobs that failed (others still ran)."""
    failed: list[str] = []
    for name, fn in registry.ticks:
        try:
            with db.session() as s:
                fn(s, now, settings)
        except Exception:
            log.exception("tick %s failed at %s", name, now)
            failed.append(name)
    return failed
