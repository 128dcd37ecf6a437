"""Villagers watching the team: 群众监督员 confirming a cadre's visit, and the
whereabouts board (去向公示牌) anyone in the village may ask for.

Decisions (tests/test_oversight.py):
* a village's board settings are the administrator's (`admin village-board`): the team's
  phone, the supervision phone, whether visits are put to 群众监督员 (off by default:
  it must never become a second, forced check-in) and the visit interval;
* a cadre asks for a confirmation of today in the village (one per day); the bot gives
  a 4-digit code to show in person and sends each 群众监督员 of the village a message
  with [确认] / [不属实]; only a 群众监督员 of that village, on that day, may answer;
* a decline needs a reason, which goes to the county's supervisors and the cadre;
* a confirmed day counts as a day in the village (attendance's extra day source), so a
  cadre on a platform without location sharing is never left without a record;
* the board tells, per member of the village's team, 在村 / 请假 / 公差 / 未知 today, and
  the published phones — nothing more private (no reason of a leave, no place).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import leave as leave_rules
from services.actors import Actor
from services.config import Settings
from services.errors import NotFound, PermissionDenied, UserError
from services.households import team_member, team_of_village, team_people, village_of
from services.roles import Role
from storage.models import (
    CheckIn,
    DailyReport,
    Member,
    VillageBoard,
    VillageOverseer,
    Villager,
    VisitConfirmation,
)

MAX_REASON = 500


# -- the board settings ------------------------------------------------------------------------
def board(session: Session, village_id: int) -> VillageBoard:
    """The village's settings (defaults when the administrator set none; not stored)."""
    row = session.get(VillageBoard, village_id)
    return row if row is not None else VillageBoard(village_id=village_id, confirm_visits=False)


def set_board(session: Session, village_id: int, now: datetime, *, team_phone: str | None = None,
              supervision_phone: str | None = None, confirm_visits: bool | None = None,
              unvisited_days: int | None = None) -> VillageBoard:
    from services.households import clean_phone

    row = session.get(VillageBoard, village_id)
    if row is None:
        row = VillageBoard(village_id=village_id, confirm_visits=False, updated_at=now)
        session.add(row)
    for name, value in (("team_phone", team_phone), ("supervision_phone", supervision_phone)):
        if value is not None:
            if value and clean_phone(value) is None:
                raise UserError("households.bad_phone", value=value[:40])
            setattr(row, name, clean_phone(value) if value else None)
    if confirm_visits is not None:
        row.confirm_visits = confirm_visits
    if unvisited_days is not None:
        if not 1 <= unvisited_days <= 366:
            raise UserError("households.bad_unvisited_days", value=unvisited_days)
        row.unvisited_days = unvisited_days
    row.updated_at = now
    session.flush()
    return row


def add_overseer(session: Session, village_id: int, villager: Villager, now: datetime
                 ) -> VillageOverseer:
    if villager.village_id != village_id:
        raise UserError("households.overseer_other_village", name=villager.name)
    row = session.scalar(select(VillageOverseer).where(VillageOverseer.village_id == village_id,
                                                       VillageOverseer.villager_id == villager.id))
    if row is None:
        row = VillageOverseer(village_id=village_id, villager_id=villager.id, created_at=now)
        session.add(row)
    row.active = True
    session.flush()
    return row


def remove_overseer(session: Session, village_id: int, villager: Villager) -> bool:
    row = session.scalar(select(VillageOverseer).where(VillageOverseer.village_id == village_id,
                                                       VillageOverseer.villager_id == villager.id))
    if row is None or not row.active:
        return False
    row.active = False
    return True


def overseers(session: Session, village_id: int) -> list[Villager]:
    return list(session.scalars(select(Villager).join(
        VillageOverseer, VillageOverseer.villager_id == Villager.id).where(
        VillageOverseer.village_id == village_id, VillageOverseer.active.is_(True))
        .order_by(Villager.id)))


def is_overseer(session: Session, actor: Actor | None, village_id: int) -> bool:
    if actor is None or actor.kind != "villager":
        return False
    return session.scalar(select(VillageOverseer.id).where(
        VillageOverseer.village_id == village_id, VillageOverseer.villager_id == actor.id,
        VillageOverseer.active.is_(True))) is not None


# -- confirmations ----------------------------------------------------------------------------------
def request_confirmation(session: Session, actor: Actor | None, today: date, now: datetime,
                         work: str | None = None) -> tuple[VisitConfirmation, bool]:
    """Today's confirmation request of the cadre (made once; asking again shows it)."""
    member = team_member(session, actor)
    village = village_of(session, member)
    if not board(session, village.id).confirm_visits:
        raise UserError("households.confirm_off")
    if not overseers(session, village.id):
        raise UserError("households.no_overseers")
    row = session.scalar(select(VisitConfirmation).where(VisitConfirmation.member_id == member.id,
                                                         VisitConfirmation.local_date == today))
    if row is not None:
        return row, False
    used = set(session.scalars(select(VisitConfirmation.code).where(
        VisitConfirmation.village_id == village.id, VisitConfirmation.local_date == today)))
    code = f"{secrets.randbelow(9000) + 1000}"
    while code in used:
        code = f"{secrets.randbelow(9000) + 1000}"
    assert member.team_id is not None
    row = VisitConfirmation(member_id=member.id, team_id=member.team_id, village_id=village.id,
                            local_date=today, code=code, work=(work or "").strip()[:500] or None,
                            status="pending", created_at=now)
    session.add(row)
    session.flush()
    return row, True


