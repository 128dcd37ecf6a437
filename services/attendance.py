"""Village check-in and monthly attendance against the quota (到村考勤).

Decisions (covered by tests/test_attendance_service.py):
* a check-in is a shared location, dated in the team's time zone (23:59 and 00:01
  Beijing time are different days even though both are the same UTC date);
* inside the fence (distance <= Village.fence_radius_m) counts; outside is recorded
  too, marked out-of-village, and never counts; any number of check-ins a day count
  as one day; a location within `checkin_repeat_seconds` of the last one is the same
  check-in and is not stored twice;
* quota per role from Settings; approved leave days (leave contract) lower the
  requirement: required = ceil(quota - leave), floor 0, so a half day of leave alone
  does not lower it but two half days lower it by one;
* with check-in switched off (`checkin_enabled=False`) the days with a submitted daily
  report count as days in the village: the report is the self-declared record that
  counties used on paper, and nobody is forced to share a location;
* `behind` compares with the pace, not the total: in the current month a member is
  behind when days_in_village < floor(required * days_before_today / days_in_month),
  so nobody is flagged on the 2nd of the month; a past month compares with the full requirement.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.clock import local
from services.config import Settings, get_settings
from services.dates import month_bounds
from services.errors import NotFound, UserError
from services.geo import haversine_m, valid_coordinates
from services.leave import leave_dates
from services.roles import TEAM_ROLES, Role
from storage.models import CheckIn, DailyReport, Member, Team

# Days in the village that are not check-ins, from other features (a day confirmed by a
# village's 群众监督员): fn(session, member_ids, start, end) -> {member_id: {dates}}.
VillageDaySource = Callable[[Session, list[int], date, date], dict[int, set[date]]]
VILLAGE_DAY_SOURCES: list[VillageDaySource] = []


def add_village_day_source(fn: VillageDaySource) -> None:
    if fn not in VILLAGE_DAY_SOURCES:
        VILLAGE_DAY_SOURCES.append(fn)


def extra_village_days(session: Session, member_ids: list[int], start: date,
                       end: date) -> dict[int, set[date]]:
    out: dict[int, set[date]] = {}
    for fn in VILLAGE_DAY_SOURCES:
        for mid, days in fn(session, member_ids, start, end).items():
            out.setdefault(mid, set()).update(days)
    return out


@dataclass(frozen=True)
class MonthSummary:
    days_in_village: int
    quota: int
    leave_days: Decimal
    reported_days: int
    required_days: int
    behind: bool
    # Extras for display; not part of the cross-feature contract.
    year: int = 0
    month: int = 0
    expected_by_now: int = 0
    village_dates: tuple[date, ...] = ()
    leave_by_date: tuple[tuple[date, Decimal], ...] = ()

    @property
    def met(self) -> bool:
        return self.days_in_village >= self.required_days


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    inside: bool
    distance_m: float
    radius_m: int
    repeated: bool = False  # same check-in sent twice within a short time
    first_today: bool = True  # first counted (inside) check-in of the day


def quota_for(role: str, settings: Settings | None = None) -> int:
    s = settings or get_settings()
    return {Role.CADRE.value: s.quota_cadre_days,
            Role.FIRST_SECRETARY.value: s.quota_first_secretary_days,
            Role.TEAM_LEADER.value: s.quota_team_leader_days}.get(role, 0)


def leave_dates_for(session: Session, member_id: int, start: date, end: date) -> dict[date, Decimal]:
    """Days on approved or taken leave (1 or 0.5), through the leave feature's contract."""
    return leave_dates(session, member_id, start, end)


# -- check-in ---------------------------------------------------------------------------
def record_checkin(session: Session, member: Member, lat: float, lon: float, now: datetime,
                   settings: Settings | None = None) -> CheckInResult:
    s = settings or get_settings()
    if not s.checkin_enabled:
        raise UserError("attendance.checkin_off")
    if not valid_coordinates(lat, lon):
        raise UserError("attendance.bad_coordinates")
    team = session.get(Team, member.team_id) if member.team_id else None
    if team is None:
        raise UserError("attendance.no_team")
    village = team.village
    if village.latitude is None or village.longitude is None:
        raise UserError("attendance.village_unset", village=village.name)
    distance = haversine_m(lat, lon, village.latitude, village.longitude)
    radius = village.fence_radius_m or 2000
    inside = distance <= radius
    last = session.scalar(select(CheckIn).where(CheckIn.member_id == member.id)
                          .order_by(CheckIn.checked_at.desc()).limit(1))
    if last is not None and now - last.checked_at < timedelta(seconds=s.checkin_repeat_seconds) \
            and last.inside == inside:
        return CheckInResult(last, last.inside, last.distance_m or 0.0, radius, repeated=True,
                             first_today=False)
    day = local(now, team.timezone).date()
    first = inside and session.scalar(select(CheckIn.id).where(
        CheckIn.member_id == member.id, CheckIn.local_date == day, CheckIn.inside.is_(True))
        .limit(1)) is None
    row = CheckIn(member_id=member.id, team_id=team.id, village_id=village.id, checked_at=now,
                  local_date=day, latitude=lat, longitude=lon, distance_m=round(distance, 1),
                  inside=inside)
    session.add(row)
    session.flush()
    return CheckInResult(row, inside, distance, radius, first_today=first)


