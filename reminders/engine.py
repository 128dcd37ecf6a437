"""Occurrence computation on top of APScheduler's triggers.

Everything that cron can express is delegated to ``CronTrigger`` (weekday lists,
``day='last'``, ``'1st mon'``, month lists for quarters, time zones and DST) or
``DateTrigger`` (one-off). On top of that we add:

* the last official working day of a month (cron ``day='last'`` walked back through
  chinese_calendar),
* holiday shifting / skipping,
* removal of the repeated wall-clock time when DST falls back (cron would fire twice).

Conventions: inputs must be timezone-aware; results are aware UTC datetimes.
A nonexistent local time (DST spring-forward gap) is moved forward by the gap length,
as APScheduler does (02:30 Europe/Berlin on the transition day → 03:30 CEST).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from services import workdays as _calendar

from .spec import WEEKDAY_NAMES, Recurrence

# Longest plausible run of consecutive non-working days; a guard against endless loops.
MAX_NON_WORKING_RUN = 40


# ---------------------------------------------------------------------- calendar
# The official calendar (and its Monday–Friday fallback for unknown years) lives in
# services.workdays; here we only add a cache, because the per-minute tick asks the
# same few dates thousands of times, and the two walks the shifting rules need.
@lru_cache(maxsize=16384)
def is_working_day(day: date) -> bool:
    return _calendar.is_working_day(day)


def has_official_data(day: date) -> bool:
    """True if the official holiday schedule for ``day``'s year is known."""
    return _calendar.is_authoritative(day)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it."""
    return day if is_working_day(day) else _calendar.next_working_day(day)


def last_working_day_on_or_before(day: date) -> date:
    for _ in range(MAX_NON_WORKING_RUN):
        if is_working_day(day):
            return day
        day -= timedelta(days=1)
    return day  # pragma: no cover - no real calendar has 40 days off


def first_day_of_non_working_run(day: date) -> date:
    """Earliest ``k <= day`` such that every date in ``k .. day-1`` is non-working:
    how far back an occurrence could lie and still be shifted past ``day``."""
    k = day
    for _ in range(MAX_NON_WORKING_RUN):
        prev = k - timedelta(days=1)
        if is_working_day(prev):
            break
        k = prev
    return k


_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
# Safety limit on iterations per query (a 10-year daily range is ~3,700).
MAX_ITERATIONS = 100_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _require_aware(dt: datetime, name: str) -> datetime:
    if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {dt!r}")
    return dt.astimezone(UTC)


def localize(day: date, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    """Wall-clock ``day hh:mm`` in ``tz`` as UTC (fold=0: first of a repeated time;
    a time in a DST gap moves forward by the gap)."""
    return datetime.combine(day, time(hh, mm), tzinfo=tz).astimezone(UTC)


def _is_repeated_wall_time(local: datetime) -> bool:
    """True for the *second* instance of an ambiguous local time (DST fall-back)."""
    return bool(local.fold) and local.replace(fold=0).utcoffset() != local.utcoffset()


@lru_cache(maxsize=32768)
def _cron(spec: Recurrence) -> CronTrigger | None:
    if spec.kind == "once":
        return None
    hh, mm = spec.hour_minute
    kw: dict[str, object] = {"hour": hh, "minute": mm, "second": 0, "timezone": spec.tz}
    if spec.kind == "weekly":
        kw["day_of_week"] = ",".join(WEEKDAY_NAMES[d] for d in spec.weekdays)
    elif spec.kind in ("monthly", "quarterly", "yearly"):
        if spec.last_workday or spec.day == -1:
            kw["day"] = "last"
        elif spec.day is not None:
            kw["day"] = spec.day
        else:
            kw["day"] = f"{_ORDINALS[spec.nth]} {WEEKDAY_NAMES[spec.weekday]}"
        if spec.kind == "quarterly":
            m = spec.quarter_month
            kw["month"] = f"{m},{m + 3},{m + 6},{m + 9}"
        elif spec.kind == "yearly":
            kw["month"] = spec.month
    return CronTrigger(**kw)


@lru_cache(maxsize=32768)
def _once_times(spec: Recurrence) -> tuple[datetime, ...]:
    tz = spec.zone
    return tuple(
        DateTrigger(datetime.fromisoformat(s), timezone=tz).get_next_fire_time(None, _EPOCH).astimezone(UTC)
        for s in spec.at
    )


def _raw_after(spec: Recurrence, after: datetime, until: datetime) -> Iterator[datetime]:
    """Un-shifted occurrences in ``(after, until]`` (UTC), ascending, in UTC."""
    if spec.kind == "once":
        for t in _once_times(spec):
            if after < t <= until:
                yield t
        return
    trigger = _cron(spec)
    assert trigger is not None
    tz = spec.zone
    hh, mm = spec.hour_minute
    prev = after
    while True:
        fire = trigger.get_next_fire_time(prev, prev)
        if fire is None or fire > until:
            return
        prev = fire
        if _is_repeated_wall_time(fire):
            continue
        if spec.last_workday:
            # fire is the last calendar day of a month; walk back to its last working day
            day = last_working_day_on_or_before(fire.astimezone(tz).date())
            t = localize(day, hh, mm, tz)
            if t > after:
                yield t
            continue
        yield fire.astimezone(UTC)


def iter_occurrences(spec: Recurrence, after: datetime, until: datetime) -> Iterator[datetime]:
    """Occurrences in ``(after, until]``, ascending, as aware UTC datetimes.

    ``until`` is required: with ``workdays_only`` a rule may never match again (e.g.
    Sundays once the official calendar runs out), so an open-ended scan could loop
    forever.

    Holiday rules are applied. Shifting is monotone for a single time of day, so the
    stream stays sorted; equal consecutive results (several days shifted onto the same
    working day) are collapsed.
    """
    after = _require_aware(after, "after")
    until = _require_aware(until, "until")
    if not spec.shift_holidays and not spec.workdays_only:
        yield from _raw_after(spec, after, until)
        return
    tz = spec.zone
    if spec.workdays_only:
        for t in _raw_after(spec, after, until):
            if is_working_day(t.astimezone(tz).date()):
                yield t
        return
    # shift_holidays: an occurrence before `after` may be shifted past it. Only those
    # lying in the run of non-working days right before `after`'s date can be.
    local_after = after.astimezone(tz)
    run_start = first_day_of_non_working_run(local_after.date())
    scan_from = datetime.combine(run_start, time(0, 0), tzinfo=tz).astimezone(UTC) - timedelta(seconds=1)
    scan_from = min(scan_from, after)
    last: datetime | None = None
    for raw in _raw_after(spec, scan_from, until):
        local = raw.astimezone(tz)
        day = local.date()
        if is_working_day(day):
            t = raw
        else:
            t = localize(next_working_day(day), local.hour, local.minute, tz)
        if t <= after or t == last:
            continue
        if t > until:
            return
        last = t
        yield t


def occurrences(spec: Recurrence, start: datetime, end: datetime) -> list[datetime]:
    """Occurrences ``t`` with ``start < t <= end`` (start exclusive, end inclusive).

    Both bounds must be timezone-aware (any zone); results are sorted aware UTC
    datetimes. The half-open interval lets consecutive windows (prev, now] tile time
    without gaps or duplicates.
    """
    start = _require_aware(start, "start")
    end = _require_aware(end, "end")
    out: list[datetime] = []
    if end <= start:
        return out
    for i, t in enumerate(iter_occurrences(spec, start, end)):
        if i >= MAX_ITERATIONS:
            raise ValueError(f"more than {MAX_ITERATIONS} occurrences in range; narrow it")
        out.append(t)
    return out


DEFAULT_HORIZON = timedelta(days=3660)


def next_occurrence(spec: Recurrence, after: datetime, horizon: timedelta = DEFAULT_HORIZON) -> datetime | None:
    """First occurrence strictly after ``after`` (aware UTC).

    None if there is none within ``horizon`` (default ~10 years): a one-off in the
    past, or a ``workdays_only`` rule that never lands on a working day.
    """
    after = _require_aware(after, "after")
    return next(iter_occurrences(spec, after, after + horizon), None)
