"""This feature's lines in the leaders' digest, and the agenda carried by the monthly
monitoring meeting's reminder.

Digest: set-based over every team due at the tick (a few queries for a prefecture):
households not visited within the village's interval, per contact cadre in a fixed
order (by member id — never sorted by how many, never compared: no ranking of people),
and monitoring cases overdue or due within 7 days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminders import digest
from reminders.dispatch import event_note
from reminders.due import Due
from reminders.series import spec_of
from services import households as hs
from services import monitoring as mon
from services.clock import local
from services.config import Settings
from storage.models import EventSeries, Member, Team, VillageBoard

from . import text as T
from .render import who

NAMES_SHOWN = 3


@digest.section
def households_section(s: Session, digests: dict[int, digest.TeamDigest], now: datetime,
                       settings: Settings) -> None:
    if not digests:
        return
    by_village = {d.village_id: d for d in digests.values()}
    vids = sorted(by_village)
    days_of: dict[int, int] = {}
    for i in range(0, len(vids), 500):
        for vid, days in s.execute(select(VillageBoard.village_id, VillageBoard.unvisited_days)
                                   .where(VillageBoard.village_id.in_(vids[i:i + 500]))):
            if days:
                days_of[vid] = days
    days_for = {v: days_of.get(v, settings.households_unvisited_days) for v in vids}
    cutoff = {v: by_village[v].day - timedelta(days=days_for[v]) for v in vids}
    late = hs.unvisited_many(s, vids, cutoff)
    names: dict[int, str] = {}
    team_ids = sorted(digests)
    for i in range(0, len(team_ids), 500):
        names.update(s.execute(select(Member.id, Member.name).where(
            Member.team_id.in_(team_ids[i:i + 500]), Member.active.is_(True))).all())
    due = mon.due_many(s, vids, {v: by_village[v].day for v in vids})
    every = [c for a, b in due.values() for c in (*a, *b)]
    hh, ap = mon.household_names(s, every), mon.applicant_names(s, every)
    for vid, d in by_village.items():
        rows = late.get(vid)
        if rows:
            groups: dict[int | None, list[str]] = defaultdict(list)
            for mid, head in rows:
                groups[mid if mid in names else None].append(head)
            items = [T.DIGEST_UNVISITED_ITEM.format(
                name=names[mid] if mid is not None else T.DIGEST_NO_CONTACT, n=len(heads),
                names=T.names(heads, NAMES_SHOWN))
                for mid, heads in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]
            d.extra.append(T.DIGEST_UNVISITED.format(days=days_for[vid], items="；".join(items)))
        overdue, soon = due.get(vid, ([], []))
        parts = []
        if overdue:
            parts.append(T.DIGEST_OVERDUE.format(n=len(overdue), names=T.names(
                [f"#{c.id} {who(c, hh, ap)}" for c in overdue], NAMES_SHOWN)))
        if soon:
            parts.append(T.DIGEST_SOON.format(n=len(soon), names=T.names(
                [f"#{c.id} {who(c, hh, ap)}" for c in soon], NAMES_SHOWN)))
        if parts:
            d.extra.append(T.DIGEST_CASES.format(items="，".join(parts)))


@event_note("poverty_monitoring_meeting")
def meeting_agenda(s: Session, row: EventSeries, due: Due, settings: Settings) -> str | None:
    """The monthly monitoring meeting's reminder carries its agenda (team members only)."""
    from .cases import agenda_text

    team = s.get(Team, row.team_id)
    if team is None:
        return None
    today = local(due.occurrence, spec_of(row).tz).date()
    return agenda_text(s, team, today, settings.monitoring_working_days)
