"""Recurring meetings and their reminders — the public API (pure: no DB, no bot).

    >>> from datetime import datetime, timezone
    >>> spec = parse_spec("每月最后一个工作日 16:00")
    >>> describe(spec)
    '每月最后一个工作日 16:00'
    >>> next_occurrence(spec, datetime(2026, 9, 1, tzinfo=timezone.utc))
    datetime.datetime(2026, 9, 30, 8, 0, tzinfo=datetime.timezone.utc)

Time conventions: every datetime argument must be timezone-aware; every datetime
returned is aware UTC. Ranges are ``(start, end]`` — start exclusive, end inclusive.
Wall-clock rules are evaluated in the spec's IANA zone (default Asia/Shanghai).
"""

from conversations.reminders.text import schedule as describe

from .due import DEFAULT_GRACE, DEFAULT_TOLERANCE, Due, due_reminders
from .engine import (
    has_official_data,
    is_working_day,
    iter_occurrences,
    next_occurrence,
    next_working_day,
    occurrences,
)
from .leads import AT_THE_TIME, Lead, parse_lead, reminder_times
from .parse import SpecParseError, parse_spec
from .spec import DEFAULT_TZ, Recurrence, SpecError

__all__ = [
    "AT_THE_TIME",
    "DEFAULT_GRACE",
    "DEFAULT_TOLERANCE",
    "DEFAULT_TZ",
    "Due",
    "Lead",
    "Recurrence",
    "SpecError",
    "SpecParseError",
    "describe",
    "due_reminders",
    "has_official_data",
    "is_working_day",
    "iter_occurrences",
    "next_occurrence",
    "next_working_day",
    "occurrences",
    "parse_lead",
    "parse_spec",
    "reminder_times",
]
