"""China's official working-day calendar, with a safe fallback.

``chinese_calendar`` ships the State Council holiday schedule for a fixed range of
years and raises ``NotImplementedError`` outside it (e.g. 2027 in version 1.11).
Outside that range we fall back to plain Monday–Friday so that callers never crash;
upgrade the package every December when the next year's schedule is published.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

# Longest plausible run of consecutive non-working days; a guard against endless loops.
MAX_NON_WORKING_RUN = 40


@lru_cache(maxsize=16384)
def has_official_data(day: date) -> bool:
    """True if chinese_calendar knows the official schedule for ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=16384)
def is_working_day(day: date) -> bool:
    """Official working day in mainland China.

    Adjusted working weekends (调休上班) count as working days, statutory holidays do
    not. Years without data fall back to Monday–Friday.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it."""
    for _ in range(MAX_NON_WORKING_RUN):
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    return day  # pragma: no cover - defensive, no real calendar has 40 days off


def last_working_day_on_or_before(day: date) -> date:
    for _ in range(MAX_NON_WORKING_RUN):
        if is_working_day(day):
            return day
        day -= timedelta(days=1)
    return day  # pragma: no cover


def first_day_of_non_working_run(day: date) -> date:
    """Earliest date ``k <= day`` such that every date in ``k .. day-1`` is non-working.

    Used to find how far back an occurrence could lie and still be shifted past ``day``.
    """
    k = day
    for _ in range(MAX_NON_WORKING_RUN):
        prev = k - timedelta(days=1)
        if is_working_day(prev):
            break
        k = prev
    return k
