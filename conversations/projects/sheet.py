"""The 项目资金 sheets, for any set of teams: the projects (source, amounts, the council's
decision, money spent in all and in the month) and the month's ledger (every entry)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.council.sheet import month_span
from conversations.council.text import DECISION_LABELS, KIND_LABELS
from services import media
from services.clock import local
from services.export import SheetData, register_teams_sheet
from storage.models import CouncilItem, CouncilMeeting, Member, Project, ProjectEntry, Team

from . import text as T


def _teams(s: Session, team_ids: list[int]) -> tuple[dict[int, Team], str]:
    teams = {t.id: t for t in s.scalars(select(Team).where(Team.id.in_(team_ids)))}
    return teams, next(iter(teams.values())).timezone if teams else "Asia/Shanghai"


def _yuan(fen: int | None) -> float | str:
    return fen / 100 if fen else 0


def projects_sheet(s: Session, team_ids: list[int], month: date) -> SheetData:
    teams, tz = _teams(s, team_ids)
    start, end = month_span(month, tz)
    rows = [p for p in s.scalars(select(Project).where(Project.team_id.in_(team_ids),
                                                       Project.created_at < end)
                                 .order_by(Project.team_id, Project.id))
            if p.completed_at is None or p.completed_at >= start]
    ids = [p.id for p in rows]
    total: dict[int, int] = {}
    this: dict[int, int] = {}
    if ids:
        for e in s.scalars(select(ProjectEntry).where(ProjectEntry.project_id.in_(ids),
                                                      ProjectEntry.kind == "spend",
                                                      ProjectEntry.created_at < end)):
            total[e.project_id] = total.get(e.project_id, 0) + (e.amount_fen or 0)
            if e.created_at >= start:
                this[e.project_id] = this.get(e.project_id, 0) + (e.amount_fen or 0)
    decisions = {i.id: (i, m) for i, m in s.execute(
        select(CouncilItem, CouncilMeeting).join(CouncilMeeting, CouncilMeeting.id == CouncilItem.meeting_id)
        .where(CouncilItem.id.in_([p.decision_id for p in rows if p.decision_id])))} if rows else {}
    owners = {m.id: m.name for m in s.scalars(select(Member).where(
        Member.id.in_({p.owner_id for p in rows})))} if rows else {}
    out = []
    for p in rows:
        d = decisions.get(p.decision_id or 0)
        decided = (f"{local(d[1].scheduled_at, tz):%Y-%m-%d} {KIND_LABELS.get(d[1].kind, d[1].kind)} "
                   f"{DECISION_LABELS.get(d[0].decision or '', '')}") if d else ""
        team = teams.get(p.team_id)
        out.append([team.name if team else "", p.id, p.title, p.fund_source, _yuan(p.amount_fen),
                    _yuan(p.budget_fen), T.STATUS_LABELS.get(p.status, p.status), decided,
                    owners.get(p.owner_id, ""), _yuan(total.get(p.id)), _yuan(this.get(p.id)),
                    _yuan(max(0, p.budget_fen - total.get(p.id, 0))),
                    local(p.started_at, tz).date() if p.started_at else "",
                    local(p.completed_at, tz).date() if p.completed_at else ""])
    return list(T.SHEET_HEADERS), out, list(T.SHEET_WIDTHS)


def ledger_sheet(s: Session, team_ids: list[int], month: date) -> SheetData:
    teams, tz = _teams(s, team_ids)
    start, end = month_span(month, tz)
    rows = s.execute(select(ProjectEntry, Project).join(Project, Project.id == ProjectEntry.project_id)
                     .where(Project.team_id.in_(team_ids), ProjectEntry.created_at >= start,
                            ProjectEntry.created_at < end)
                     .order_by(ProjectEntry.created_at, ProjectEntry.id)).all()
    people = {m.id: m.name for m in s.scalars(select(Member).where(
        Member.id.in_({e.member_id for e, _ in rows if e.member_id})))} if rows else {}
    out = []
    for e, p in rows:
        team = teams.get(p.team_id)
        out.append([team.name if team else "", p.title, local(e.created_at, tz).replace(tzinfo=None),
                    T.ENTRY_LABELS.get(e.kind, e.kind), _yuan(e.amount_fen) if e.amount_fen else "",
                    e.text, T.FUND_LABELS.get(e.status or "", ""), people.get(e.member_id or 0, ""),
                    media.count(e.media, "photo"), media.count(e.media, "voice")])
    return list(T.LEDGER_HEADERS), out, list(T.LEDGER_WIDTHS)


register_teams_sheet(T.SHEET, projects_sheet, order=75)
register_teams_sheet(T.LEDGER, ledger_sheet, order=76)
