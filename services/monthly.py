"""驻村工作记实: the monthly work record, drafted by the bot from what is already known.

Many counties want this form by the 28th. Filling it by hand repeats the daily logs, so
the bot compiles a draft from the month's reports, check-ins and leave; the member
reads it and submits with one button. A draft is regenerated each time it is opened
(new reports flow in); a submitted record is frozen and only shown. The record's words
come from the feature's catalogue (`compose`), the facts from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.attendance import MonthSummary, month_bounds, month_summary
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.reports import households_count
from services.roles import Role
from storage.models import DailyReport, Member, MonthlyRecord, Team


@dataclass(frozen=True)
class MonthFacts:
    """What a member's month consists of: the input of the record's text."""

    name: str
    role: Role
    team_name: str | None
    year: int
    month: int
    summary: MonthSummary
    reports: tuple[DailyReport, ...]  # submitted, by date
    visits: int  # households visited, summed over the reports


def month_facts(session: Session, member: Member, year: int, month: int, today: date,
                settings: Settings | None = None) -> MonthFacts:
    start, end = month_bounds(year, month)
    reports = tuple(session.scalars(select(DailyReport).where(
        DailyReport.member_id == member.id, DailyReport.submitted.is_(True),
        DailyReport.report_date.between(start, end)).order_by(DailyReport.report_date)))
    team = session.get(Team, member.team_id) if member.team_id else None
    return MonthFacts(
        name=member.name, role=Role(member.role), team_name=team.name if team else None,
        year=year, month=month,
        summary=month_summary(session, member.id, year, month, today, settings),
        reports=reports, visits=sum(households_count(r.households, r.done) or 0 for r in reports))


def get_record(session: Session, member_id: int, year: int, month: int) -> MonthlyRecord | None:
    return session.scalar(select(MonthlyRecord).where(
        MonthlyRecord.member_id == member_id, MonthlyRecord.year == year,
        MonthlyRecord.month == month))


def draft(session: Session, member: Member, year: int, month: int, today: date, now: datetime,
          compose: Callable[[MonthFacts], str], settings: Settings | None = None) -> MonthlyRecord:
    """The member's record for the month: a fresh draft, or the submitted one unchanged."""
    if date(year, month, 1) > today:
        raise UserError("attendance.monthly_ahead")
    rec = get_record(session, member.id, year, month)
    if rec is not None and rec.status == "submitted":
        return rec
    body = compose(month_facts(session, member, year, month, today, settings))
    if rec is None:
        rec = MonthlyRecord(member_id=member.id, team_id=member.team_id, year=year, month=month,
                            body=body, status="draft", created_at=now, updated_at=now)
        session.add(rec)
    else:
        rec.body, rec.updated_at = body, now
    session.flush()
    return rec


def require_owner(session: Session, record_id: int, actor: Actor | None) -> MonthlyRecord:
    """The record, if it is the actor's own: compared on (kind, id), so a villager whose
    id equals a member's is not that member."""
    rec = session.get(MonthlyRecord, record_id)
    if rec is None or actor is None or (actor.kind, actor.id) != ("member", rec.member_id):
        raise PermissionDenied("attendance.monthly_not_yours")
    return rec


def submit(session: Session, record_id: int, actor: Actor | None, now: datetime) -> MonthlyRecord:
    rec = require_owner(session, record_id, actor)
    if rec.status == "submitted":
        raise UserError("attendance.monthly_submitted", year=rec.year, month=rec.month)
    rec.status, rec.submitted_at, rec.updated_at = "submitted", now, now
    return rec


def team_records(session: Session, team_id: int, year: int,
                 month: int) -> list[tuple[MonthlyRecord, Member]]:
    """Each member's record of the month (submitted or the latest draft), for the workbook."""
    rows = session.execute(
        select(MonthlyRecord, Member).join(Member, Member.id == MonthlyRecord.member_id)
        .where(MonthlyRecord.team_id == team_id, MonthlyRecord.year == year,
               MonthlyRecord.month == month).order_by(Member.id)).all()
    return [(r, m) for r, m in rows]
