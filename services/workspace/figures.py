"""The figures of the workspace pages, computed set-based over a list of teams.

One query per kind of record for all the teams of a page (a county of 1,319 teams and
5,019 members included), never one per person. Days in the village follow the
attendance rules (services/attendance.py): inside check-ins, or submitted logs where
check-in is switched off; leave lowers what is required, monthly and yearly.

Nothing here ranks people or counts time online: each person's figures are set against
their own quota, and teams are listed by name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.attendance import expected_by, quota_for
from services.config import Settings
from services.dates import month_bounds
from services.leave import leave_dates_many, unreturned_many
from services.roles import TEAM_ROLES, Role
from storage.models import (
    CheckIn,
    Complaint,
    DailyReport,
    Member,
    SpotCheck,
    Team,
    Township,
    Village,
)

TEAM_ROLE_VALUES = tuple(r.value for r in TEAM_ROLES)
OPEN_COMPLAINT = ("new", "accepted", "transferred")


def chunks(ids: Sequence[int], n: int = 900) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def year_quota(role: str, settings: Settings) -> int:
    """Days in the village a year: the yearly setting (200) for cadres and first
    secretaries; team leaders, who serve part-time, twelve times their monthly quota."""
    if role == Role.TEAM_LEADER.value:
        return quota_for(role, settings) * 12
    return settings.quota_year_days


@dataclass
class Person:
    id: int
    name: str
    role: str
    team_id: int
    month_days: int = 0
    month_quota: int = 0
    month_leave: Decimal = Decimal(0)
    month_required: int = 0
    month_expected: int = 0
    month_reports: int = 0
    year_days: int = 0
    year_quota: int = 0
    year_leave: Decimal = Decimal(0)
    year_required: int = 0
    year_expected: int = 0
    year_reports: int = 0
    absences: int = 0  # unexcused absences found by spot checks this year

    @property
    def on_pace(self) -> bool:
        return self.month_days >= self.month_expected

    @property
    def year_on_pace(self) -> bool:
        return self.year_days >= self.year_expected


@dataclass(frozen=True)
class Period:
    year: int
    month: int
    today: date

    @property
    def month_range(self) -> tuple[date, date]:
        return month_bounds(self.year, self.month)

    @property
    def year_range(self) -> tuple[date, date]:
        return date(self.year, 1, 1), date(self.year, 12, 31)


def members_of(session: Session, team_ids: Sequence[int], period: Period) -> list[Person]:
    """Active work-team members of these teams serving in the month, by team then name."""
    start, end = period.month_range
    out: list[Person] = []
    for ids in chunks(list(team_ids)):
        q = (select(Member.id, Member.name, Member.role, Member.team_id)
             .where(Member.team_id.in_(ids), Member.active.is_(True),
                    Member.role.in_(TEAM_ROLE_VALUES),
                    (Member.term_start.is_(None)) | (Member.term_start <= end),
                    (Member.term_end.is_(None)) | (Member.term_end >= start)))
        out += [Person(*row) for row in session.execute(q)]
    out.sort(key=lambda p: (p.team_id, p.role != Role.TEAM_LEADER.value, p.name, p.id))
    return out


def _count_days(session: Session, team_ids: Sequence[int], lo: date, mid: date, hi: date,
                settings: Settings) -> dict[int, tuple[int, int]]:
    """Days in the village per member: (in lo..hi, in mid..hi), one aggregate query per
    chunk of teams (the year and the month in one pass)."""
    out: dict[int, tuple[int, int]] = {}
    if settings.checkin_enabled:
        day, member, team = CheckIn.local_date, CheckIn.member_id, CheckIn.team_id
        extra = CheckIn.inside.is_(True)
    else:
        day, member, team = DailyReport.report_date, DailyReport.member_id, DailyReport.team_id
        extra = DailyReport.submitted.is_(True)
    for ids in chunks(list(team_ids)):
        q = (select(member, func.count(func.distinct(day)),
                    func.count(func.distinct(case((day >= mid, day)))))
             .where(team.in_(ids), extra, day.between(lo, hi)).group_by(member))
        out.update({m: (y, mo) for m, y, mo in session.execute(q)})
    return out


def _count_reports(session: Session, team_ids: Sequence[int], lo: date, mid: date,
                   hi: date) -> dict[int, tuple[int, int]]:
    """Submitted logs per member: (in lo..hi, in mid..hi)."""
    out: dict[int, tuple[int, int]] = {}
    for ids in chunks(list(team_ids)):
        q = (select(DailyReport.member_id, func.count(),
                    func.sum(case((DailyReport.report_date >= mid, 1), else_=0)))
             .where(DailyReport.team_id.in_(ids), DailyReport.submitted.is_(True),
                    DailyReport.report_date.between(lo, hi)).group_by(DailyReport.member_id))
        out.update({m: (y, int(mo or 0)) for m, y, mo in session.execute(q)})
    return out


def _absences(session: Session, team_ids: Sequence[int], lo: date, hi: date) -> dict[int, int]:
    out: dict[int, int] = {}
    for ids in chunks(list(team_ids)):
        q = (select(SpotCheck.member_id, func.count())
             .where(SpotCheck.team_id.in_(ids), SpotCheck.result == "absent",
                    SpotCheck.checked_on.between(lo, hi)).group_by(SpotCheck.member_id))
        out.update({mid: n for mid, n in session.execute(q)})
    return out


def people_figures(session: Session, team_ids: Sequence[int], period: Period,
                   settings: Settings) -> list[Person]:
    """Every serving member of these teams with their month and year figures."""
    people = members_of(session, team_ids, period)
    if not people:
        return people
    m_lo, m_hi = period.month_range
    y_lo, y_hi = period.year_range
    # As of the chosen month's end (or today, in the current month): the year from
    # January to then, and the month within it.
    counted = min(m_hi, period.today)
    days = _count_days(session, team_ids, y_lo, m_lo, counted, settings)
    reports = _count_reports(session, team_ids, y_lo, m_lo, counted)
    absences = _absences(session, team_ids, y_lo, y_hi)
    leave = leave_dates_many(session, [p.id for p in people], y_lo, y_hi)
    y_elapsed = max(0, (counted - y_lo).days + (1 if counted < period.today else 0))
    y_len = (y_hi - y_lo).days + 1
    for p in people:
        off = leave.get(p.id, {})  # date -> leave fraction
        p.month_leave = sum((f for d, f in off.items() if m_lo <= d <= m_hi), Decimal(0))
        p.year_leave = sum(off.values(), Decimal(0))
        p.month_quota = quota_for(p.role, settings)
        p.month_required = max(0, math.ceil(Decimal(p.month_quota) - p.month_leave))
        p.month_expected = expected_by(p.month_required, m_lo, m_hi, period.today)
        p.year_quota = year_quota(p.role, settings)
        p.year_required = max(0, math.ceil(Decimal(p.year_quota) - p.year_leave))
        p.year_expected = math.floor(p.year_required * y_elapsed / y_len)
        p.year_days, p.month_days = days.get(p.id, (0, 0))
        p.year_reports, p.month_reports = reports.get(p.id, (0, 0))
        p.absences = absences.get(p.id, 0)
    return people


# -- teams, townships -------------------------------------------------------------------
@dataclass
class TeamRow:
    id: int
    name: str
    village: str
    township_id: int
    township: str
    members: int = 0
    on_pace: int = 0
    behind: int = 0
    year_on_pace: int = 0
    reports: int = 0
    unreturned: int = 0
    complaints_open: int = 0
    complaints_overdue: int = 0
    absences: int = 0


@dataclass
class TownshipRow:
    id: int
    name: str
    teams: list[TeamRow] = field(default_factory=list)

    def total(self, attr: str) -> int:
        return sum(getattr(t, attr) for t in self.teams)


def team_rows(session: Session, team_ids: Sequence[int], period: Period, settings: Settings,
              now: datetime, people: list[Person] | None = None) -> list[TeamRow]:
    """One row per team with the counts a county or township page shows, by township and
    name (never by a score)."""
    rows: dict[int, TeamRow] = {}
    for ids in chunks(list(team_ids)):
        q = (select(Team.id, Team.name, Village.name, Township.id, Township.name)
             .join(Village, Village.id == Team.village_id)
             .join(Township, Township.id == Village.township_id).where(Team.id.in_(ids)))
        for tid, name, village, town_id, town in session.execute(q):
            rows[tid] = TeamRow(tid, name, village, town_id, town)
    people = people if people is not None else people_figures(session, list(rows), period, settings)
    for p in people:
        r = rows.get(p.team_id)
        if r is None:
            continue
        r.members += 1
        r.on_pace += p.on_pace
        r.behind += not p.on_pace
        r.year_on_pace += p.year_on_pace
        r.reports += p.month_reports
        r.absences += p.absences
    for tid, leaves in unreturned_many(session, {tid: period.today for tid in rows}).items():
        rows[tid].unreturned = len(leaves)
    for tid, n_open, n_over in complaint_counts(session, list(rows), now, settings):
        rows[tid].complaints_open, rows[tid].complaints_overdue = n_open, n_over
    return sorted(rows.values(), key=lambda r: (r.township, r.name, r.id))


def complaint_counts(session: Session, team_ids: Sequence[int], now: datetime,
                     settings: Settings) -> list[tuple[int, int, int]]:
    """(team, open complaints, open past their closing deadline) for teams with any."""
    late = now - timedelta(days=settings.complaint_close_days)
    out = []
    for ids in chunks(list(team_ids)):
        q = (select(Complaint.team_id, func.count(),
                    func.sum(case((Complaint.created_at < late, 1), else_=0)))
             .where(Complaint.team_id.in_(ids), Complaint.status.in_(OPEN_COMPLAINT))
             .group_by(Complaint.team_id))
        out += [(tid, n, int(over or 0)) for tid, n, over in session.execute(q)]
    return out


def by_township(teams: list[TeamRow]) -> list[TownshipRow]:
    towns: dict[int, TownshipRow] = {}
    for t in teams:
        towns.setdefault(t.township_id, TownshipRow(t.township_id, t.township)).teams.append(t)
    return sorted(towns.values(), key=lambda r: (r.name, r.id))


# -- one person's calendar ----------------------------------------------------------------
@dataclass(frozen=True)
class DayMark:
    day: date
    in_village: bool
    outside_only: bool
    leave: Decimal
    report: bool
    spot: str | None  # a spot check's result that day


def person_days(session: Session, member_id: int, lo: date, hi: date,
                settings: Settings) -> dict[date, DayMark]:
    """Each day of lo..hi with what the records show (for calendars and the year bars)."""
    inside: set[date] = set()
    outside: set[date] = set()
    for d, ins in session.execute(select(CheckIn.local_date, CheckIn.inside).where(
            CheckIn.member_id == member_id, CheckIn.local_date.between(lo, hi))):
        (inside if ins else outside).add(d)
    reports = set(session.scalars(select(DailyReport.report_date).where(
        DailyReport.member_id == member_id, DailyReport.submitted.is_(True),
        DailyReport.report_date.between(lo, hi))))
    if not settings.checkin_enabled:
        inside = set(reports)
    leave = leave_dates_many(session, [member_id], lo, hi).get(member_id, {})
    spots = {d: r for d, r in session.execute(select(SpotCheck.checked_on, SpotCheck.result).where(
        SpotCheck.member_id == member_id, SpotCheck.checked_on.between(lo, hi)))}
    out = {}
    d = lo
    while d <= hi:
        out[d] = DayMark(d, d in inside, d in outside and d not in inside,
                         leave.get(d, Decimal(0)), d in reports, spots.get(d))
        d += timedelta(days=1)
    return out


def monthly_days(marks: dict[date, DayMark], year: int) -> list[int]:
    """Days in the village in each month of the year (12 numbers)."""
    out = [0] * 12
    for d, m in marks.items():
        if d.year == year and m.in_village:
            out[d.month - 1] += 1
    return out


# -- a year, month by month (the county workbook) -------------------------------------------
@dataclass
class YearGrid:
    """Per member: days in the village, logs and leave days for each month of a year."""

    days: dict[int, list[int]]
    reports: dict[int, list[int]]
    leave: dict[int, list[Decimal]]


def year_grid(session: Session, team_ids: Sequence[int], year: int, upto: date,
              settings: Settings, member_ids: Sequence[int]) -> YearGrid:
    lo, hi = date(year, 1, 1), min(date(year, 12, 31), upto)
    days: dict[int, list[int]] = {}
    reports: dict[int, list[int]] = {}
    for ids in chunks(list(team_ids)):
        if settings.checkin_enabled:
            q = (select(CheckIn.member_id, CheckIn.local_date).distinct()
                 .where(CheckIn.team_id.in_(ids), CheckIn.inside.is_(True),
                        CheckIn.local_date.between(lo, hi)))
            for mid, d in session.execute(q):
                days.setdefault(mid, [0] * 12)[d.month - 1] += 1
        q = (select(DailyReport.member_id, DailyReport.report_date)
             .where(DailyReport.team_id.in_(ids), DailyReport.submitted.is_(True),
                    DailyReport.report_date.between(lo, hi)))
        for mid, d in session.execute(q):
            reports.setdefault(mid, [0] * 12)[d.month - 1] += 1
    if not settings.checkin_enabled:
        days = {mid: list(v) for mid, v in reports.items()}
    leave: dict[int, list[Decimal]] = {}
    for mid, dd in leave_dates_many(session, member_ids, date(year, 1, 1),
                                    date(year, 12, 31)).items():
        row = leave.setdefault(mid, [Decimal(0)] * 12)
        for d, f in dd.items():
            row[d.month - 1] += f
    return YearGrid(days, reports, leave)
