"""Rotation and handover (交接): term dates, the 交接表, closing a term.

Seed 001: in the 15 days before rotation the outgoing member hands over files and
projects, visits the households together with the successor, both sign the sheet, and
the township leader in charge of the village (包村领导) and the township approve it before
the outgoing member leaves. So the sheet here hands over real things:

* a named successor: a member of the same team, named by the team leader or by an
  administrator of the county;
* items: what the outgoing member still answers for, contributed by the features
  through `item_source` (open tasks, projects, households, monitoring cases...) and
  files the outgoing member lists; the successor confirms each item, and a source's
  `transfer` hands the thing itself over (a task's owner becomes the successor);
* the outgoing member signs (the list is complete), the successor signs (every item
  confirmed), then the township approves: an administrator of that county, the township
  leader (乡镇领导, role township_leader) of the team's township, or a team leader (组长,
  often a township leader) of a team in that township — neither of the two sides;
* a term closes only when all that is done, or an administrator writes a reason.
Every rule is checked here on the typed actor (kind and id). Words: conversations/handover
(and conversations/reminders for /term and /closeterm).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import import_module

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit, teamscope
from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
from storage.models import Handover, HandoverItem, HandoverSheet, Member

FILE = "file"  # the kind of items the outgoing member lists by hand
MAX_LABEL = 200
STEPS = ("successor", "items", "out_signed", "in_signed", "approved")


# -- item sources: what other features hand over ---------------------------------------------
@dataclass(frozen=True)
class OpenItem:
    """One thing the outgoing member still answers for, as its feature shows it."""

    ref_id: int
    label: str  # one line in words, from the feature's catalogue
    detail: str = ""


ListFn = Callable[[Session, Member], list[OpenItem]]
TransferFn = Callable[[Session, int, Member, datetime], None]


@dataclass(frozen=True)
class ItemSource:
    kind: str
    title: str  # the sheet's heading for these items, from the feature's catalogue
    list_open: ListFn  # (session, outgoing member) -> items still open
    transfer: TransferFn | None  # (session, ref id, successor, now): hand the thing over
    order: int


_SOURCES: dict[str, ItemSource] = {}


def item_source(kind: str, *, title: str, order: int = 100,
                transfer: TransferFn | None = None) -> Callable[[ListFn], ListFn]:
    """Register a kind of thing handed over at rotation, in a module your feature package
    imports (the sheet imports every package in conversations.FEATURES first):

        @handover.item_source("household", title=T.HANDOVER_TITLE, order=30,
                              transfer=households.reassign)
        def households_of(s, member): return [OpenItem(h.id, T.household_line(h)) ...]
    """
    if kind == FILE:
        raise ValueError("the kind 'file' is the outgoing member's own list")

    def wrap(fn: ListFn) -> ListFn:
        _SOURCES[kind] = ItemSource(kind, title, fn, transfer, order)
        return fn
    return wrap


def sources() -> list[ItemSource]:
    from conversations import FEATURES

    for name in FEATURES:
        import_module(name)
    return sorted(_SOURCES.values(), key=lambda x: (x.order, x.kind))


# -- members and terms ---------------------------------------------------------------------------
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
    """The sheet for the member's current term end; created once (the rotation tick
    opens it `handover_days` before the end)."""
    assert m.term_end is not None
    h = s.scalar(select(Handover).where(Handover.member_id == m.id, Handover.term_end == m.term_end))
    if h is None:
        h = Handover(member_id=m.id, team_id=m.team_id, term_end=m.term_end, ticks={}, opened_at=now)
        s.add(h)
        s.flush()
    sheet_of(s, h)
    return h


def get(s: Session, handover_id: int) -> Handover:
    h = s.get(Handover, handover_id)
    if h is None:
        raise NotFound("handover.gone")
    return h


# -- the sheet -----------------------------------------------------------------------------------
def sheet_of(s: Session, h: Handover) -> HandoverSheet:
    sh = s.scalar(select(HandoverSheet).where(HandoverSheet.handover_id == h.id))
    if sh is None:
        sh = HandoverSheet(handover_id=h.id)
        s.add(sh)
        s.flush()
    return sh


def items(s: Session, h: Handover) -> list[HandoverItem]:
    return list(s.scalars(select(HandoverItem).where(HandoverItem.handover_id == h.id)
                          .order_by(HandoverItem.id)))


def sync_items(s: Session, h: Handover, now: datetime) -> list[HandoverItem]:
    """Add what the outgoing member still answers for and is not on the sheet yet (until
    the township approved it); returns the sheet's items."""
    sh = sheet_of(s, h)
    if sh.approved_at is None and h.closed_at is None:
        m = s.get(Member, h.member_id)
        have = {(i.kind, i.ref_id) for i in items(s, h)}
        added = False
        for src in sources() if m is not None else ():
            for it in src.list_open(s, m):  # type: ignore[arg-type]
                if (src.kind, it.ref_id) not in have:
                    s.add(HandoverItem(handover_id=h.id, kind=src.kind, ref_id=it.ref_id,
                                       label=it.label[:MAX_LABEL], detail=it.detail or None,
                                       added_at=now, added_by="system"))
                    have.add((src.kind, it.ref_id))
                    added = True
        if added:
            sh.in_signed_at = None  # the successor signs again for what is new
            s.flush()
    return items(s, h)


