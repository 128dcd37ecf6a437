"""The 请销假 sheet of the monthly Excel export: every leave of the team overlapping the month.

Registered with services.export when imported (listed in SHEET_PROVIDERS).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.leave import text as T
from services import leave as rules
from services.clock import local_stamp
from services.dates import month_bounds
from services.export import register_sheet
from storage.models import LeaveRequest, Team

WIDTHS = [10, 10, 12, 12, 6, 6, 30, 8, 10, 18, 20, 8, 18]


def _month(month: Any) -> tuple[date, date]:
    """Accepts a date in the month, "2026-11" or (2026, 11): the export contract is young."""
    if isinstance(month, date):
        y, m = month.year, month.month
    elif isinstance(month, str):
        y, m = (int(p) for p in month.split("-")[:2])
    else:
        y, m = month
    return month_bounds(y, m)


def _half(d: date, half: str | None) -> str:
    return d.isoformat() + T.SHEET_HALVES.get(half or "", "")


def leave_sheet(session: Session, team_id: int, month: Any) -> tuple[list[str], list[list[Any]], list[int]]:
    first, last = _month(month)
    team = session.get(Team, team_id)
    tz = team.timezone if team else "Asia/Shanghai"
    rows: list[list[Any]] = []
    for lv in session.scalars(select(LeaveRequest).where(
            LeaveRequest.team_id == team_id, LeaveRequest.start <= last,
            LeaveRequest.end >= first).order_by(LeaveRequest.start, LeaveRequest.id)):
        cal, work = rules.count_days(rules.requested_range(lv))
        taken = rules.count_days(rules.taken_range(lv))[0] if lv.status == rules.RETURNED else ""
        rows.append([
            lv.member.name, lv.kind,
            _half(lv.start, lv.start_half if lv.start_half == "pm" or lv.start == lv.end else None),
            _half(lv.end, lv.end_half if lv.end_half == "am" else None),
            float(cal), float(work), lv.reason, rules.STATUS_LABELS[lv.status],
            lv.approver.name if lv.approver else "",
            local_stamp(lv.decided_at, tz),
            lv.decision_note or "", float(taken) if taken != "" else "",
            local_stamp(lv.returned_at, tz),
        ])
    return list(T.SHEET_HEADERS), rows, WIDTHS


register_sheet(T.SHEET, leave_sheet, order=35)
