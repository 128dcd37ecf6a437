"""Lead times: when, relative to an occurrence, a reminder is sent.

Two flavours, both serialisable and hashable:

* relative  ``Lead(minutes=60)``          exactly 60 minutes before ("1 hour before");
            ``Lead()``                    at the time of the occurrence.
* calendar  ``Lead(days=1, at="18:00")``  on the local date ``days`` days before the
                                          occurrence at 18:00 ("the day before at 18:00");
            ``Lead(days=10)``             same local wall time, 10 calendar days before.

``Lead.key`` is a short stable string ("at", "m60", "d1@18:00", "d10") meant to be
part of an outbox unique key: (series id, occurrence, lead key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from .spec import SpecError, parse_hhmm

_DST_SLACK_MIN = 120  # covers any real DST offset change


@dataclass(frozen=True)
class Lead:
    minutes: int = 0
    days: int = 0
    at: str | None = None

    def __post_init__(self) -> None:
        if self.minutes < 0 or self.days < 0:
            raise SpecError("reminders.lead_negative")
        if self.minutes and (self.days or self.at):
            raise SpecError("reminders.lead_mixed")
        if self.at is not None:
            parse_hhmm(self.at)

    @cached_property
    def key(self) -> str:
        if self.at is not None:
            return f"d{self.days}@{self.at}"
        if self.days:
            return f"d{self.days}"
        if self.minutes:
            return f"m{self.minutes}"
        return "at"

    @cached_property
    def _at_hm(self) -> tuple[int, int]:
        return parse_hhmm(self.at) if self.at is not None else (0, 0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.minutes:
            out["minutes"] = self.minutes
        if self.days:
            out["days"] = self.days
        if self.at is not None:
            out["at"] = self.at
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lead:
        unknown = set(data) - {"minutes", "days", "at"}
        if unknown:
            raise SpecError("reminders.lead_unknown_fields", names=", ".join(sorted(unknown)))
        return cls(**data)

    def remind_at(self, occurrence: datetime, tz: ZoneInfo) -> datetime:
        """Reminder instant (aware UTC) for an aware ``occurrence``."""
        occ = occurrence.astimezone(UTC)
        if self.at is None and not self.days:
            return occ - timedelta(minutes=self.minutes)
        local = occ.astimezone(tz)
        day = local.date() - timedelta(days=self.days)
        if self.at is not None:
            hh, mm = self._at_hm
        else:
            hh, mm = local.hour, local.minute
        return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz).astimezone(UTC)

    @cached_property
    def span(self) -> tuple[timedelta, timedelta]:
        """Bounds (lo, hi) of ``occurrence - remind_at`` for any occurrence, inclusive.

        Lets callers turn a window of reminder times into a window of occurrences.
        (A cached property: ``lead.span``.)
        """
        if self.at is None and not self.days:
            d = timedelta(minutes=self.minutes)
            return d, d
        base = self.days * 1440
        if self.at is None:
            return (timedelta(minutes=base - _DST_SLACK_MIN), timedelta(minutes=base + _DST_SLACK_MIN))
        hh, mm = parse_hhmm(self.at)
        at_min = hh * 60 + mm
        return (
            timedelta(minutes=base - at_min - _DST_SLACK_MIN),
            timedelta(minutes=base + 1440 - at_min + _DST_SLACK_MIN),
        )

    def describe(self) -> str:
        """In words ("前一天 18:00", "提前1小时"); the words live in the feature's catalogue."""
        from conversations.reminders.text import lead

        return lead(self)


AT_THE_TIME = Lead()


def reminder_times(occurrence: datetime, leads: list[Lead] | tuple[Lead, ...], tz: str | ZoneInfo) -> list[tuple[str, datetime]]:
    """``[(lead_key, when_utc), ...]`` for one occurrence, sorted by time.

    Reminders that would fall *after* the occurrence (e.g. ``Lead(days=0, at="18:00")``
    for a 09:00 meeting) are dropped; duplicate lead keys are reported once.
    """
    if occurrence.tzinfo is None:
        raise ValueError("occurrence must be timezone-aware")
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    occ = occurrence.astimezone(UTC)
    seen: set[str] = set()
    out: list[tuple[str, datetime]] = []
    for lead in leads:
        if lead.key in seen:
            continue
        seen.add(lead.key)
        when = lead.remind_at(occ, zone)
        if when <= occ:
            out.append((lead.key, when))
    out.sort(key=lambda kv: (kv[1], kv[0]))
    return out


# ---------------------------------------------------------------------- parsing
_UNITS = {
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "分钟": 1, "分": 1,
    "h": 60, "hour": 60, "hours": 60, "小时": 60, "个小时": 60, "时": 60,
}
_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _num(s: str) -> int:
    return int(s) if s.isdigit() else _CN_DIGITS[s]


def parse_lead(text: str) -> Lead:
    """Parse "at the time", "1 hour before", "30m", "the day before at 18:00",
    "10 days before at 09:00", "1d@18:00", "准时", "提前1小时", "前一天 18:00",
    "提前10天 09:00"."""
    raw = text
    s = re.sub(r"\s+", " ", text.strip().lower().replace("：", ":"))
    if s in {"at the time", "at time", "on time", "0", "at", "准时", "当时", "开始时"}:
        return Lead()
    m = re.fullmatch(r"d(\d+)(?:@(\d{1,2}:\d{2}))?", s)
    if m:
        return Lead(days=int(m.group(1)), at=_norm_time(m.group(2)))
    m = re.fullmatch(r"(?:提前)?(\d+|[一两二三四五六七八九十])\s*(m|min|mins|minutes?|h|hours?|分钟|个小时|小时)(?: before)?", s)
    if m:
        return Lead(minutes=_num(m.group(1)) * _UNITS[m.group(2)])
    m = re.fullmatch(r"(?:the )?day before(?: at (\d{1,2}:\d{2}))?", s) or re.fullmatch(
        r"前一天\s*(\d{1,2}:\d{2})?", s
    )
    if m:
        return Lead(days=1, at=_norm_time(m.group(1)))
    m = re.fullmatch(r"(\d+) days? before(?: at (\d{1,2}:\d{2}))?", s) or re.fullmatch(
        r"提前(\d+|[一两二三四五六七八九十])天\s*(\d{1,2}:\d{2})?", s
    )
    if m:
        return Lead(days=_num(m.group(1)), at=_norm_time(m.group(2)))
    m = re.fullmatch(r"当天\s*(\d{1,2}:\d{2})", s)
    if m:
        return Lead(days=0, at=_norm_time(m.group(1)))
    raise SpecError("reminders.lead_unreadable", text=raw)


def _norm_time(t: str | None) -> str | None:
    if t is None:
        return None
    hh, mm = parse_hhmm(t)
    return f"{hh:02d}:{mm:02d}"
