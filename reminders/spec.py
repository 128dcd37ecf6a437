"""The serialisable recurrence spec.

A :class:`Recurrence` is an immutable (hashable) value. ``to_dict()`` gives a
JSON-compatible dict for a DB column (JSON/JSONB); ``Recurrence.from_dict()`` reads
it back and validates it.

Kinds and the fields they use::

    once       at=("2026-12-05T10:00", ...)       local wall-clock datetimes in ``tz``
    daily      time
    weekly     time, weekdays=(4,)                0 = Monday … 6 = Sunday
    monthly    time + one day rule
    quarterly  time + one day rule, month=1..3    month within the quarter (default 1)
    yearly     time + one day rule, month=1..12

Day rules (exactly one):

    day=N            day of month 1..31; months without that day are SKIPPED (cron
                     semantics, e.g. day=31 fires 7 times a year). Use day=-1 for
                     "last calendar day of the month".
    nth, weekday     nth=1..5 or -1 (last) and weekday 0..6: "first Monday".
                     nth=5 fires only in months that have a fifth such weekday.
    last_workday     last official working day of the month (chinese_calendar).

Holiday handling (at most one flag):

    shift_holidays   an occurrence on an official non-working day moves to the next
                     working day, same local time. Several occurrences shifted onto
                     the same instant collapse into one.
    workdays_only    an occurrence on an official non-working day is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.errors import UserError

DEFAULT_TZ = "Asia/Shanghai"
SPEC_VERSION = 1

Kind = Literal["once", "daily", "weekly", "monthly", "quarterly", "yearly"]
KINDS: tuple[str, ...] = ("once", "daily", "weekly", "monthly", "quarterly", "yearly")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_LOCAL_DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


class SpecError(UserError, ValueError):
    """An invalid recurrence or lead spec: a code ("reminders.spec_...") and its parameters;
    the words are in conversations/reminders/text.py, `str(exc)` renders them."""


def parse_hhmm(value: str) -> tuple[int, int]:
    m = _TIME_RE.match(value or "")
    if not m:
        raise SpecError("reminders.spec_time_format", value=value)
    return int(m.group(1)), int(m.group(2))


def check_tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise SpecError("reminders.spec_unknown_tz", name=name) from exc


@dataclass(frozen=True)
class Recurrence:
    kind: Kind
    time: str | None = None  # "HH:MM" local; not used by "once"
    weekdays: tuple[int, ...] = ()
    day: int | None = None
    nth: int | None = None
    weekday: int | None = None
    last_workday: bool = False
    month: int | None = None
    at: tuple[str, ...] = ()  # once: local "YYYY-MM-DDTHH:MM"
    tz: str = DEFAULT_TZ
    shift_holidays: bool = False
    workdays_only: bool = False

    def __post_init__(self) -> None:
        # normalise sequences so that specs read from JSON compare/hash equal
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        object.__setattr__(self, "at", tuple(sorted(set(self.at))))
        if self.kind == "quarterly" and self.month is None:
            object.__setattr__(self, "month", 1)
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        k = self.kind
        if k not in KINDS:
            raise SpecError("reminders.spec_kind", kind=k)
        check_tz(self.tz)
        if self.shift_holidays and self.workdays_only:
            raise SpecError("reminders.spec_holiday_flags")
        if k == "once":
            if not self.at:
                raise SpecError("reminders.spec_once_empty")
            for s in self.at:
                if not _LOCAL_DT_RE.match(s):
                    raise SpecError("reminders.spec_once_format", value=s)
                try:
                    datetime.fromisoformat(s)
                except ValueError as exc:
                    raise SpecError("reminders.spec_once_invalid", value=s) from exc
            self._forbid("time", "weekdays", "day", "nth", "weekday", "last_workday", "month")
            return
        if self.time is None:
            raise SpecError("reminders.spec_needs_time", kind=k)
        parse_hhmm(self.time)
        if self.at:
            raise SpecError("reminders.spec_at_only_once")
        if k == "daily":
            self._forbid("weekdays", "day", "nth", "weekday", "last_workday", "month")
        elif k == "weekly":
            if not self.weekdays:
                raise SpecError("reminders.spec_weekly_days")
            if any(not 0 <= d <= 6 for d in self.weekdays):
                raise SpecError("reminders.spec_weekdays_range", value=self.weekdays)
            self._forbid("day", "nth", "weekday", "last_workday", "month")
        else:
            self._forbid("weekdays")
            rules = sum(
                [self.day is not None, self.nth is not None or self.weekday is not None,
                 bool(self.last_workday)]
            )
            if rules != 1:
                raise SpecError("reminders.spec_one_day_rule", kind=k)
            if self.day is not None and not (1 <= self.day <= 31 or self.day == -1):
                raise SpecError("reminders.spec_day_range", day=self.day)
            if self.nth is not None or self.weekday is not None:
                if self.nth is None or self.weekday is None:
                    raise SpecError("reminders.spec_nth_pair")
                if not (1 <= self.nth <= 5 or self.nth == -1):
                    raise SpecError("reminders.spec_nth_range", nth=self.nth)
                if not 0 <= self.weekday <= 6:
                    raise SpecError("reminders.spec_weekdays_range", value=self.weekday)
            if k == "monthly":
                self._forbid("month")
            elif k == "quarterly":
                if self.month is not None and not 1 <= self.month <= 3:
                    raise SpecError("reminders.spec_quarter_month", month=self.month)
            else:  # yearly
                if self.month is None or not 1 <= self.month <= 12:
                    raise SpecError("reminders.spec_year_month", month=self.month)
                if self.day is not None and self.day > _DAYS_IN_MONTH_MAX[self.month - 1]:
                    raise SpecError("reminders.spec_no_such_day", month=self.month, day=self.day)

    def _forbid(self, *names: str) -> None:
        defaults = {f.name: f.default for f in fields(self)}
        for name in names:
            if getattr(self, name) != defaults[name]:
                raise SpecError("reminders.spec_unused_field", name=name, kind=self.kind)

    def __hash__(self) -> int:  # cached: specs are dict keys on the per-minute hot path
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", h)
        return h

    # ------------------------------------------------------------------ helpers
    @cached_property
    def hour_minute(self) -> tuple[int, int]:
        return parse_hhmm(self.time) if self.time else (0, 0)

    @property
    def quarter_month(self) -> int:
        return self.month or 1

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible dict; fields at their default value are omitted."""
        out: dict[str, Any] = {"v": SPEC_VERSION, "kind": self.kind}
        for f in fields(self):
            if f.name == "kind":
                continue
            value = getattr(self, f.name)
            if value == f.default and f.name != "tz":
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recurrence:
        if not isinstance(data, dict):
            raise SpecError("reminders.spec_not_dict", type=type(data).__name__)
        data = dict(data)
        version = data.pop("v", SPEC_VERSION)
        if version != SPEC_VERSION:
            raise SpecError("reminders.spec_version", version=version)
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise SpecError("reminders.spec_unknown_fields", names=", ".join(sorted(unknown)))
        for name in ("weekdays", "at"):
            if name in data:
                data[name] = tuple(data[name])
        return cls(**data)


_DAYS_IN_MONTH_MAX = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

__all__ = [
    "DEFAULT_TZ",
    "KINDS",
    "Recurrence",
    "SpecError",
    "WEEKDAY_NAMES",
    "check_tz",
    "parse_hhmm",
]
