"""China's official working-day calendar (法定节假日与调休).

Backed by the ``chinese-calendar`` package (import name ``chinese_calendar``),
which ships the State Council's holiday arrangement for each year it knows.
The arrangement for a year is only published in the autumn of the year
before, so the package always stops at some year (1.11.0 covers 2004–2026)
and raises ``NotImplementedError`` outside that window.

For years it does not know, this module falls back to a plain Monday–Friday
week and says so: every answer can be asked whether it is *authoritative*
(``DayInfo.authoritative``, :func:`is_authoritative`). Callers that show a
count to a person should add a note when it is not (``describe_range`` in
``services.dates`` does).

Everything here is pure: no clock, no I/O. The module-level functions use a
shared :class:`WorkdayCalendar`; tests or callers wanting a different source
can build their own instance and pass it around (it is duck-typed wherever
``services.dates`` takes a ``workdays`` argument).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

__all__ = [
    "DayInfo",
    "WorkdayCalendar",
    "day_info",
    "holiday_name",
    "holidays_between",
    "is_authoritative",
    "is_working_day",
    "last_working_day_of_month",
    "next_working_day",
    "working_days_between",
    "working_days_in_month",
]

# chinese_calendar stores English names; its Holiday enum carries short Chinese
# ones ("清明", "端午"). These are the names people write in a message.
_CHINESE_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _chinese_name(english: str | None) -> str | None:
    if english is None:
        return None
    if english in _CHINESE_NAMES:
        return _CHINESE_NAMES[english]
    for member in chinese_calendar.Holiday:  # names added by future package versions
        if member.value == english:
            return getattr(member, "chinese", english)
    return english


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Everything known about one calendar day.

    ``holiday_name``: the official holiday this day off belongs to ("国庆节"),
    also for the weekend days inside a holiday block; None on ordinary days.
    ``makeup_for``: on an adjusted working day (调休上班, e.g. a Saturday worked
    to lengthen 国庆节) the holiday it makes up for; otherwise None.
    ``authoritative``: False when the year is outside the package's data and
    the answer is the Monday–Friday guess.
    """

    date: date
    is_working_day: bool
    holiday_name: str | None
    makeup_for: str | None
    authoritative: bool


class WorkdayCalendar:
    """Working-day queries with a Monday–Friday fallback for unknown years."""

    def day_info(self, d: date) -> DayInfo:
        try:
            is_holiday, english = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            return DayInfo(d, d.weekday() < 5, None, None, authoritative=False)
        name = _chinese_name(english)
        if is_holiday:
            return DayInfo(d, False, name, None, True)
        # chinese_calendar names a working day only when it is an adjusted
        # (调休) working day, i.e. a weekend day worked for that holiday.
        return DayInfo(d, True, None, name, True)

    def is_authoritative(self, start: date, end: date | None = None) -> bool:
        """True when every day in ``start..end`` is covered by official data."""
        end = start if end is None else end
        if end < start:
            start, end = end, start
        return all(
            self.day_info(date(y, 1, 1)).authoritative
            and self.day_info(date(y, 12, 31)).authoritative
            for y in range(start.year, end.year + 1)
        )

    def is_working_day(self, d: date) -> bool:
        return self.day_info(d).is_working_day

    def holiday_name(self, d: date) -> str | None:
        return self.day_info(d).holiday_name

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``start..end``, both ends included; 0 if end < start."""
        return sum(1 for d in _days(start, end) if self.is_working_day(d))

    def holidays_between(self, start: date, end: date) -> list[str]:
        """Distinct official holiday names touched by ``start..end``, in order."""
        names: list[str] = []
        for d in _days(start, end):
            name = self.holiday_name(d)
            if name and name not in names:
                names.append(name)
        return names

    def next_working_day(self, d: date, *, include_today: bool = False) -> date:
        """The first working day after ``d`` (or ``d`` itself if include_today)."""
        cur = d if include_today else d + timedelta(days=1)
        for _ in range(60):  # the longest official break is 9 days
            if self.is_working_day(cur):
                return cur
            cur += timedelta(days=1)
        raise RuntimeError(f"no working day within 60 days after {d}")  # pragma: no cover

    def working_days_in_month(self, year: int, month: int) -> int:
        last = calendar.monthrange(year, month)[1]
        return self.working_days_between(date(year, month, 1), date(year, month, last))

    def last_working_day_of_month(self, year: int, month: int) -> date:
        cur = date(year, month, calendar.monthrange(year, month)[1])
        while not self.is_working_day(cur):
            cur -= timedelta(days=1)
            if cur.month != month:  # pragma: no cover - no month is all holidays
                raise RuntimeError(f"no working day in {year}-{month:02d}")
        return cur


def _days(start: date, end: date):
    cur = start
    while cur <= end:
        yield cur
        cur += timedelta(days=1)


default_calendar = WorkdayCalendar()

day_info = default_calendar.day_info
is_authoritative = default_calendar.is_authoritative
is_working_day = default_calendar.is_working_day
holiday_name = default_calendar.holiday_name
holidays_between = default_calendar.holidays_between
working_days_between = default_calendar.working_days_between
next_working_day = default_calendar.next_working_day
working_days_in_month = default_calendar.working_days_in_month
last_working_day_of_month = default_calendar.last_working_day_of_month
