"""Small compositions of catalogue words shared by the chat, the digest and the agenda
(no session state of their own: they are given what they show)."""

from __future__ import annotations

from datetime import date

from services import monitoring as mon
from storage.models import MonitoringCase

from . import text as T


def clock_line(case: MonitoringCase, today: date, total: int) -> str:
    """The working-day clock of a case as people read it."""
    c = mon.clock(case, today, total)
    if case.stage == mon.CLOSED:
        text = T.CLOCK_CLOSED.format(used=c.used)
    elif c.overdue:
        text = T.CLOCK_OVERDUE.format(due=T.day_label(c.due_on), used=c.used)
    elif today == c.due_on:
        text = T.CLOCK_TODAY.format(used=c.used, total=c.total, due=T.day_label(c.due_on))
    else:
        text = T.CLOCK.format(used=c.used, total=c.total, due=T.day_label(c.due_on), left=c.left)
    if not c.authoritative:
        text += T.CLOCK_GUESS.format(year=c.due_on.year)
    return text


def who(case: MonitoringCase, households: dict[int, str], applicants: dict[int, str]) -> str:
    """The household a case is about: its head, or the applicant not yet matched."""
    if case.household_id and case.household_id in households:
        return households[case.household_id]
    if case.applicant_villager_id and case.applicant_villager_id in applicants:
        return f"{applicants[case.applicant_villager_id]}（{T.NO_HOUSEHOLD}）"
    return T.NO_HOUSEHOLD
