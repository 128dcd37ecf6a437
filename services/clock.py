"""Time source for the whole bot.

Everything asks a Clock for "now" so the console's `!clock` and the tests can move
time; nothing calls datetime.now() directly. Times are aware UTC; teams show local time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock:
    def now(self) -> datetime:
        return utcnow()


class ManualClock(Clock):
    """A clock that only moves when told to (console `!clock`, tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or utcnow()).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        self._now += by


class RunningClock(ManualClock):
    """Set like a ManualClock, but runs on from there in real time: for a live bot in a
    test, whose retries and backoffs must come due while the test watches."""

    def __init__(self, start: datetime | None = None) -> None:
        super().__init__(start)
        self._mono = time.monotonic()

    def now(self) -> datetime:
        return self._now + timedelta(seconds=time.monotonic() - self._mono)

    def set(self, when: datetime) -> None:
        super().set(when)
        self._mono = time.monotonic()

    def advance(self, by: timedelta) -> None:
        self.set(self.now() + by)


def local(dt: datetime, tz: str) -> datetime:
    """Show a stored UTC time in a team's zone (SQLite returns naive UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz))


def local_stamp(dt: datetime | None, tz: str) -> str:
    """A stored time as the team's wall clock, "2026-12-01 09:00" ("" when unset): how
    cards, exports and the CLI show times to people, never in UTC."""
    return "" if dt is None else local(dt, tz).strftime("%Y-%m-%d %H:%M")


def as_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