def _overseer_villager(session: Session, actor: Actor | None, village_id: int) -> Villager:
    if not is_overseer(session, actor, village_id):
        raise PermissionDenied("households.overseers_only")
    assert actor is not None
    v = session.get(Villager, actor.id)
    assert v is not None
    return v


def pending_today(session: Session, actor: Actor | None, today: date
                  ) -> list[tuple[VisitConfirmation, Member]]:
    """What a 群众监督员 may confirm today in their village."""
    if actor is None or actor.kind != "villager" or actor.village_id is None:
        raise PermissionDenied("households.overseers_only")
    _overseer_villager(session, actor, actor.village_id)
    rows = session.execute(select(VisitConfirmation, Member).join(
        Member, Member.id == VisitConfirmation.member_id).where(
        VisitConfirmation.village_id == actor.village_id, VisitConfirmation.local_date == today,
        VisitConfirmation.status == "pending").order_by(VisitConfirmation.id)).all()
    return [(c, m) for c, m in rows]


def by_code(session: Session, actor: Actor | None, code: str, today: date) -> VisitConfirmation:
    if actor is None or actor.kind != "villager" or actor.village_id is None:
        raise PermissionDenied("households.overseers_only")
    _overseer_villager(session, actor, actor.village_id)
    row = session.scalar(select(VisitConfirmation).where(
        VisitConfirmation.village_id == actor.village_id, VisitConfirmation.local_date == today,
        VisitConfirmation.code == code))
    if row is None:
        raise NotFound("households.code_unknown", code=code)
    return row


def decide(session: Session, actor: Actor | None, confirmation_id: int, ok: bool, today: date,
           now: datetime, reason: str | None = None) -> VisitConfirmation:
    row = session.get(VisitConfirmation, confirmation_id)
    if row is None:
        raise PermissionDenied("households.overseers_only")
    v = _overseer_villager(session, actor, row.village_id)
    if row.local_date != today:
        raise UserError("households.confirm_expired", day=row.local_date)
    if row.status != "pending":
        raise UserError("households.confirm_done")
    reason = (reason or "").strip()
    if not ok and not reason:
        raise UserError("households.reason_needed")
    if len(reason) > MAX_REASON:
        raise UserError("households.request_too_long", n=len(reason), limit=MAX_REASON)
    row.status = "confirmed" if ok else "declined"
    row.overseer_villager_id, row.reason, row.decided_at = v.id, reason or None, now
    session.flush()
    return row


def county_supervisors(session: Session, village_id: int) -> list[Member]:
    from services.monitoring import county_of_village

    county = county_of_village(session, village_id)
    return list(session.scalars(select(Member).where(
        Member.role == Role.SUPERVISOR.value, Member.county_id == county,
        Member.active.is_(True)).order_by(Member.id)))


def confirmed_days(session: Session, member_ids: Iterable[int], start: date, end: date
                   ) -> dict[int, set[date]]:
    """Days confirmed by a 群众监督员, per member (attendance counts them as days in the
    village); one query per 500 members."""
    ids = sorted(set(member_ids))
    out: dict[int, set[date]] = defaultdict(set)
    for i in range(0, len(ids), 500):
        for mid, day in session.execute(select(VisitConfirmation.member_id,
                                               VisitConfirmation.local_date).where(
                VisitConfirmation.member_id.in_(ids[i:i + 500]),
                VisitConfirmation.status == "confirmed",
                VisitConfirmation.local_date.between(start, end))):
            out[mid].add(day)
    return out


# -- the whereabouts board ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Whereabouts:
    member: Member
    status: str  # in_village | leave | duty | unknown


def whereabouts(session: Session, village_id: int, today: date, settings: Settings
                ) -> list[Whereabouts]:
    """Each member of the village's team today; leave and duty only by their kind."""
    people = team_people(session, village_id)
    ids = [m.id for m in people]
    if not ids:
        return []
    here: set[int] = set(session.scalars(select(CheckIn.member_id).where(
        CheckIn.member_id.in_(ids), CheckIn.local_date == today, CheckIn.inside.is_(True))))
    here |= set(confirmed_days(session, ids, today, today))
    if not settings.checkin_enabled:
        here |= set(session.scalars(select(DailyReport.member_id).where(
            DailyReport.member_id.in_(ids), DailyReport.report_date == today,
            DailyReport.submitted.is_(True))))
    policy_duty = {k.strip() for k in settings.leave_report_only_types.split(",") if k.strip()}
    away: dict[int, str] = {}
    for m in people:
        for lv in leave_rules.member_leaves(session, m.id, leave_rules.HOLDING, today, today):
            if any(d == today for d, _ in leave_rules.day_fractions(leave_rules.taken_range(lv))):
                away[m.id] = "duty" if lv.kind in policy_duty else "leave"
    out = []
    for m in people:
        status = away.get(m.id) or ("in_village" if m.id in here else "unknown")
        if m.id in here and away.get(m.id) == "leave":
            status = "in_village"  # came back early: being seen in the village wins
        out.append(Whereabouts(m, status))
    return out


def village_for_asker(session: Session, actor: Actor | None) -> int:
    """The village whose board the actor may read: their own (villager or team member)."""
    if actor is None:
        raise PermissionDenied("households.board_registered_only")
    if actor.kind == "villager" and actor.village_id is not None:
        return actor.village_id
    if actor.kind == "member" and actor.team_id is not None and actor.village_id is not None:
        return actor.village_id
    raise UserError("households.board_no_village")


def team_name(session: Session, village_id: int) -> str:
    team = team_of_village(session, village_id)
    return team.name if team else ""
