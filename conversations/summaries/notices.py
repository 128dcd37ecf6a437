"""Deadline reminders (kind "deadline"): the monthly work record before the 28th, the
half-year report before 5 July and the annual one before 5 January — only to those who
have not submitted yet, each with one button that opens the drafted record."""

from __future__ import annotations

from datetime import date

from conversations.reminders.buttons import RunButton
from conversations.reminders.text import BTN_MONTHLY, BTN_SUMMARY
from core.messages import Button, Reply
from reminders import dispatch
from reminders.due import Due
from reminders.series import Recipient, spec_of
from services import monthly, summaries
from services.clock import local
from storage.models import EventSeries

from . import text as T

MONTHLY_DUE_DAY = 28
# default series key -> the report it is about
KEYS = {"monthly_record_deadline": "monthly", "half_year_report_deadline": "h1",
        "annual_report_deadline": "year"}


def period_for(kind: str, day: date) -> summaries.Period:
    """The report a reminder on `day` is about: this year's half, or the year ending."""
    if kind == "h1":
        return summaries.Period(day.year, "h1")
    return summaries.Period(day.year if day.month >= 7 else day.year - 1, "year")


@dispatch.kind("deadline")
def _deadline(t: dispatch.Tick, row: EventSeries, due: Due) -> None:
    what = KEYS.get(row.key or "")
    if what is None:
        return
    day = local(due.occurrence, spec_of(row).tz).date()
    roles = set((row.audience or {}).get("roles", []))
    people = [m for m in t.directory.team_members(row.team_id) if not roles or m.role in roles]
    late = T.LATE.format(hours=max(1, round(due.late_by.total_seconds() / 3600))) \
        if due.status == "late" else ""
    if what == "monthly":
        deadline = day.replace(day=MONTHLY_DUE_DAY)
        for m in people:
            rec = monthly.get_record(t.s, m.id, day.year, day.month)
            if rec is not None and rec.status == "submitted":
                continue
            text = T.monthly_deadline(m.name, day.year, day.month, deadline, max(0, (deadline - day).days))
            t.put(f"dl:{row.id}:{day:%Y-%m}:m{m.id}", Reply(text + late, buttons=[[
                Button(BTN_MONTHLY, RunButton("monthly").pack())]]), Recipient(member_id=m.id), due)
        return
    period = period_for(what, day)
    done = summaries.submitted_by(t.s, [m.id for m in people], period)
    left = max(0, (period.deadline - day).days)
    for m in people:
        if m.id in done:
            continue
        t.put(f"dl:{row.id}:{period.year}{period.kind}:m{m.id}",
              Reply(T.summary_deadline(m.name, period, left) + late,
                    buttons=[[Button(BTN_SUMMARY, RunButton("summary").pack())]]),
              Recipient(member_id=m.id), due)
