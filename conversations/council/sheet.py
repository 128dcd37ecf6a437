"""The 议事会决定 sheet: every decision recorded in the month, for any set of teams (the
team workbook passes one; a county workbook passes all of its teams)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import council
from services.clock import local
from services.dates import month_bounds
from services.export import SheetData, register_teams_sheet
from storage.models import Team

from . import text as T


def month_span(month: date, tz: str) -> tuple[datetime, datetime]:
    """[first day 00:00, next month's first day 00:00) of `month` in `tz`, as aware times."""
    from zoneinfo import ZoneInfo

    first, last = month_bounds(month.year, month.month)
    z = ZoneInfo(tz)
    start = datetime(first.year, first.month, 1, tzinfo=z)
    nxt = date.fromordinal(last.toordinal() + 1)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=z)


def decisions_sheet(s: Session, team_ids: list[int], month: date) -> SheetData:
    teams = {t.id: t for t in s.scalars(select(Team).where(Team.id.in_(team_ids)))}
    tz = next(iter(teams.values())).timezone if teams else "Asia/Shanghai"
    start, end = month_span(month, tz)
    rows = []
    for i, m in council.decisions_in(s, team_ids, start, end):
        team = teams.get(i.team_id)
        rows.append([team.name if team else "", local(m.scheduled_at, tz).replace(tzinfo=None),
                     T.KIND_LABELS.get(m.kind, m.kind), T.SUBJECT_LABELS.get(i.subject_kind, i.subject_kind),
                     i.title, (i.amount_fen or 0) / 100 if i.amount_fen else "", i.info or "",
                     T.DECISION_LABELS.get(i.decision or "", ""),
                     i.votes_for if i.votes_for is not None else "",
                     i.votes_against if i.votes_for is not None else "",
                     i.votes_abstain if i.votes_for is not None else "",
                     local(i.decided_at, tz).replace(tzinfo=None) if i.decided_at else "",
                     m.minutes or ""])
    return list(T.SHEET_HEADERS), rows, list(T.SHEET_WIDTHS)


register_teams_sheet(T.SHEET, decisions_sheet, order=80)
