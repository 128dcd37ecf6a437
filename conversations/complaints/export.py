"""Monthly complaint export (Excel): details, handling record, and a satisfaction summary.

Anonymous authors are blank in every sheet (the author comes from
services.complaints.author, None when anonymous); the summary gives per village and team
the counts by status and category and the satisfaction rate (群众满意度, a core
assessment measure): (满意 + 基本满意) / rated tickets. Headers are in text.py.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.complaints import text as T
from services import complaints as svc
from services.clock import local_stamp
from services.dates import month_bounds
from storage.models import Complaint, ComplaintEvent, Team, Village


def month_complaints(session: Session, year: int, month: int,
                     county_id: int | None = None) -> list[Complaint]:
    first, last = month_bounds(year, month)
    q = select(Complaint).where(Complaint.day >= first, Complaint.day <= last)
    if county_id is not None:
        q = q.where(Complaint.county_id == county_id)
    return list(session.scalars(q.order_by(Complaint.day, Complaint.seq)))


def satisfaction(ratings: Counter[str]) -> float | None:
    rated = sum(ratings.values())
    return None if not rated else (ratings["good"] + ratings["ok"]) / rated


def _sheet(wb: Workbook, title: str, headers: list[tuple[str, int]], first: bool = False):  # type: ignore[no-untyped-def]
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append([h for h, _ in headers])
    for i, (_, width) in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
        ws.cell(1, i).font = Font(bold=True)
    ws.freeze_panes = "A2"
    return ws


def export_month(session: Session, *, year: int, month: int, tz: str, out_path: Path,
                 county_id: int | None = None) -> tuple[Path, int]:
    rows = month_complaints(session, year, month, county_id)

    wb = Workbook()
    detail = _sheet(wb, T.DETAIL_SHEET, T.DETAIL_HEADERS, first=True)
    events = _sheet(wb, T.EVENTS_SHEET, T.EVENT_HEADERS)
    summary = _sheet(wb, T.SUMMARY_SHEET, T.SUMMARY_HEADERS)
    per_village: dict[int, list[Complaint]] = defaultdict(list)
    for c in rows:
        per_village[c.village_id].append(c)
        village = session.get(Village, c.village_id)
        villager = svc.author(session, c)  # None when anonymous: no name, no phone
        evs = list(session.scalars(select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.id)))
        last_note = next((e.note for e in reversed(evs) if e.action in svc.ACTIONS and e.note), "")
        detail.append([
            c.ticket_no, local_stamp(c.created_at, tz), village.township.name if village else "",
            village.name if village else "", c.category, T.subject(svc.subject(session, c)),
            villager.name if villager else "", (villager.phone or "") if villager else "",
            c.text, c.place_time or "", len(c.photos), svc.STATUS_LABELS[c.status],
            local_stamp(c.accepted_at, tz), local_stamp(c.closed_at, tz), last_note,
            svc.RATINGS.get(c.rating or "", "")])
        for e in evs:
            # anonymous authors stay blank, as in the detail sheet
            who = T.SYSTEM if e.actor == "system" else (e.actor_name or "")
            events.append([c.ticket_no, local_stamp(e.at, tz),
                           T.EVENT_LABELS.get(e.action, e.action), who, e.note or ""])
    for row in detail.iter_rows(min_row=2):
        row[8].alignment = Alignment(wrap_text=True, vertical="top")
    categories: Counter[tuple[int, str]] = Counter()
    for village_id, items in sorted(per_village.items()):
        village = session.get(Village, village_id)
        team = session.scalar(select(Team).where(Team.village_id == village_id).order_by(Team.id))
        statuses = Counter(c.status for c in items)
        ratings: Counter[str] = Counter(c.rating for c in items if c.rating)
        rate = satisfaction(ratings)
        summary.append([village.township.name if village else "", village.name if village else "",
                        team.name if team else "", len(items),
                        *(statuses[s] for s in svc.STATUS_LABELS), sum(ratings.values()),
                        ratings["good"], ratings["ok"], ratings["bad"],
                        "" if rate is None else f"{rate:.0%}"])
        for c in items:
            categories[(village_id, c.category)] += 1
    summary.append([])
    summary.append(list(T.CATEGORY_HEADERS))
    for (village_id, cat), n in sorted(categories.items()):
        village = session.get(Village, village_id)
        summary.append([village.name if village else "", cat, n])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out_path)
    return out_path, len(rows)

