"""驻村工作记实: the monthly work record, drafted by the bot from what is already known.

Many counties want this form by the 28th. Filling it by hand repeats the daily logs, so
the bot compiles a draft from the month's reports, check-ins and leave; the member
reads it and submits with one button. A draft is regenerated each time it is opened
(new reports flow in); a submitted record is frozen and only shown.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.attendance import _fmt, month_bounds, month_summary
from services.config import Settings
from services.dates import month_day
from services.errors import PermissionDenied, UserError
from services.export import register_sheet
from services.reports import households_count
from services.roles import ROLE_LABELS, Role
from storage.models import DailyReport, Member, MonthlyRecord, Team

ITEM_CHARS = 120  # each day's line in the record; the full text stays in the daily log


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= ITEM_CHARS else text[:ITEM_CHARS] + "…"



def compile_body(session: Session, member: Member, year: int, month: int, today: date,
                 settings: Settings | None = None) -> str:
    start, end = month_bounds(year, month)
    sm = month_summary(session, member.id, year, month, today, settings)
    reports = list(session.scalars(select(DailyReport).where(
        DailyReport.member_id == member.id, DailyReport.submitted.is_(True),
        DailyReport.report_date.between(start, end)).order_by(DailyReport.report_date)))
    team = session.get(Team, member.team_id) if member.team_id else None
    visits = sum(households_count(r.households, r.done) or 0 for r in reports)
    lines = [f"驻村工作记实（{year}年{month}月）",
             f"姓名：{member.name}    身份：{ROLE_LABELS[Role(member.role)]}"
             + (f"    工作队：{team.name}" if team else ""),
             "一、在村情况",
             f"  在村 {sm.days_in_village} 天，应在村 {sm.required_days} 天（定额 {sm.quota} 天"
             f"，请假 {_fmt(sm.leave_days)} 天），提交工作日志 {sm.reported_days} 天。"]
    if sm.village_dates:
        lines.append("  在村日期：" + "、".join(month_day(d) for d in sm.village_dates))
    lines.append("二、主要工作")
    lines += [f"  {month_day(r.report_date)}：{_short(r.done)}" for r in reports] or ["  （本月还没有工作日志）"]
    lines.append(f"三、走访农户：共 {visits} 户次")
    problems = [r for r in reports if r.problems]
    lines.append("四、发现的问题")
    lines += [f"  {month_day(r.report_date)}：{_short(r.problems or '')}" for r in problems] or ["  无"]
    lines.append("五、下一步打算")
    latest = next((r for r in reversed(reports) if r.next_steps), None)
    lines.append(f"  {_short(latest.next_steps or '')}" if latest else "  （日志中未填写）")
    lines.append("六、请销假")
    lines.append("  " + ("、".join(f"{month_day(d)}（{_fmt(v)}天）" for d, v in sm.leave_by_date)
                         if sm.leave_by_date else "无"))
    return "\n".join(lines)


def get_record(session: Session, member_id: int, year: int, month: int) -> MonthlyRecord | None:
    return session.scalar(select(MonthlyRecord).where(
        MonthlyRecord.member_id == member_id, MonthlyRecord.year == year,
        MonthlyRecord.month == month))


def draft(session: Session, member: Member, year: int, month: int, today: date, now: datetime,
          settings: Settings | None = None) -> MonthlyRecord:
    """The member's record for the month: a fresh draft, or the submitted one unchanged."""
    if date(year, month, 1) > today:
        raise UserError("还没到这个月，不能生成工作记实。发送 /monthly 查看本月的。")
    rec = get_record(session, member.id, year, month)
    if rec is not None and rec.status == "submitted":
        return rec
    body = compile_body(session, member, year, month, today, settings)
    if rec is None:
        rec = MonthlyRecord(member_id=member.id, team_id=member.team_id, year=year, month=month,
                            body=body, status="draft", created_at=now, updated_at=now)
        session.add(rec)
    else:
        rec.body, rec.updated_at = body, now
    session.flush()
    return rec


def submit(session: Session, record_id: int, member_id: int, now: datetime) -> MonthlyRecord:
    rec = session.get(MonthlyRecord, record_id)
    if rec is None or rec.member_id != member_id:
        raise PermissionDenied("这份工作记实不是您的，不能提交。发送 /monthly 查看您自己的。")
    if rec.status == "submitted":
        raise UserError(f"{rec.year}年{rec.month}月的工作记实已经提交过了，不用再提交。")
    rec.status, rec.submitted_at, rec.updated_at = "submitted", now, now
    return rec


def _records_sheet(session: Session, team_id: int, month: date):  # type: ignore[no-untyped-def]
    """The submitted (or latest draft) record of each member; drafts are marked."""
    from services.clock import local

    team = session.get(Team, team_id)
    tz = team.timezone if team else "Asia/Shanghai"
    rows = session.execute(
        select(MonthlyRecord, Member).join(Member, Member.id == MonthlyRecord.member_id)
        .where(MonthlyRecord.team_id == team_id, MonthlyRecord.year == month.year,
               MonthlyRecord.month == month.month).order_by(Member.id)).all()
    out = [[m.name, ROLE_LABELS[Role(m.role)], "已提交" if r.status == "submitted" else "草稿",
            local(r.submitted_at, tz).replace(tzinfo=None) if r.submitted_at else None, r.body]
           for r, m in rows]
    return ["姓名", "身份", "状态", "提交时间", "工作记实"], out, [10, 12, 8, 17, 90]


register_sheet("驻村工作记实", _records_sheet, order=40)
