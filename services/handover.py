"""Rotation and handover (交接): term dates, the 交接表 checklist, closing a term.

Rules (seed: terms last 2 years with a 15-day handover before rotation):
* the checklist opens `handover_days` before the term ends (the rotation tick opens it);
* files, projects, households visited together and signatures are ticked by BOTH sides:
  the outgoing member ("out") and a receiving member of the same team ("in");
  township approval is ticked by an admin;
* a term is closed only when every tick is there, or by an admin with a written reason.
Every rule is checked here, on the typed actor (kind and id), so a forged button press is
refused with PermissionDenied. The words are in conversations/reminders/text.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit
from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
from storage.models import Handover, Member

# key, label, who ticks: "both" (outgoing + receiving member) or "admin"
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("files", "文件资料移交", "both"),
    ("projects", "在建项目交接", "both"),
    ("visits", "共同走访农户", "both"),
    ("signatures", "双方签字", "both"),
    ("approval", "乡镇审批", "admin"),
)
LABELS = {k: label for k, label, _ in ITEMS}
# who signs: the outgoing member, the receiving member, the county's administrator
SIDES = {"out": "离任方", "in": "接任方", "admin": "管理员"}


def find_member(s: Session, ref: str, county_id: int | None = None) -> Member:
    """A member by id or by name (unique among active members of the county)."""
    ref = ref.strip()
    if ref.isdigit():
        m = s.get(Member, int(ref))
        if m is not None:
            return m
    q = select(Member).where(Member.name == ref, Member.active.is_(True))
    found = list(s.scalars(q))
    if county_id is not None and len(found) > 1:
        found = [m for m in found if _county(m) == county_id]
    if not found:
        raise NotFound("reminders.member_not_found", ref=ref)
    if len(found) > 1:
        raise UserError("reminders.member_ambiguous", ref=ref, count=len(found))
    return found[0]


def _county(m: Member) -> int | None:
    if m.county_id is not None:
        return m.county_id
    return m.team.village.township.county_id if m.team else None


def _is_admin(actor: Actor) -> bool:
    return actor.kind == "member" and actor.role == Role.ADMIN


def require_admin_over(actor: Actor | None, m: Member) -> None:
    if actor is None or not _is_admin(actor):
        raise PermissionDenied("reminders.admin_only_terms")
    if actor.county_id is not None and _county(m) != actor.county_id:
        raise PermissionDenied("reminders.member_other_county")


def set_term_end(s: Session, m: Member, end: date, *, by: str, now: datetime) -> None:
    if m.role not in {r.value for r in TEAM_ROLES}:
        raise UserError("reminders.not_team_member", name=m.name)
    if m.term_start and end <= m.term_start:
        raise UserError("reminders.term_before_start", start=m.term_start)
    old = m.term_end
    m.term_end = end
    audit.record(s, by, "term.set_end", now, subject=f"member:{m.id}", old=str(old), new=str(end))


def open_handover(s: Session, m: Member, now: datetime) -> Handover:
    """The checklist for the member's current term end; created once."""
    assert m.term_end is not None
    h = s.scalar(select(Handover).where(Handover.member_id == m.id, Handover.term_end == m.term_end))
    if h is None:
        h = Handover(member_id=m.id, team_id=m.team_id, term_end=m.term_end, ticks={}, opened_at=now)
        s.add(h)
        s.flush()
    return h


def missing(h: Handover) -> list[str]:
    """Labels of what is still to tick, e.g. "文件资料移交（接任方）"."""
    out = []
    for key, label, who in ITEMS:
        t = h.ticks.get(key, {})
        if who == "admin":
            if "admin" not in t:
                out.append(label)
        else:
            sides = [SIDES[side] for side in ("out", "in") if side not in t]
            if sides:
                out.append(f"{label}（{'、'.join(sides)}）")
    return out


def complete(h: Handover) -> bool:
    return not missing(h)


def side_for(s: Session, h: Handover, actor: Actor, item: str) -> str:
    """Which signature this actor may give on this item; PermissionDenied otherwise."""
    who = next((w for k, _, w in ITEMS if k == item), None)
    if who is None:
        raise PermissionDenied("reminders.handover_no_item")
    if h.closed_at is not None:
        raise PermissionDenied("reminders.handover_closed")
    if who == "admin":
        if not _is_admin(actor):
            raise PermissionDenied("reminders.handover_admin_item")
        m = s.get(Member, h.member_id)
        if actor.county_id is not None and (m is None or _county(m) != actor.county_id):
            raise PermissionDenied("reminders.handover_admin_other_county")
        return "admin"
    if actor.kind == "member" and actor.id == h.member_id:
        return "out"
    if actor.kind == "member" and h.team_id is not None and actor.team_id == h.team_id \
            and actor.role in TEAM_ROLES:
        return "in"
    raise PermissionDenied("reminders.handover_not_party")


def tick(s: Session, h: Handover, item: str, actor: Actor, now: datetime) -> str:
    side = side_for(s, h, actor, item)
    ticks = {k: dict(v) for k, v in (h.ticks or {}).items()}
    ticks.setdefault(item, {})[side] = {"by": actor.key, "at": now.isoformat()}
    h.ticks = ticks  # a new dict so the JSON column is marked changed
    audit.record(s, actor.key, "handover.tick", now, subject=f"handover:{h.id}", item=item, side=side)
    return side


def handovers_for(s: Session, actor: Actor) -> list[Handover]:
    """Open checklists the actor takes part in: own, team's, or (admin) the county's."""
    q = select(Handover).where(Handover.closed_at.is_(None)).order_by(Handover.id)
    if actor.kind != "member":
        return []
    rows = list(s.scalars(q))
    if actor.role == Role.ADMIN:
        return [h for h in rows if actor.county_id is None
                or _county(s.get(Member, h.member_id)) == actor.county_id]  # type: ignore[arg-type]
    return [h for h in rows if h.member_id == actor.id
            or (actor.team_id is not None and h.team_id == actor.team_id)]


def close_term(s: Session, m: Member, *, by: str, now: datetime, override_reason: str | None = None) -> Handover | None:
    """End the member's term: only with a complete checklist or an admin's reason."""
    if not m.active:
        raise UserError("reminders.term_closed", name=m.name)
    h = None
    if m.term_end is not None:
        h = s.scalar(select(Handover).where(Handover.member_id == m.id, Handover.term_end == m.term_end))
    reason = (override_reason or "").strip()
    if h is None and not reason:
        raise UserError("reminders.handover_not_started", name=m.name)
    if h is not None and not complete(h) and not reason:
        raise UserError("reminders.handover_incomplete", name=m.name, todo="、".join(missing(h)))
    if h is not None:
        h.closed_at, h.closed_by = now, by
        h.override_reason = reason or None
    m.active, m.deactivated_at = False, now
    audit.record(s, by, "term.close", now, subject=f"member:{m.id}",
                 override_reason=reason or None)
    return h
