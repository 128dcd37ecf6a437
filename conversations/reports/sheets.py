"""The 工作日志 sheet of the monthly workbook (services/export.py loads this module)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services import reports as rs
from services.clock import local
from services.export import SheetData, register_sheet
from services.roles import ROLE_LABELS, Role
from storage.models import Team

from . import text as T


def reports_sheet(session: Session, team_id: int, month: date) -> SheetData:
    team = session.get(Team, team_id)
    tz = team.timezone if team else "Asia/Shanghai"
    out = [[r.report_date, m.name, ROLE_LABELS[Role(m.role)], r.done, r.households_count,
            r.households or "", r.problems or "", r.next_steps or "", len(r.photos or []),
            local(r.submitted_at or r.created_at, tz).replace(tzinfo=None),
            local(r.updated_at, tz).replace(tzinfo=None), n_rev, len(r.voices or [])]
           for r, m, n_rev in rs.month_reports(session, team_id, month)]
    return list(T.SHEET_HEADERS), out, [12, 10, 10, 50, 9, 24, 36, 30, 7, 17, 17, 9, 7]


register_sheet(T.SHEET, reports_sheet, order=10)