def checkins_on(session: Session, member_id: int, day: date) -> list[CheckIn]:
    return list(session.scalars(select(CheckIn).where(
        CheckIn.member_id == member_id, CheckIn.local_date == day).order_by(CheckIn.checked_at)))


# -- monthly summary --------------------------------------------------------------------
def expected_by(required: int, start: date, end: date, today: date) -> int:
    """Days in the village a member should have by `today` at an even pace.

    Shared with the leaders' digest, which computes it for a whole prefecture at once.
    """
    if today < start:
        elapsed = 0
    elif today > end:
        elapsed = end.day
    else:
        elapsed = today.day - 1  # today is not over: a cadre may still arrive
    return math.floor(required * elapsed / end.day)


def month_summary(session: Session, member_id: int, year: int, month: int, today: date,
                  settings: Settings | None = None) -> MonthSummary:
    s = settings or get_settings()
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("attendance.no_member")
    start, end = month_bounds(year, month)
    counted_end = min(end, today)
    reported = set(session.scalars(select(DailyReport.report_date).where(
        DailyReport.member_id == member_id, DailyReport.submitted.is_(True),
        DailyReport.report_date.between(start, counted_end))))
    if s.checkin_enabled:
        village = set(session.scalars(select(CheckIn.local_date).where(
            CheckIn.member_id == member_id, CheckIn.inside.is_(True),
            CheckIn.local_date.between(start, counted_end))))
    else:
        village = set(reported)
    village |= extra_village_days(session, [member_id], start, counted_end).get(member_id, set())
    leave = leave_dates_for(session, member_id, start, end)
    leave_total = sum(leave.values(), Decimal(0))
    quota = quota_for(member.role, s)
    required = max(0, math.ceil(Decimal(quota) - leave_total))
    expected = expected_by(required, start, end, today)
    return MonthSummary(
        days_in_village=len(village), quota=quota, leave_days=leave_total,
        reported_days=len(reported), required_days=required,
        behind=len(village) < expected, year=year, month=month, expected_by_now=expected,
        village_dates=tuple(sorted(village)), leave_by_date=tuple(sorted(leave.items())))


def team_summaries(session: Session, team_id: int, year: int, month: int, today: date,
                   settings: Settings | None = None) -> list[tuple[Member, MonthSummary]]:
    from services.reports import team_members

    start, end = month_bounds(year, month)
    members = [m for m in team_members(session, team_id)
               if m.role in {r.value for r in TEAM_ROLES}
               and (m.term_start is None or m.term_start <= end)
               and (m.term_end is None or m.term_end >= start)]
    return [(m, month_summary(session, m.id, year, month, today, settings)) for m in members]


def behind_quota(session: Session, team_id: int, today: date,
                 settings: Settings | None = None) -> list[tuple[Member, MonthSummary]]:
    """Team members behind the pace of their monthly quota (see `behind` above)."""
    return [(m, sm) for m, sm in team_summaries(session, team_id, today.year, today.month,
                                                 today, settings) if sm.behind]


# -- the monthly workbook ---------------------------------------------------------------
@dataclass(frozen=True)
class MemberMonth:
    """One member's month for the attendance sheet: the summary and the other marks."""

    member: Member
    summary: MonthSummary
    outside: frozenset[date]  # days with only out-of-village check-ins recorded
    reported: frozenset[date]  # days with a submitted daily report


def team_month(session: Session, team_id: int, month: date,
               settings: Settings | None = None) -> list[MemberMonth]:
    start, end = month_bounds(month.year, month.month)
    out = []
    for m, sm in team_summaries(session, team_id, month.year, month.month, end,
                                settings or get_settings()):
        outside = frozenset(session.scalars(select(CheckIn.local_date).where(
            CheckIn.member_id == m.id, CheckIn.inside.is_(False),
            CheckIn.local_date.between(start, end))))
        reported = frozenset(session.scalars(select(DailyReport.report_date).where(
            DailyReport.member_id == m.id, DailyReport.submitted.is_(True),
            DailyReport.report_date.between(start, end))))
        out.append(MemberMonth(m, sm, outside, reported))
    return out


def team_checkins(session: Session, team_id: int, month: date) -> list[tuple[CheckIn, Member]]:
    start, end = month_bounds(month.year, month.month)
    rows = session.execute(
        select(CheckIn, Member).join(Member, Member.id == CheckIn.member_id)
        .where(CheckIn.team_id == team_id, CheckIn.local_date.between(start, end))
        .order_by(CheckIn.checked_at)).all()
    return [(c, m) for c, m in rows]