def _require_open(h: Handover) -> HandoverSheet | None:
    if h.closed_at is not None:
        raise PermissionDenied("handover.closed")
    return None


def _is_out(actor: Actor | None, h: Handover) -> bool:
    return actor is not None and (actor.kind, actor.id) == ("member", h.member_id)


def _is_in(actor: Actor | None, sh: HandoverSheet) -> bool:
    return (actor is not None and sh.successor_id is not None
            and (actor.kind, actor.id) == ("member", sh.successor_id))


def _county_of_handover(s: Session, h: Handover) -> int | None:
    m = s.get(Member, h.member_id)
    return _county(m) if m is not None else None


def require_namer(s: Session, h: Handover, actor: Actor | None) -> None:
    """The team leader of the sheet's team (not the outgoing member) or an administrator
    of its county."""
    _require_open(h)
    if actor is None or actor.kind != "member":
        raise PermissionDenied("handover.namers_only")
    if _is_admin(actor):
        if actor.county_id is not None and _county_of_handover(s, h) != actor.county_id:
            raise PermissionDenied("handover.other_county")
    elif not (actor.role == Role.TEAM_LEADER and teamscope.is_member_of(actor, h.team_id)) \
            or _is_out(actor, h):
        raise PermissionDenied("handover.namers_only")


def candidates(s: Session, h: Handover) -> list[Member]:
    """Who may take over: active members of the team in a team role, but the outgoing one."""
    if h.team_id is None:
        return []
    return list(s.scalars(select(Member).where(
        Member.team_id == h.team_id, Member.active.is_(True), Member.id != h.member_id,
        Member.role.in_([r.value for r in TEAM_ROLES])).order_by(Member.id)))


def approvers(s: Session, h: Handover) -> list[Member]:
    """Who may approve: the county's administrators and the team leaders of the
    township's teams, neither side of the handover."""
    from storage.models import Team, TownshipLead, Village

    sh = sheet_of(s, h)
    county = _county_of_handover(s, h)
    township = teamscope.township_of(s, h.team_id) if h.team_id else None
    admins = list(s.scalars(select(Member).where(Member.role == Role.ADMIN.value,
                                                 Member.active.is_(True),
                                                 (Member.county_id == county) | Member.county_id.is_(None))))
    leaders = list(s.scalars(select(Member).join(Team, Team.id == Member.team_id)
                             .join(Village, Village.id == Team.village_id)
                             .where(Member.role == Role.TEAM_LEADER.value, Member.active.is_(True),
                                    Village.township_id == township)))
    leaders += list(s.scalars(select(Member).join(TownshipLead, TownshipLead.member_id == Member.id)
                              .where(Member.role == Role.TOWNSHIP_LEADER.value, Member.active.is_(True),
                                     TownshipLead.township_id == township)))
    sides = {h.member_id, sh.successor_id}
    return sorted({m.id: m for m in admins + leaders if m.id not in sides}.values(), key=lambda m: m.id)


def name_successor(s: Session, h: Handover, actor: Actor | None, successor: Member,
                   now: datetime) -> HandoverSheet:
    """The team leader of the team, or an administrator of its county, names who takes
    over: an active member of the same team, not the outgoing member."""
    require_namer(s, h, actor)
    assert actor is not None
    if successor.id == h.member_id or successor.team_id != h.team_id or not successor.active \
            or successor.role not in {r.value for r in TEAM_ROLES}:
        raise UserError("handover.bad_successor", name=successor.name)
    sh = sheet_of(s, h)
    if sh.approved_at is not None:
        raise PermissionDenied("handover.approved_already")
    if sh.successor_id != successor.id:
        sh.successor_id, sh.named_by, sh.named_at = successor.id, actor.key, now
        sh.in_signed_at = None
        for it in items(s, h):  # confirmations were the previous successor's
            if it.confirmed_by_id is not None and it.confirmed_by_id != successor.id:
                it.confirmed_at = it.confirmed_by_id = None
    audit.record(s, actor.key, "handover.successor", now, subject=f"handover:{h.id}",
                 successor=successor.id)
    return sh


