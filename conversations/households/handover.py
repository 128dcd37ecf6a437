"""The households an outgoing member looks after and the monitoring cases they answer for,
on the handover sheet (issue #15's services.handover.item_source registry).

Seed 001: the outgoing member visits the households together with the successor. Each
household whose contact cadre (联系干部) is the outgoing member is an item; when the
successor confirms it, the successor becomes the household's contact — and with that
the one who does a new case's 入户核实. Open monitoring cases the outgoing member is
responsible for at their current stage are items too (shown by number and stage only,
never with a villager's words); they follow the household and have nothing to transfer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit, handover
from services.monitoring import responsible
from storage.models import Household, Member, MonitoringCase, Team

from . import text as T


def reassign(s: Session, household_id: int, successor: Member, now: datetime) -> None:
    h = s.get(Household, household_id)
    if h is not None and h.active and h.contact_member_id != successor.id:
        old = h.contact_member_id
        h.contact_member_id, h.updated_at = successor.id, now
        audit.record(s, "system", "household.transfer", now, subject=f"household:{h.id}",
                     old=old, new=successor.id)


@handover.item_source("household", title=T.HANDOVER_HOUSEHOLDS, order=30, transfer=reassign)
def households_in_care(s: Session, member: Member) -> list[handover.OpenItem]:
    rows = s.scalars(select(Household).where(Household.contact_member_id == member.id,
                                             Household.active.is_(True)).order_by(Household.id))
    return [handover.OpenItem(h.id, T.handover_household(h)) for h in rows]


@handover.item_source("case", title=T.HANDOVER_CASES, order=40)
def cases_in_care(s: Session, member: Member) -> list[handover.OpenItem]:
    team = s.get(Team, member.team_id) if member.team_id else None
    if team is None:
        return []
    rows = s.scalars(select(MonitoringCase).where(MonitoringCase.village_id == team.village_id,
                                                  MonitoringCase.closed_at.is_(None))
                     .order_by(MonitoringCase.id))
    return [handover.OpenItem(c.id, T.handover_case(c)) for c in rows
            if any(p.id == member.id for p in responsible(s, c))]
