"""Half-year and annual work reports (半年/年度工作总结, 述职), drafted by the bot.

Provincial practice asks for the half-year report by 5 July and the annual one by
5 January. Writing them by hand repeats six or twelve months of logs, so, as with the
monthly record (services.monthly), the bot compiles a draft from what it already knows —
days in the village month by month, logs and households visited, the member's tasks
closed and still open, their projects, the council's decisions — and the member reads
it and submits it with one button. A draft is rebuilt each time it is opened; a
submitted report is frozen. The words come from the feature's catalogue (`compose`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.attendance import MonthSummary, month_summary
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.reports import households_count
from services.roles import Role
from storage.models import (
    CouncilItem,
    CouncilMeeting,
    DailyReport,
    LivelihoodTask,
    Member,
    MonthlyRecord,
    Project,
    Team,
    WorkSummary,
)

PERIODS = ("h1", "year")


@dataclass(frozen=True)
class Period:
    year: int
    kind: str  # h1 | year

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.kind == "h1" else date(self.year, 12, 31)

    @property
    def deadline(self) -> date:
        """5 July for the half year, 5 January of the next year for the whole year."""
        return date(self.year, 7, 5) if self.kind == "h1" else date(self.year + 1, 1, 5)

    def months(self, today: date) -> list[tuple[int, int]]:
        last = min(self.end, today)
        return [(self.year, m) for m in range(1, last.month + 1)] if last >= self.start else []


# parsing vocabulary (data): what people call each report
PERIOD_WORDS = {"半年": "h1", "上半年": "h1", "半年总结": "h1", "年度": "year", "全年": "year",
                "年度总结": "year", "年终": "year", "": "year"}
_YEAR = re.compile(r"^(\d{4})\s*(.*)$")


def parse_period(text: str, default: Period) -> Period | None:
    """'' -> `default`; '半年' / '年度' -> that report of the default's year; '2026年度',
    '2025 半年' -> that year's; None if it does not read as a report."""
    t = (text or "").strip()
    if not t:
        return default
    year = default.year
    m = _YEAR.match(t)
    if m:
        year, t = int(m.group(1)), m.group(2).strip()
        if t not in PERIOD_WORDS and t.startswith("年"):
            t = t[1:].strip()
    elif t not in PERIOD_WORDS or not t:
        return None
    kind = PERIOD_WORDS.get(t)
    if kind is None or not 2000 <= year <= 2100:
        return None
    return Period(year, kind)


def default_period(today: date) -> Period:
    """The report due next: June–July the half year, December–January the year ending,
    otherwise the one under way (a draft so far)."""
    if today.month == 1:
        return Period(today.year - 1, "year")
    if today.month <= 7:
        return Period(today.year, "h1")
    return Period(today.year, "year")


@dataclass(frozen=True)
class SummaryFacts:
    name: str
    role: Role
    team_name: str | None
    period: Period
    months: tuple[MonthSummary, ...]
    reports: int
    visits: int
    monthly_submitted: int
    tasks_closed: tuple[str, ...]
    tasks_open: tuple[str, ...]
    projects: tuple[tuple[str, str], ...]  # title, status
    decisions: int  # council decisions recorded in the team over the period


def _utc(d: date, end: bool = False) -> datetime:
    return datetime.combine(d, time.max if end else time.min, tzinfo=UTC)


def facts(s: Session, member: Member, period: Period, today: date,
          settings: Settings | None = None) -> SummaryFacts:
    upto = min(period.end, today)
    months = tuple(month_summary(s, member.id, y, m, today, settings) for y, m in period.months(today))
    reports = list(s.scalars(select(DailyReport).where(
        DailyReport.member_id == member.id, DailyReport.submitted.is_(True),
        DailyReport.report_date.between(period.start, upto))))
    monthly = s.scalar(select(func.count()).select_from(MonthlyRecord).where(
        MonthlyRecord.member_id == member.id, MonthlyRecord.year == period.year,
        MonthlyRecord.month <= period.end.month, MonthlyRecord.status == "submitted")) or 0
    lo, hi = _utc(period.start), _utc(upto, end=True)
    closed = tuple(s.scalars(select(LivelihoodTask.problem).where(
        LivelihoodTask.owner_id == member.id, LivelihoodTask.status == "closed",
        LivelihoodTask.closed_at.between(lo, hi)).order_by(LivelihoodTask.id)))
    still = tuple(s.scalars(select(LivelihoodTask.problem).where(
        LivelihoodTask.owner_id == member.id, LivelihoodTask.status.in_(("open", "checking")))
        .order_by(LivelihoodTask.id)))
    projects = tuple((p.title, p.status) for p in s.scalars(select(Project).where(
        Project.owner_id == member.id, Project.status != "rejected").order_by(Project.id)))
    decisions = 0
    if member.team_id is not None:
        decisions = s.scalar(select(func.count()).select_from(CouncilItem)
                             .join(CouncilMeeting, CouncilMeeting.id == CouncilItem.meeting_id)
                             .where(CouncilItem.team_id == member.team_id,
                                    CouncilItem.decided_at.between(lo, hi))) or 0
    team = s.get(Team, member.team_id) if member.team_id else None
    return SummaryFacts(
        name=member.name, role=Role(member.role), team_name=team.name if team else None,
        period=period, months=months, reports=len(reports),
        visits=sum(households_count(r.households, r.done) or 0 for r in reports),
        monthly_submitted=monthly, tasks_closed=closed, tasks_open=still, projects=projects,
        decisions=decisions)


def get(s: Session, member_id: int, period: Period) -> WorkSummary | None:
    return s.scalar(select(WorkSummary).where(WorkSummary.member_id == member_id,
                                              WorkSummary.year == period.year,
                                              WorkSummary.period == period.kind))


def draft(s: Session, member: Member, period: Period, today: date, now: datetime,
          compose: Callable[[SummaryFacts], str], settings: Settings | None = None) -> WorkSummary:
    """The member's report for the period: a fresh draft, or the submitted one."""
    if period.start > today:
        raise UserError("summaries.ahead")
    rec = get(s, member.id, period)
    if rec is not None and rec.status == "submitted":
        return rec
    body = compose(facts(s, member, period, today, settings))
    if rec is None:
        rec = WorkSummary(member_id=member.id, team_id=member.team_id, year=period.year,
                          period=period.kind, body=body, status="draft", created_at=now,
                          updated_at=now)
        s.add(rec)
    else:
        rec.body, rec.updated_at = body, now
    s.flush()
    return rec


def require_owner(s: Session, summary_id: int, actor: Actor | None) -> WorkSummary:
    rec = s.get(WorkSummary, summary_id)
    if rec is None or actor is None or (actor.kind, actor.id) != ("member", rec.member_id):
        raise PermissionDenied("summaries.not_yours")
    return rec


def submit(s: Session, summary_id: int, actor: Actor | None, now: datetime) -> WorkSummary:
    rec = require_owner(s, summary_id, actor)
    if rec.status == "submitted":
        raise UserError("summaries.submitted", year=rec.year)
    rec.status, rec.submitted_at, rec.updated_at = "submitted", now, now
    return rec


def submitted_by(s: Session, member_ids: list[int], period: Period) -> set[int]:
    if not member_ids:
        return set()
    return set(s.scalars(select(WorkSummary.member_id).where(
        WorkSummary.member_id.in_(member_ids), WorkSummary.year == period.year,
        WorkSummary.period == period.kind, WorkSummary.status == "submitted")))
