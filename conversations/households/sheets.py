"""Sheets of the team workbook (registered with services.export) and, for the county
workbook of issue #13, the same sheets over a list of teams or a county.

Every function takes team ids, so one query serves one team or a whole county:
  households_sheet(s, team_ids, month)             农户走访
  cases_sheet(s, team_ids, month, with_words=...)  防返贫监测
  confirmations_sheet(s, team_ids, month)          群众监督员确认
  county_sheets(s, county_id, month)               all three for a county's teams
The team workbook shows the villager's own words in 防返贫监测 (the team reads them in
chat too); the county workbook does not (`with_words=False`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.clock import local_stamp
from services.dates import month_bounds
from services.export import SheetData, register_sheet
from storage.models import (
    CaseEvent,
    Household,
    Member,
    MonitoringCase,
    Team,
    Township,
    Village,
    Villager,
    Visit,
    VisitConfirmation,
)

from . import text as T
from .render import who

TZ = "Asia/Shanghai"


def _villages(s: Session, team_ids: Sequence[int]) -> dict[int, str]:
    """village id -> name, for the teams' villages."""
    return dict(s.execute(select(Village.id, Village.name).join(Team, Team.village_id == Village.id)
                          .where(Team.id.in_(list(team_ids)))).all())


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(s.execute(select(Member.id, Member.name).where(Member.id.in_(sorted(ids)))).all())


def households_sheet(s: Session, team_ids: Sequence[int], month: date) -> SheetData:
    first, last = month_bounds(month.year, month.month)
    villages = _villages(s, team_ids)
    homes = list(s.scalars(select(Household).where(Household.village_id.in_(list(villages)),
                                                   Household.active.is_(True))
                           .order_by(Household.village_id, Household.grid, Household.head_name)))
    visits: dict[int, list[tuple[date, int]]] = defaultdict(list)
    if homes:
        for hid, day, mid in s.execute(select(Visit.household_id, Visit.visited_on, Visit.member_id)
                                       .where(Visit.household_id.in_([h.id for h in homes]),
                                              Visit.visited_on.between(first, last))
                                       .order_by(Visit.visited_on)):
            visits[hid].append((day, mid))
    names = _names(s, {h.contact_member_id for h in homes if h.contact_member_id}
                   | {mid for vs in visits.values() for _, mid in vs})
    rows: list[list[Any]] = []
    for h in homes:
        vs = visits.get(h.id, [])
        rows.append([villages.get(h.village_id, ""), h.head_name, h.category, h.grid or "",
                     h.size if h.size is not None else "", h.members or "",
                     names.get(h.contact_member_id or 0, ""), h.phone or "", len(vs),
                     "；".join(f"{d:%m-%d} {names.get(m, '')}" for d, m in vs),
                     h.last_visited_on or ""])
    return list(T.SHEET_HOUSEHOLDS_HEADERS), rows, [8, 10, 10, 10, 6, 20, 10, 14, 8, 40, 12]


def cases_sheet(s: Session, team_ids: Sequence[int], month: date, *,
                with_words: bool) -> SheetData:
    first, last = month_bounds(month.year, month.month)
    villages = _villages(s, team_ids)
    start = datetime.combine(first, time.min, tzinfo=ZoneInfo(TZ))
    cases = [c for c in s.scalars(select(MonitoringCase).where(
        MonitoringCase.village_id.in_(list(villages)), MonitoringCase.opened_on <= last)
        .order_by(MonitoringCase.id)) if c.closed_at is None or c.closed_at >= start]
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    if cases:
        for ev in s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases]))
                            .order_by(CaseEvent.at, CaseEvent.id)):
            if with_words or not ev.actor.startswith("villager:"):
                events[ev.case_id].append(ev)
    hh = dict(s.execute(select(Household.id, Household.head_name).where(
        Household.id.in_([c.household_id for c in cases if c.household_id]))).all())
    ap = dict(s.execute(select(Villager.id, Villager.name).where(
        Villager.id.in_([c.applicant_villager_id for c in cases if c.applicant_villager_id])))
        .all())
    rows: list[list[Any]] = []
    for c in cases:
        trail = "\n".join(
            f"{local_stamp(ev.at, TZ)} {T.STAGE_LABELS.get(ev.stage, '')} "
            f"{T.ACTION_LABELS.get(ev.action, ev.action)}" + (f"：{ev.note}" if ev.note else "")
            for ev in events.get(c.id, []))
        rows.append([villages.get(c.village_id, ""), c.id, who(c, hh, ap),
                     T.SOURCE_LABELS[c.source], c.opened_on, c.due_on, T.STAGE_LABELS[c.stage],
                     T.OUTCOME_LABELS.get(c.outcome or "", ""), c.outcome_reason or "", trail,
                     (c.request_text or "") if with_words
                     else (T.WORDS_HIDDEN if c.request_text else "")])
    return list(T.SHEET_CASES_HEADERS), rows, [8, 6, 12, 12, 12, 12, 12, 10, 20, 60, 30]


def confirmations_sheet(s: Session, team_ids: Sequence[int], month: date) -> SheetData:
    first, last = month_bounds(month.year, month.month)
    rows_db = s.execute(select(VisitConfirmation, Member.name).join(
        Member, Member.id == VisitConfirmation.member_id).where(
        VisitConfirmation.team_id.in_(list(team_ids)),
        VisitConfirmation.local_date.between(first, last)).order_by(
        VisitConfirmation.local_date, VisitConfirmation.id)).all()
    overseers = dict(s.execute(select(Villager.id, Villager.name).where(Villager.id.in_(
        [c.overseer_villager_id for c, _ in rows_db if c.overseer_villager_id]))).all())
    rows = [[c.local_date, name, T.CONFIRM_STATUS[c.status],
             overseers.get(c.overseer_villager_id or 0, ""), c.work or "", c.reason or ""]
            for c, name in rows_db]
    return list(T.SHEET_CONFIRM_HEADERS), rows, [12, 10, 14, 10, 30, 30]


def county_team_ids(s: Session, county_id: int) -> list[int]:
    return list(s.scalars(select(Team.id).join(Village, Village.id == Team.village_id)
                          .join(Township, Township.id == Village.township_id)
                          .where(Township.county_id == county_id).order_by(Team.id)))


def county_sheets(s: Session, county_id: int, month: date) -> list[tuple[str, SheetData]]:
    """The three sheets for every team of a county (the villager's words left out)."""
    ids = county_team_ids(s, county_id)
    return [(T.SHEET_HOUSEHOLDS, households_sheet(s, ids, month)),
            (T.SHEET_CASES, cases_sheet(s, ids, month, with_words=False)),
            (T.SHEET_CONFIRM, confirmations_sheet(s, ids, month))]


register_sheet(T.SHEET_HOUSEHOLDS, lambda s, tid, m: households_sheet(s, [tid], m), order=50)
register_sheet(T.SHEET_CASES, lambda s, tid, m: cases_sheet(s, [tid], m, with_words=True),
               order=51)
register_sheet(T.SHEET_CONFIRM, lambda s, tid, m: confirmations_sheet(s, [tid], m), order=52)
