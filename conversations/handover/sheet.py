"""The 交接表 sheet: every handover of these teams open at some time in the month, one row
per item handed over (a sheet without items still gets one row), for any set of teams."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.council.sheet import month_span
from services import handover
from services.clock import local
from services.export import SheetData, register_teams_sheet
from storage.models import Member, Team

from . import text as T


def handover_sheet(s: Session, team_ids: list[int], month: date) -> SheetData:
    teams = {t.id: t for t in s.scalars(select(Team).where(Team.id.in_(team_ids)))}
    tz = next(iter(teams.values())).timezone if teams else "Asia/Shanghai"
    start, end = month_span(month, tz)
    sheets = handover.sheets_of(s, team_ids, start, end)
    people = {m.id: m.name for m in s.scalars(select(Member).where(Member.id.in_(
        {h.member_id for h, _, _ in sheets} | {sh.successor_id for _, sh, _ in sheets if sh.successor_id}
        | {sh.approver_id for _, sh, _ in sheets if sh.approver_id})))} if sheets else {}
    titles = {src.kind: src.title for src in handover.sources()}
    titles[handover.FILE] = T.FILE_TITLE

    def day(dt):  # type: ignore[no-untyped-def]
        return local(dt, tz).date() if dt else ""

    out = []
    for h, sh, items in sheets:
        team = teams.get(h.team_id or 0)
        head = [team.name if team else "", people.get(h.member_id, ""), h.term_end,
                people.get(sh.successor_id or 0, "")]
        tail = [day(sh.out_signed_at), day(sh.in_signed_at), day(sh.approved_at),
                people.get(sh.approver_id or 0, ""), day(h.closed_at), h.override_reason or ""]
        for i in items or [None]:
            if i is None:
                out.append([*head, "", "", "", *tail])
            else:
                out.append([*head, titles.get(i.kind, T.OTHER_TITLE), i.label, day(i.confirmed_at), *tail])
    return list(T.SHEET_HEADERS), out, list(T.SHEET_WIDTHS)


register_teams_sheet(T.SHEET, handover_sheet, order=85)
