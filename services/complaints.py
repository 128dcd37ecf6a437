"""Complaint workflow (监督投诉): filing, numbering, who may see and handle, transitions.

Rules live here so the dialogs, the scheduler tick, the digests and the export agree:
- a ticket number is TS-YYYYMMDD-NNNN, a per-day sequence made unique by the database
  (the loser of a race retries), so concurrent filings never share a number;
- a complaint about a cadre or a team is never visible to that team's members — the
  supervisors of the county handle it;
- an anonymous complaint keeps its author only to tell them about progress: events,
  audit rows, notifications and exports carry no name (`author_name` is None).

Whoever acts is a typed `Actor` and every check compares its kind as well as its id, so
a villager whose villager id equals a supervisor's member id is still a villager.
Refusals are `UserError("complaints.<key>", **params)`; the words, the card and the
sheet are in conversations/complaints/. Who handles and who is told is decided here.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services import audit
from services.actors import Actor
from services.clock import local
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
from storage.models import Complaint, ComplaintEvent, Member, Team, Villager

log = logging.getLogger(__name__)

# Display names of the codes: data labels (as the digest contract promises), used in
# error parameters, lists and the export.
STATUS_LABELS = {"new": "待受理", "accepted": "已受理", "transferred": "已转办",
                 "closed": "已办结", "rejected": "已驳回"}
OPEN_STATUSES = ("new", "accepted", "transferred")
RATINGS = {"good": "满意", "ok": "基本满意", "bad": "不满意"}


@dataclass(frozen=True)
class Action:
    code: str
    label: str  # data label of the action, as on its button
    allowed_from: tuple[str, ...]
    to: str
    needs_note: bool


ACTIONS: dict[str, Action] = {a.code: a for a in (
    Action("accept", "受理", ("new",), "accepted", False),
    Action("transfer", "转办", ("accepted", "transferred"), "transferred", True),
    Action("close", "办结", ("accepted", "transferred"), "closed", True),
    Action("reject", "驳回", ("new", "accepted"), "rejected", True),
)}
MAX_NOTE = 500


def ticket_no(day: date, seq: int) -> str:
    return f"TS-{day:%Y%m%d}-{seq:04d}"


def members_about(session: Session, village_id: int) -> list[Member]:
    """Active members of the work teams stationed in the village: who a complaint may name."""
    q = (select(Member).join(Team, Member.team_id == Team.id)
         .where(Team.village_id == village_id, Team.active.is_(True), Member.active.is_(True),
                Member.role.in_([r.value for r in TEAM_ROLES]))
         .order_by(Member.id))
    return list(session.scalars(q))


def village_team(session: Session, village_id: int) -> Team | None:
    return session.scalar(select(Team).where(Team.village_id == village_id,
                                             Team.active.is_(True)).order_by(Team.id))


def villager_of(session: Session, actor: Actor) -> Villager:
    """The actor as the villager who may file and follow complaints, or a refusal."""
    v = session.get(Villager, actor.id) if actor.kind == "villager" else None
    if v is None or getattr(v, "active", True) is False:
        raise PermissionDenied("complaints.villagers_only")
    return v


def filed_today(session: Session, villager_id: int, day: date) -> int:
    return session.scalar(select(func.count(Complaint.id)).where(
        Complaint.villager_id == villager_id, Complaint.day == day)) or 0


def check_quota(session: Session, villager: Villager, day: date, limit: int) -> None:
    if filed_today(session, villager.id, day) >= limit:
        raise UserError("complaints.daily_limit", limit=limit)


def has_words(text: str) -> bool:
    """True if the text has at least one letter or digit (not only emoji or punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def file_complaint(session: Session, *, villager: Villager, category: str, text: str,
                   place_time: str | None, photos: list[str], anonymous: bool,
                   subject_member_id: int | None, about_team: bool, now: datetime, tz: str,
                   daily_limit: int) -> Complaint:
    day = local(now, tz).date()
    check_quota(session, villager, day, daily_limit)
    team_id = None
    if subject_member_id is not None:
        allowed = {m.id: m for m in members_about(session, villager.village_id)}
        if subject_member_id not in allowed:
            raise UserError("complaints.subject_gone")
        team_id = allowed[subject_member_id].team_id
    elif about_team:
        team = village_team(session, villager.village_id)
        team_id = team.id if team else None
    for _ in range(20):
        seq = (session.scalar(select(func.max(Complaint.seq)).where(Complaint.day == day)) or 0) + 1
        c = Complaint(ticket_no=ticket_no(day, seq), day=day, seq=seq,
                      county_id=villager.village.township.county_id, village_id=villager.village_id,
                      team_id=team_id, subject_member_id=subject_member_id,
                      villager_id=villager.id, anonymous=anonymous, category=category, text=text,
                      place_time=place_time or None, photos=list(photos), status="new",
                      created_at=now)
        try:
            with session.begin_nested():
                session.add(c)
        except IntegrityError:
            continue  # someone took this number a moment ago: take the next one
        break
    else:  # pragma: no cover - twenty collisions in a row
        raise UserError("complaints.busy")
    who = "anonymous" if anonymous else f"villager:{villager.id}"
    _event(session, c, who, None if anonymous else villager.name, "filed", now)
    audit.record(session, who, "complaint.filed", now, subject=f"complaint:{c.id}")
    log.info("complaint %s filed (%s)", c.ticket_no, "anonymous" if anonymous else "named")
    return c


def _event(session: Session, c: Complaint, actor: str, actor_name: str | None, action: str,
           now: datetime, note: str | None = None) -> ComplaintEvent:
    ev = ComplaintEvent(complaint_id=c.id, at=now, actor=actor, actor_name=actor_name,
                        action=action, status=c.status, note=note)
    session.add(ev)
    session.flush()
    return ev


# -- who may see and handle ---------------------------------------------------------------
def _in_subject_team(actor: Actor, c: Complaint) -> bool:
    return c.team_id is not None and actor.team_id == c.team_id


def is_author(actor: Actor, c: Complaint) -> bool:
    """The villager who filed it: kind and id, never the id alone."""
    return actor.kind == "villager" and actor.id == c.villager_id


def _is_staff(actor: Actor, c: Complaint, roles: tuple[Role, ...]) -> bool:
    return (actor.kind == "member" and actor.role in roles and actor.county_id == c.county_id
            and not _in_subject_team(actor, c))


def can_view(actor: Actor, c: Complaint) -> bool:
    if actor.kind == "villager":
        return is_author(actor, c)
    return _is_staff(actor, c, (Role.SUPERVISOR, Role.ADMIN))


def may_handle(actor: Actor, c: Complaint) -> bool:
    """Only the county's supervisors handle complaints, none in the team it is about."""
    return _is_staff(actor, c, (Role.SUPERVISOR,))


def authorise_handling(actor: Actor, c: Complaint) -> None:
    """`may_handle` or a refusal (audited by the router); buttons are untrusted input."""
    if not may_handle(actor, c):
        raise PermissionDenied("complaints.no_handling")


def not_found(ref: str) -> NotFound:
    return NotFound("complaints.not_found", ref=ref)


def find_visible(session: Session, actor: Actor, ref: str) -> Complaint:
    """The complaint if this actor may see it; otherwise the same words as a missing one,
    so ticket numbers cannot be probed (the attempt is refused, hence audited, with the
    prober as actor and no ticket named)."""
    ref = unicodedata.normalize("NFKC", ref or "").strip().upper()
    if not ref:
        raise UserError("complaints.ticket_needs_number")
    c = session.scalar(select(Complaint).where(Complaint.ticket_no == ref))
    if c is None:
        raise not_found(ref)
    if not can_view(actor, c):
        raise PermissionDenied("complaints.not_found", ref=ref)
    return c


def get_for_handling(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise PermissionDenied("complaints.no_handling")  # same words: ids cannot be probed
    authorise_handling(actor, c)
    return c


def check_transition(c: Complaint, action: Action) -> None:
    if c.status in action.allowed_from:
        return
    params = {"ticket": c.ticket_no, "status": STATUS_LABELS[c.status], "action": action.label}
    if c.status in ("closed", "rejected"):
        raise UserError("complaints.finished", **params)
    if c.status == "new":
        raise UserError("complaints.not_accepted", **params)
    allowed = "、".join(STATUS_LABELS[s] for s in action.allowed_from)
    raise UserError("complaints.wrong_status", allowed=allowed, **params)


def clean_note(text: str) -> str:
    note = (text or "").strip()
    if not note or not has_words(note):
        raise UserError("complaints.note_empty")
    if len(note) > MAX_NOTE:
        raise UserError("complaints.note_too_long", length=len(note), limit=MAX_NOTE)
    return note


def act(session: Session, c: Complaint, action_code: str, actor: Actor, note: str | None,
        now: datetime) -> ComplaintEvent:
    action = ACTIONS[action_code]
    authorise_handling(actor, c)
    check_transition(c, action)
    if action.needs_note:
        note = clean_note(note or "")
    c.status = action.to
    if action.to == "accepted":
        c.accepted_at = now
    if action.to in ("closed", "rejected"):
        c.closed_at = now
    ev = _event(session, c, actor.key, actor.name, action.code, now, note)
    audit.record(session, actor.key, f"complaint.{action.code}", now, subject=f"complaint:{c.id}")
    return ev


def rate(session: Session, actor: Actor, complaint_id: int, rating: str, now: datetime) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None or not is_author(actor, c) or rating not in RATINGS:
        raise PermissionDenied("complaints.not_author")
    if c.status != "closed":
        raise UserError("complaints.not_closed", ticket=c.ticket_no)
    if c.rating is not None:
        raise UserError("complaints.rated_already", rating=RATINGS[c.rating])
    c.rating, c.rated_at = rating, now
    who = "anonymous" if c.anonymous else actor.key
    _event(session, c, who, None if c.anonymous else actor.name, "rated", now, RATINGS[rating])
    return c


def events(session: Session, c: Complaint, actor: Actor) -> list[ComplaintEvent]:
    """The handling record as this actor may read it: staff see every step; the author
    sees the handling steps only (no escalations, no supervisors' names needed)."""
    if not can_view(actor, c):
        raise PermissionDenied("complaints.not_found", ref=c.ticket_no)
    q = select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id)
    if actor.kind == "villager":
        q = q.where(ComplaintEvent.action.in_(list(ACTIONS)))
    return list(session.scalars(q.order_by(ComplaintEvent.id)))


# -- who is told ----------------------------------------------------------------------------
def handlers(session: Session, c: Complaint) -> list[Member]:
    """Who is told of a complaint privately (no supervision group): the county's active
    supervisors who may handle it — never one in the team it is about — or, when there
    is none, the county's administrators, who must then know."""
    people = [m for m in session.scalars(select(Member).where(
        Member.role == Role.SUPERVISOR.value, Member.county_id == c.county_id,
        Member.active.is_(True)).order_by(Member.id))
        if c.team_id is None or m.team_id != c.team_id]
    return people or county_admins(session, c)


def county_admins(session: Session, c: Complaint) -> list[Member]:
    """Who is told of a missed deadline: the county's administrators (not of the team)."""
    return [m for m in session.scalars(select(Member).where(
        Member.role == Role.ADMIN.value, Member.county_id == c.county_id,
        Member.active.is_(True)).order_by(Member.id))
        if c.team_id is None or m.team_id != c.team_id]


# -- lists, deadlines, digests -------------------------------------------------------------
def for_villager(session: Session, actor: Actor, limit: int = 10) -> list[Complaint]:
    """The actor's own complaints, newest first (nothing for anyone but a villager)."""
    if actor.kind != "villager":
        return []
    return list(session.scalars(select(Complaint).where(Complaint.villager_id == actor.id)
                                .order_by(Complaint.id.desc()).limit(limit)))


def for_county(session: Session, actor: Actor, only_open: bool, limit: int = 30) -> list[Complaint]:
    q = select(Complaint).where(Complaint.county_id == actor.county_id)
    if only_open:
        q = q.where(Complaint.status.in_(OPEN_STATUSES))
    rows = session.scalars(q.order_by(Complaint.id.desc()).limit(limit * 2))
    return [c for c in rows if can_view(actor, c)][:limit]


def overdue_kinds(c: Complaint, now: datetime, accept_hours: int, close_days: int) -> list[str]:
    """Deadlines missed: "accept" (not accepted in time), "close" (not closed in time)."""
    kinds = []
    if c.status == "new" and now - c.created_at >= timedelta(hours=accept_hours):
        kinds.append("accept")
    if c.status in OPEN_STATUSES and now - c.created_at >= timedelta(days=close_days):
        kinds.append("close")
    return kinds


def overdue_kind(c: Complaint, now: datetime, accept_hours: int, close_days: int) -> str | None:
    kinds = overdue_kinds(c, now, accept_hours, close_days)
    return kinds[0] if kinds else None


def _limits(accept_hours: int | None, close_days: int | None) -> tuple[int, int]:
    if accept_hours is None or close_days is None:
        from services.config import get_settings

        st = get_settings()
        accept_hours = st.complaint_accept_hours if accept_hours is None else accept_hours
        close_days = st.complaint_close_days if close_days is None else close_days
    return accept_hours, close_days


def overdue(session: Session, now: datetime, accept_hours: int, close_days: int,
            county_id: int | None = None) -> list[tuple[Complaint, str]]:
    q = select(Complaint).where(Complaint.status.in_(OPEN_STATUSES))
    if county_id is not None:
        q = q.where(Complaint.county_id == county_id)
    out = []
    for c in session.scalars(q.order_by(Complaint.id)):
        out += [(c, kind) for kind in overdue_kinds(c, now, accept_hours, close_days)]
    return out


def record_escalation(session: Session, c: Complaint, kind: str, now: datetime) -> bool:
    """Write the escalation event once per (complaint, kind); False if already there."""
    action = f"escalated_{kind}"
    if session.scalar(select(ComplaintEvent.id).where(ComplaintEvent.complaint_id == c.id,
                                                      ComplaintEvent.action == action)):
        return False
    _event(session, c, "system", None, action, now)
    return True


def digest_counts(session: Session, *, county_id: int | None = None,
                  village_id: int | None = None, now: datetime,
                  accept_hours: int | None = None, close_days: int | None = None,
                  days: int = 30) -> dict:
    """Counts for leader and admin digests: no content, no names.

    open: not yet closed or rejected (any age); overdue: open past a deadline;
    by_category / by_status: tickets filed in the last `days` days (status codes as keys,
    see STATUS_LABELS).
    """
    q = select(Complaint)
    if county_id is not None:
        q = q.where(Complaint.county_id == county_id)
    if village_id is not None:
        q = q.where(Complaint.village_id == village_id)
    return _count(session.scalars(q), now, accept_hours, close_days, days)


def digest_counts_by_village(session: Session, village_ids: Iterable[int], *, now: datetime,
                             accept_hours: int | None = None, close_days: int | None = None,
                             days: int = 30) -> dict[int, dict]:
    """`digest_counts(village_id=…)` for many villages at once (one query per 500)."""
    ids = sorted(set(village_ids))
    found: dict[int, list[Complaint]] = {v: [] for v in ids}
    for i in range(0, len(ids), 500):
        for c in session.scalars(select(Complaint).where(Complaint.village_id.in_(ids[i:i + 500]))):
            found[c.village_id].append(c)
    return {v: _count(cs, now, accept_hours, close_days, days) for v, cs in found.items()}


def _count(complaints: Iterable[Complaint], now: datetime, accept_hours: int | None,
           close_days: int | None, days: int) -> dict:
    accept_hours, close_days = _limits(accept_hours, close_days)
    since = now - timedelta(days=days)
    result: dict = {"open": 0, "overdue": 0, "by_category": {}, "by_status": {}}
    for c in complaints:
        if c.status in OPEN_STATUSES:
            result["open"] += 1
            if overdue_kind(c, now, accept_hours, close_days):
                result["overdue"] += 1
        if c.created_at >= since:
            result["by_category"][c.category] = result["by_category"].get(c.category, 0) + 1
            result["by_status"][c.status] = result["by_status"].get(c.status, 0) + 1
    return result


def author(session: Session, c: Complaint) -> Villager | None:
    """The author as supervisors and exports may know them: None when anonymous. The one
    place that decides; nothing else reads `villager_id` except to notify the author."""
    if c.anonymous:
        return None
    return session.get(Villager, c.villager_id)


@dataclass(frozen=True)
class Subject:
    """Whom a complaint is about: a member, a whole team, or nobody in particular."""

    member: Member | None
    team: Team | None
    about_team: bool  # the team itself (also when its row is gone)


def subject(session: Session, c: Complaint) -> Subject:
    if c.subject_member_id is not None:
        m = session.get(Member, c.subject_member_id)
        if m is not None:
            return Subject(m, None, False)
    if c.team_id is not None:
        return Subject(None, session.get(Team, c.team_id), True)
    return Subject(None, None, False)
