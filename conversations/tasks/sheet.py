"""The 民生任务 sheet: the task list as it stood in the month, for any set of teams —
every task created by the month's end and not closed before it began, with the month's
progress and the latest."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.council.sheet import month_span
from services import media
from services.clock import local
from services.export import SheetData, register_teams_sheet
from storage.models import LivelihoodTask, Member, TaskUpdate, Team

from . import text as T


def tasks_sheet(s: Session, team_ids: list[int], month: date) -> SheetData:
    teams = {t.id: t for t in s.scalars(select(Team).where(Team.id.in_(team_ids)))}
    tz = next(iter(teams.values())).timezone if teams else "Asia/Shanghai"
    start, end = month_span(month, tz)
    rows = list(s.scalars(select(LivelihoodTask).where(
        LivelihoodTask.team_id.in_(team_ids), LivelihoodTask.created_at < end)
        .order_by(LivelihoodTask.team_id, LivelihoodTask.id)))
    rows = [t for t in rows if t.closed_at is None or t.closed_at >= start]
    ids = [t.id for t in rows]
    ups: dict[int, list[TaskUpdate]] = {}
    if ids:
        for u in s.scalars(select(TaskUpdate).where(TaskUpdate.task_id.in_(ids)).order_by(TaskUpdate.id)):
            ups.setdefault(u.task_id, []).append(u)
    people = {m.id: m.name for m in s.scalars(select(Member).where(Member.id.in_(
        {t.owner_id for t in rows} | {t.closed_by_id for t in rows if t.closed_by_id})))} if rows else {}
    out = []
    for t in rows:
        history = ups.get(t.id, [])
        this = [u.text for u in history if u.month == month.replace(day=1)]
        last = history[-1].text if history else ""
        evidence = media.count(t.done_media, "photo") + media.count(t.done_media, "voice")
        team = teams.get(t.team_id)
        out.append([team.name if team else "", t.id, T.CATEGORY_LABELS.get(t.category, t.category),
                    t.problem, people.get(t.owner_id, ""), T.month_label(t.due_month),
                    T.STATUS_LABELS.get(t.status, t.status), T.COUNCIL_LABELS.get(t.council or "", ""),
                    "\n".join(this), last, t.done_note or "", evidence or "",
                    local(t.closed_at, tz).date() if t.closed_at else "",
                    people.get(t.closed_by_id or 0, "")])
    return list(T.SHEET_HEADERS), out, list(T.SHEET_WIDTHS)


register_teams_sheet(T.SHEET, tasks_sheet, order=70)