def add_files(s: Session, h: Handover, actor: Actor | None, labels: list[str],
              now: datetime) -> list[HandoverItem]:
    """The outgoing member lists files and records handed over (one per line)."""
    _require_open(h)
    if not _is_out(actor, h):
        raise PermissionDenied("handover.outgoing_only")
    assert actor is not None
    sh = sheet_of(s, h)
    if sh.approved_at is not None:
        raise PermissionDenied("handover.approved_already")
    clean = [" ".join(x.split())[:MAX_LABEL] for x in labels if x.strip()]
    if not clean:
        raise UserError("handover.empty_file")
    out = []
    for label in clean:
        it = HandoverItem(handover_id=h.id, kind=FILE, ref_id=None, label=label, added_at=now,
                          added_by=actor.key)
        s.add(it)
        out.append(it)
    sh.in_signed_at = None
    s.flush()
    audit.record(s, actor.key, "handover.files", now, subject=f"handover:{h.id}", n=len(out))
    return out


def _require_successor(s: Session, h: Handover, actor: Actor | None) -> HandoverSheet:
    _require_open(h)
    sh = sheet_of(s, h)
    if not _is_in(actor, sh):
        raise PermissionDenied("handover.successor_only")
    if sh.approved_at is not None:
        raise PermissionDenied("handover.approved_already")
    return sh


def confirm(s: Session, h: Handover, actor: Actor | None, item_ids: list[int] | None,
            now: datetime) -> list[HandoverItem]:
    """The successor confirms items (None: every item not yet confirmed); each thing
    is handed over to them by its source."""
    sh = _require_successor(s, h, actor)
    assert actor is not None and sh.successor_id is not None
    successor = s.get(Member, sh.successor_id)
    assert successor is not None
    by_kind = {src.kind: src for src in sources()}
    todo = [it for it in items(s, h) if it.confirmed_at is None
            and (item_ids is None or it.id in item_ids)]
    if item_ids is not None and not todo:
        known = {it.id for it in items(s, h)}
        if not set(item_ids) <= known:
            raise NotFound("handover.item_gone")
    for it in todo:
        it.confirmed_at, it.confirmed_by_id = now, successor.id
        src = by_kind.get(it.kind)
        if src is not None and src.transfer is not None and it.ref_id is not None:
            src.transfer(s, it.ref_id, successor, now)
    s.flush()
    if todo:
        audit.record(s, actor.key, "handover.confirm", now, subject=f"handover:{h.id}",
                     items=[it.id for it in todo])
    return todo


def sign(s: Session, h: Handover, actor: Actor | None, now: datetime) -> str:
    """离任方 signs once a successor is named; 接任方 signs once every item is confirmed."""
    _require_open(h)
    sh = sheet_of(s, h)
    if sh.approved_at is not None:
        raise PermissionDenied("handover.approved_already")
    if _is_out(actor, h):
        if sh.successor_id is None:
            raise UserError("handover.need_successor")
        sh.out_signed_at = now
        side = "out"
    elif _is_in(actor, sh):
        left = sum(1 for it in items(s, h) if it.confirmed_at is None)
        if left:
            raise UserError("handover.items_left", n=left)
        sh.in_signed_at = now
        side = "in"
    else:
        raise PermissionDenied("handover.not_party")
    assert actor is not None
    audit.record(s, actor.key, "handover.sign", now, subject=f"handover:{h.id}", side=side)
    return side


def may_approve(s: Session, h: Handover, actor: Actor | None) -> bool:
    try:
        _require_approver(s, h, actor)
    except PermissionDenied:
        return False
    return True


def _require_approver(s: Session, h: Handover, actor: Actor | None) -> Actor:
    if actor is None or actor.kind != "member":
        raise PermissionDenied("handover.approvers_only")
    sh = sheet_of(s, h)
    if _is_out(actor, h) or _is_in(actor, sh):
        raise PermissionDenied("handover.not_own_approval")
    if _is_admin(actor):
        if actor.county_id is not None and _county_of_handover(s, h) != actor.county_id:
            raise PermissionDenied("handover.other_county")
        return actor
    town = teamscope.township_of(s, h.team_id) if h.team_id is not None else None
    if actor.role == Role.TOWNSHIP_LEADER and town is not None and teamscope.led_township(s, actor) == town:
        return actor
    if actor.role == Role.TEAM_LEADER and actor.team_id is not None \
            and town is not None and teamscope.township_of(s, actor.team_id) == town:
        return actor
    raise PermissionDenied("handover.approvers_only")


