"""The 考勤, 打卡记录 and 驻村工作记实 sheets of the monthly workbook (services/export.py
loads this module)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services import attendance as att
from services import monthly
from services.clock import local
from services.export import SheetData, register_sheet
from services.roles import ROLE_LABELS, Role
from storage.models import Team

from . import text as T


def _tz(session: Session, team_id: int) -> str:
    team = session.get(Team, team_id)
    return team.timezone if team else "Asia/Shanghai"


def attendance_sheet(session: Session, team_id: int, month: date) -> SheetData:
    """One row per member: totals, then a day grid (√ in village, 外 outside only,
    志 report only, 假 leave) so a leader sees the month at a glance."""
    end = att.month_bounds(month.year, month.month)[1]
    rows = []
    for mm in att.team_month(session, team_id, month):
        sm, leave = mm.summary, dict(mm.summary.leave_by_date)
        grid = []
        for day in range(1, end.day + 1):
            d = month.replace(day=day)
            grid.append(T.GRID_IN if d in sm.village_dates else T.GRID_LEAVE if d in leave
                        else T.GRID_OUT if d in mm.outside else T.GRID_REPORT if d in mm.reported
                        else "")
        rows.append([mm.member.name, ROLE_LABELS[Role(mm.member.role)], sm.days_in_village,
                     sm.quota, sm.leave_days, sm.required_days, sm.reported_days,
                     T.MET if sm.met else T.NOT_MET, *grid])
    headers = [*T.ATTENDANCE_HEADERS, *[T.DAY_COLUMN.format(day=d) for d in range(1, end.day + 1)]]
    return headers, rows, [10, 12, 9, 9, 9, 10, 9, 9, *([5] * end.day)]


def checkins_sheet(session: Session, team_id: int, month: date) -> SheetData:
    tz = _tz(session, team_id)
    out = [[c.local_date, local(c.checked_at, tz).replace(tzinfo=None), m.name,
            T.IN_VILLAGE if c.inside else T.OUT_OF_VILLAGE, round(c.distance_m or 0),
            c.latitude, c.longitude]
           for c, m in att.team_checkins(session, team_id, month)]
    return list(T.CHECKIN_HEADERS), out, [12, 17, 10, 8, 13, 11, 11]


def records_sheet(session: Session, team_id: int, month: date) -> SheetData:
    """The submitted (or latest draft) record of each member; drafts are marked."""
    tz = _tz(session, team_id)
    out = [[m.name, ROLE_LABELS[Role(m.role)], T.SUBMITTED if r.status == "submitted" else T.DRAFT,
            local(r.submitted_at, tz).replace(tzinfo=None) if r.submitted_at else None, r.body]
           for r, m in monthly.team_records(session, team_id, month.year, month.month)]
    return list(T.RECORD_HEADERS), out, [10, 12, 8, 17, 90]


register_sheet(T.SHEET_ATTENDANCE, attendance_sheet, order=20)
register_sheet(T.SHEET_CHECKINS, checkins_sheet, order=30)
register_sheet(T.SHEET_RECORDS, records_sheet, order=40)
