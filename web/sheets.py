"""The county workbook's own sheets (registered with services.workspace.workbook when
imported) and the assessment sheets' export. Words in web/text.py."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.config import Settings
from services.dates import month_bounds
from services.export import SheetData
from services.roles import ROLE_LABELS, Role
from services.workspace import assessment, figures
from services.workspace.figures import Period, chunks
from services.workspace.workbook import register_county_sheet
from storage.models import County, Member, SpotCheck, Team, Township, Village
from web import text as T


def places(session: Session, team_ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
    """team id -> (county, township, village, team) names."""
    out = {}
    for ids in chunks(list(team_ids)):
        q = (select(Team.id, County.name, Township.name, Village.name, Team.name)
             .join(Village, Village.id == Team.village_id)
             .join(Township, Township.id == Village.township_id)
             .join(County, County.id == Township.county_id).where(Team.id.in_(ids)))
        out.update({tid: (c, t, v, n) for tid, c, t, v, n in session.execute(q)})
    return out


def _num(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _people(session: Session, team_ids: Sequence[int], month: date, settings: Settings):  # type: ignore[no-untyped-def]
    _, last = month_bounds(month.year, month.month)
    period = Period(month.year, month.month, last)
    people = figures.people_figures(session, team_ids, period, settings)
    return period, people


def month_rows(session: Session, team_ids: Sequence[int], month: date,
               settings: Settings) -> SheetData:
    """One row per person per month, January to the chosen month."""
    where = places(session, team_ids)
    _, people = _people(session, team_ids, month, settings)
    grid = figures.year_grid(session, team_ids, month.year, month_bounds(month.year, month.month)[1],
                             settings, [p.id for p in people])
    rows: list[list[Any]] = []
    from services.attendance import quota_for

    for p in people:
        quota = quota_for(p.role, settings)
        for m in range(1, month.month + 1):
            days = grid.days.get(p.id, [0] * 12)[m - 1]
            leave = grid.leave.get(p.id, [Decimal(0)] * 12)[m - 1]
            required = max(0, math.ceil(Decimal(quota) - leave))
            rows.append([*where[p.team_id], p.name, ROLE_LABELS[Role(p.role)],
                         f"{month.year}-{m:02d}", days, quota, _num(leave), required,
                         grid.reports.get(p.id, [0] * 12)[m - 1],
                         T.YES if days >= required else T.NO])
    return T.MONTH_HEADERS, rows, [10, 10, 10, 18, 10, 10, 9, 8, 8, 8, 9, 8, 8]


def year_rows(session: Session, team_ids: Sequence[int], month: date,
              settings: Settings) -> SheetData:
    """One row per person, the twelve months as columns, the year's totals at the end."""
    where = places(session, team_ids)
    _, people = _people(session, team_ids, month, settings)
    grid = figures.year_grid(session, team_ids, month.year, month_bounds(month.year, month.month)[1],
                             settings, [p.id for p in people])
    rows = []
    for p in people:
        days = grid.days.get(p.id, [0] * 12)
        rows.append([*where[p.team_id], p.name, ROLE_LABELS[Role(p.role)], *days, sum(days),
                     p.year_quota, _num(p.year_leave), p.year_required,
                     sum(grid.reports.get(p.id, [0] * 12)), p.absences])
    return T.YEAR_HEADERS, rows, [10, 10, 10, 18, 10, 10, *([5] * 12), 8, 8, 8, 9, 8, 10]


def spot_rows(session: Session, team_ids: Sequence[int], month: date,
              settings: Settings) -> SheetData:
    where = places(session, team_ids)
    rows = []
    for ids in chunks(list(team_ids)):
        q = (select(SpotCheck, Member.name).join(Member, Member.id == SpotCheck.member_id)
             .where(SpotCheck.team_id.in_(ids), SpotCheck.checked_on.between(
                 date(month.year, 1, 1), date(month.year, 12, 31))))
        for c, name in session.execute(q):
            county, town, _, team = where[c.team_id]
            rows.append([county, town, team, name, c.checked_on, c.checker,
                         T.RESULTS.get(c.result, c.result), c.note or ""])
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[4]))
    return T.SPOT_HEADERS, rows, [10, 10, 18, 10, 12, 20, 16, 40]


register_county_sheet(T.SHEET_MONTHS, month_rows, order=10)
register_county_sheet(T.SHEET_YEAR, year_rows, order=20)
register_county_sheet(T.SHEET_SPOT, spot_rows, order=30)


def assessment_rows(session: Session, team_ids: Sequence[int], year: int, period: str,
                    today: date, settings: Settings) -> SheetData:
    """One row per cadre: what the records show beside the marks people entered."""
    where = places(session, team_ids)
    end = min(today, date(year, 12, 31))
    people = figures.members_of(session, team_ids, Period(year, end.month, end))
    rows = []
    for p in people:
        member = session.get(Member, p.id)
        f = assessment.facts(session, member, year, period, today, settings)  # type: ignore[arg-type]
        sheet = assessment.get_sheet(session, p.id, year, period)
        marks = sheet.marks if sheet else {}
        county, town, _, team = where[p.team_id]
        sat = "、".join(f"{T.SATISFACTION.get(k, k)}{n}" for k, n in sorted(f.satisfaction.items()))
        rows.append([county, town, team, p.name, ROLE_LABELS[Role(p.role)], T.PERIODS[period],
                     f.days_in_village, f.required, f.logs, f.months_with_logs, f.spot_total,
                     f.spot_absent, f.complaints, f.complaints_closed, sat,
                     T.HANDOVER[f.handover], *(marks.get(k) for k in T.PARTS),
                     sheet.total if sheet else None, *(marks.get(k) for k in T.PARTIES),
                     sheet.rating if sheet else None, sheet.comment if sheet else None])
    widths = [10, 10, 18, 10, 10, 12, 8, 8, 8, 8, 8, 8, 8, 8, 14, 10, 10, 10, 10, 10,
              10, 10, 10, 10, 8, 30]
    return T.ASSESS_HEADERS, rows, widths