def approve(s: Session, h: Handover, actor: Actor | None, now: datetime) -> HandoverSheet:
    _require_open(h)
    a = _require_approver(s, h, actor)
    sh = sheet_of(s, h)
    if sh.approved_at is not None:
        raise UserError("handover.already_approved")
    if sh.out_signed_at is None or sh.in_signed_at is None:
        raise UserError("handover.need_signatures")
    sh.approved_at, sh.approver_id = now, a.id
    audit.record(s, a.key, "handover.approve", now, subject=f"handover:{h.id}")
    return sh


def steps_left(s: Session, h: Handover, rows: list[HandoverItem] | None = None) -> list[str]:
    """What is still to do, in order: keys of STEPS (`rows`: the sheet's items, if read)."""
    sh = sheet_of(s, h)
    out = []
    if sh.successor_id is None:
        out.append("successor")
    if any(it.confirmed_at is None for it in (items(s, h) if rows is None else rows)):
        out.append("items")
    if sh.out_signed_at is None:
        out.append("out_signed")
    if sh.in_signed_at is None:
        out.append("in_signed")
    if sh.approved_at is None:
        out.append("approved")
    return out


def complete(s: Session, h: Handover) -> bool:
    return not steps_left(s, h)


# -- who sees which sheets ------------------------------------------------------------------------
def handovers_for(s: Session, actor: Actor) -> list[Handover]:
    """Open sheets the actor takes part in: their own or their team's, one where they are
    the successor, the county's (administrators), the township's (team leaders approve)."""
    if actor.kind != "member":
        return []
    rows = list(s.scalars(select(Handover).where(Handover.closed_at.is_(None)).order_by(Handover.id)))
    out = []
    for h in rows:
        sh = sheet_of(s, h)
        if h.member_id == actor.id or sh.successor_id == actor.id \
                or (actor.team_id is not None and h.team_id == actor.team_id):
            out.append(h)
        elif _is_admin(actor):
            if actor.county_id is None or _county_of_handover(s, h) == actor.county_id:
                out.append(h)
        elif actor.role == Role.TOWNSHIP_LEADER:
            if h.team_id is not None and teamscope.led_township(s, actor) == teamscope.township_of(s, h.team_id):
                out.append(h)
        elif actor.role == Role.TEAM_LEADER and may_approve(s, h, actor) \
                and sh.out_signed_at is not None and sh.in_signed_at is not None:
            out.append(h)
    return out


def require_party(s: Session, h: Handover, actor: Actor | None) -> None:
    """Who may read one sheet (by its button): as `handovers_for`."""
    if actor is None or h not in handovers_for(s, actor):
        raise PermissionDenied("handover.not_party")


def close_term(s: Session, m: Member, *, by: str, now: datetime, override_reason: str | None = None) -> Handover | None:
    """End the member's term: only with a complete sheet or an administrator's reason."""
    if not m.active:
        raise UserError("reminders.term_closed", name=m.name)
    h = None
    if m.term_end is not None:
        h = s.scalar(select(Handover).where(Handover.member_id == m.id, Handover.term_end == m.term_end))
    reason = (override_reason or "").strip()
    if h is None and not reason:
        raise UserError("reminders.handover_not_started", name=m.name)
    if h is not None and not complete(s, h) and not reason:
        raise UserError("reminders.handover_incomplete", name=m.name, left=len(steps_left(s, h)))
    if h is not None:
        h.closed_at, h.closed_by = now, by
        h.override_reason = reason or None
    m.active, m.deactivated_at = False, now
    audit.record(s, by, "term.close", now, subject=f"member:{m.id}",
                 override_reason=reason or None)
    return h


def sheets_of(s: Session, team_ids: list[int], start: datetime,
              end: datetime) -> list[tuple[Handover, HandoverSheet, list[HandoverItem]]]:
    """Sheets of these teams open at some time in [start, end) (the workbooks)."""
    rows = s.scalars(select(Handover).where(Handover.team_id.in_(team_ids),
                                            Handover.opened_at < end)
                     .order_by(Handover.opened_at, Handover.id))
    return [(h, sheet_of(s, h), items(s, h)) for h in rows
            if h.closed_at is None or h.closed_at >= start]
