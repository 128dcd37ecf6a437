"""Leave rules (请销假): who may take what, who approves, what was actually taken.

Pure functions over a Session and plain values; conversations only translate.
Every state change writes a LeaveEvent row in the same transaction, and nothing
is ever deleted, so the trail answers "who approved this, and when?" years later.

Whoever acts is a typed `Actor`: a check compares (kind, id), so a villager whose
villager id happens to equal a cadre's member id is nobody here. Refusals are
`UserError("leave.<key>", **params)`; the words are in conversations/leave/text.py.
Who is told of each step is decided here too (`recipients`), once for every flow.

Days: the approval tier is decided by calendar days (the regulations say "3天以内");
the flexible-leave allowance and yearly totals count working days on the official
calendar (a Saturday off is not leave). Half days count 0.5.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import dates
from services.actors import Actor
from services.config import Settings
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import Role
from storage.models import LeaveEvent, LeaveRequest, Member, Team

log = logging.getLogger(__name__)

PENDING, APPROVED, REJECTED, CANCELLED, RETURNED = (
    "pending", "approved", "rejected", "cancelled", "returned")
# Display names of the statuses: data labels (like the leave kinds), used in error
# parameters, lists and the export sheet.
STATUS_LABELS = {PENDING: "待审批", APPROVED: "已批准", REJECTED: "已驳回",
                 CANCELLED: "已取消", RETURNED: "已销假"}
# Leave that holds days: approved (planned or under way) and returned (taken).
HOLDING = (APPROVED, RETURNED)
# Leave that blocks the same days for a new request.
BLOCKING = (PENDING, APPROVED, RETURNED)
HALF_SLOTS = ("am", "pm")


# -- configuration ---------------------------------------------------------------------
@dataclass(frozen=True)
class Tier:
    role: Role
    max_days: Decimal | None  # None: no upper limit


@dataclass(frozen=True)
class LeavePolicy:
    """The per-deployment leave rules, read once from Settings."""

    types: tuple[str, ...]
    report_only: frozenset[str]
    flexible_type: str
    flexible_per_month: Decimal
    chain: tuple[Tier, ...]
    record_roles: tuple[Role, ...]
    backdate_days: int

    @classmethod
    def from_settings(cls, s: Settings) -> LeavePolicy:
        return cls(
            types=tuple(_split(s.leave_types)),
            report_only=frozenset(_split(s.leave_report_only_types)),
            flexible_type=s.leave_flexible_type.strip(),
            flexible_per_month=Decimal(str(s.leave_flexible_days_per_month)),
            chain=parse_chain(s.leave_approval_chain),
            record_roles=tuple(Role(r) for r in _split(s.leave_record_roles)),
            backdate_days=s.leave_backdate_days,
        )


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]


def parse_chain(text: str) -> tuple[Tier, ...]:
    """"team_leader:3,admin" -> leader up to 3 days, admin above. The last tier is open."""
    tiers: list[Tier] = []
    for part in _split(text):
        role, _, days = part.partition(":")
        tiers.append(Tier(Role(role.strip()), Decimal(days) if days.strip() else None))
    if not tiers:
        raise ValueError("LEAVE_APPROVAL_CHAIN is empty")
    last = tiers[-1]
    tiers[-1] = Tier(last.role, None)
    return tuple(tiers)


# -- periods ---------------------------------------------------------------------------
def requested_range(lv: LeaveRequest) -> dates.DateRange:
    return dates.DateRange(lv.start, lv.end, lv.start_half, lv.end_half)  # type: ignore[arg-type]


def taken_range(lv: LeaveRequest) -> dates.DateRange | None:
    """The days the leave really covers: shortened by 销假, None if none were used."""
    if lv.status != RETURNED or lv.actual_end is None:
        return requested_range(lv)
    return _make_range(lv.start, lv.start_half, lv.actual_end, lv.actual_end_half)


def _make_range(start: date, start_half: str | None, end: date,
                end_half: str | None) -> dates.DateRange | None:
    """A DateRange in the canonical spelling of services.dates, or None if empty."""
    if end < start:
        return None
    if start == end:
        if start_half == "pm" and end_half == "am":
            return None
        half = start_half or end_half
        return dates.DateRange(start, end, half, half)  # type: ignore[arg-type]
    return dates.DateRange(start, end, start_half, end_half)  # type: ignore[arg-type]


def day_fractions(r: dates.DateRange | None) -> Iterator[tuple[date, Decimal]]:
    if r is None:
        return
    for d, slots in _slots(r):
        yield d, Decimal("0.5") * len(slots)


def _slots(r: dates.DateRange) -> Iterator[tuple[date, frozenset[str]]]:
    """Each day of the range with the half days it covers ({am, pm} for a full day)."""
    d = r.start
    while d <= r.end:
        slots = set(HALF_SLOTS)
        if r.is_single_half_day:
            slots = {r.start_half}  # type: ignore[arg-type]
        else:
            if d == r.start and r.start_half == "pm":
                slots.discard("am")
            if d == r.end and r.end_half == "am":
                slots.discard("pm")
        yield d, frozenset(slots)  # type: ignore[arg-type]
        d += timedelta(days=1)


def overlaps(a: dates.DateRange | None, b: dates.DateRange | None) -> bool:
    """Half-day aware: a morning and an afternoon leave on the same day do not clash."""
    if a is None or b is None or a.end < b.start or b.end < a.start:
        return False
    sb = dict(_slots(b))
    return any(slots & sb.get(d, frozenset()) for d, slots in _slots(a))


def count_days(r: dates.DateRange | None) -> tuple[Decimal, Decimal]:
    """(calendar days, working days) of a range; (0, 0) for None."""
    if r is None:
        return Decimal(0), Decimal(0)
    return dates.leave_days(r)


def working_days_in(r: dates.DateRange | None, first: date, last: date) -> Decimal:
    """Working days of `r` that fall in first..last (a month, a year)."""
    from services import workdays

    return sum((f for d, f in day_fractions(r)
                if first <= d <= last and workdays.is_working_day(d)), Decimal(0))


def fmt_days(n: Decimal) -> str:
    n = Decimal(n)
    return str(int(n)) if n == int(n) else format(n.normalize(), "f")


def describe(lv: LeaveRequest, today: date | None = None) -> str:
    return dates.describe_range(requested_range(lv), today=today)


def short_period(lv: LeaveRequest) -> str:
    """"11月30日至12月2日" / "12月1日下午": the period as a date label (like
    services.dates.month_day), for lists, notices and error parameters."""
    r = requested_range(lv)
    half = {"am": "上午", "pm": "下午"}
    if r.start == r.end:
        return f"{r.start.month}月{r.start.day}日" + (half[r.start_half] if r.start_half else "")
    a = f"{r.start.month}月{r.start.day}日" + ("下午" if r.start_half == "pm" else "")
    b = f"{r.end.month}月{r.end.day}日" + ("上午" if r.end_half == "am" else "")
    return f"{a}至{b}"


# -- queries (also the cross-feature contracts) ----------------------------------------
def member_leaves(session: Session, member_id: int, statuses: Iterable[str] = BLOCKING,
                  start: date | None = None, end: date | None = None) -> list[LeaveRequest]:
    q = select(LeaveRequest).where(LeaveRequest.member_id == member_id,
                                   LeaveRequest.status.in_(tuple(statuses)))
    if start is not None:
        q = q.where(LeaveRequest.end >= start)
    if end is not None:
        q = q.where(LeaveRequest.start <= end)
    return list(session.scalars(q.order_by(LeaveRequest.start, LeaveRequest.id)))


def leave_dates(session: Session, member_id: int, start: date, end: date) -> dict[date, Decimal]:
    """CONTRACT: each date in start..end on approved or taken leave -> 1 or 0.5.

    After 销假 only the days actually taken count. Report-only absences (公差/出差)
    are included: they excuse the absence from the village like leave does.
    """
    return leave_dates_many(session, [member_id], start, end).get(member_id, {})


def leave_dates_many(session: Session, member_ids: Iterable[int], start: date,
                     end: date) -> dict[int, dict[date, Decimal]]:
    """`leave_dates` for many members at once (one query per 500), for digests and ticks.

    Members without leave in the range are absent from the result.
    """
    ids = sorted(set(member_ids))
    acc: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for i in range(0, len(ids), 500):
        q = (select(LeaveRequest).where(LeaveRequest.member_id.in_(ids[i:i + 500]),
                                        LeaveRequest.status.in_(HOLDING),
                                        LeaveRequest.end >= start, LeaveRequest.start <= end)
             .order_by(LeaveRequest.start, LeaveRequest.id))
        for lv in session.scalars(q):
            out = acc[lv.member_id]
            for d, f in day_fractions(taken_range(lv)):
                if start <= d <= end:
                    out[d] = min(Decimal(1), out[d] + f)
    result = {mid: {d: f for d, f in sorted(days.items()) if f > 0} for mid, days in acc.items()}
    return {mid: days for mid, days in result.items() if days}


def pending_approvals(session: Session, approver_member_id: int) -> list[LeaveRequest]:
    """CONTRACT: requests waiting for this approver's decision, oldest first."""
    return list(session.scalars(
        select(LeaveRequest).where(LeaveRequest.approver_id == approver_member_id,
                                   LeaveRequest.status == PENDING)
        .order_by(LeaveRequest.created_at, LeaveRequest.id)))


def pending_counts(session: Session, approver_ids: Iterable[int]) -> dict[int, int]:
    """How many requests wait for each approver: `len(pending_approvals)` for many at once."""
    ids = sorted(set(approver_ids))
    out: dict[int, int] = {}
    for i in range(0, len(ids), 500):
        for approver, n in session.execute(
                select(LeaveRequest.approver_id, func.count())
                .where(LeaveRequest.approver_id.in_(ids[i:i + 500]), LeaveRequest.status == PENDING)
                .group_by(LeaveRequest.approver_id)):
            out[approver] = n
    return out


def unreturned(session: Session, team_id: int, today: date) -> list[LeaveRequest]:
    """CONTRACT: approved leave of the team that ended before today without 销假."""
    return unreturned_many(session, {team_id: today}).get(team_id, [])


def unreturned_many(session: Session, today_of: dict[int, date]) -> dict[int, list[LeaveRequest]]:
    """`unreturned` for many teams (team id -> that team's today) in one query per 500."""
    ids = sorted(today_of)
    out: dict[int, list[LeaveRequest]] = defaultdict(list)
    if not ids:
        return out
    latest = max(today_of.values())
    rows: list[LeaveRequest] = []
    for i in range(0, len(ids), 500):
        rows += session.scalars(select(LeaveRequest).where(
            LeaveRequest.team_id.in_(ids[i:i + 500]), LeaveRequest.status == APPROVED,
            LeaveRequest.end < latest))
    for lv in sorted(rows, key=lambda lv: (lv.end, lv.id)):
        if lv.team_id is not None and lv.end < today_of[lv.team_id]:
            out[lv.team_id].append(lv)
    return out


def get(session: Session, leave_id: int) -> LeaveRequest:
    lv = session.get(LeaveRequest, leave_id)
    if lv is None:
        raise NotFound("leave.not_found")
    return lv


def events(session: Session, leave_id: int) -> list[LeaveEvent]:
    return list(session.scalars(select(LeaveEvent).where(LeaveEvent.leave_id == leave_id)
                                .order_by(LeaveEvent.id)))


# -- balance ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Balance:
    """The flexible-leave allowance of one month, in working days."""

    year: int
    month: int
    quota: Decimal
    used: Decimal  # approved or taken
    pending: Decimal  # asked, not yet decided

    @property
    def left(self) -> Decimal:
        return max(Decimal(0), self.quota - self.used - self.pending)


def flexible_balance(session: Session, policy: LeavePolicy, member_id: int, year: int,
                     month: int, *, exclude_id: int | None = None) -> Balance:
    first, last = dates.month_bounds(year, month)
    used = pending = Decimal(0)
    for lv in member_leaves(session, member_id, (PENDING, *HOLDING), first, last):
        if lv.kind != policy.flexible_type or lv.id == exclude_id:
            continue
        n = working_days_in(taken_range(lv), first, last)
        if lv.status == PENDING:
            pending += n
        else:
            used += n
    return Balance(year, month, policy.flexible_per_month, used, pending)


def months_of(r: dates.DateRange) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    d = r.start
    while d <= r.end:
        if (d.year, d.month) not in out:
            out.append((d.year, d.month))
        d += timedelta(days=1)
    return out


def year_totals(session: Session, policy: LeavePolicy, member_id: int,
                year: int) -> dict[str, Decimal]:
    """Working days of leave per kind this year (approved or taken), report-only included."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for lv in member_leaves(session, member_id, HOLDING, first, last):
        totals[lv.kind] += working_days_in(taken_range(lv), first, last)
    return {k: v for k, v in totals.items() if v > 0}


# -- checks ----------------------------------------------------------------------------
def check_period(session: Session, policy: LeavePolicy, actor: Actor, kind: str,
                 r: dates.DateRange, today: date) -> None:
    """Raise UserError with the reason the actor cannot ask for this period; silent when fine."""
    _check_period(session, policy, own_member(session, actor).id, kind, r, today)


def _check_period(session: Session, policy: LeavePolicy, member_id: int, kind: str,
                  r: dates.DateRange, today: date, *, exclude_id: int | None = None) -> None:
    if kind not in policy.types:
        raise UserError("leave.unknown_kind", kind=kind)
    oldest = today - timedelta(days=policy.backdate_days)
    if r.start < oldest:
        raise UserError("leave.too_far_back", start=dates.month_day(r.start),
                        days=(today - r.start).days, limit=policy.backdate_days)
    for other in member_leaves(session, member_id, BLOCKING, r.start, r.end):
        if other.id != exclude_id and overlaps(r, taken_range(other)):
            raise UserError("leave.overlap", leave_id=other.id, period=short_period(other),
                            kind=other.kind, status=STATUS_LABELS[other.status])
    if kind == policy.flexible_type:
        for y, m in months_of(r):
            first, last = dates.month_bounds(y, m)
            need = working_days_in(r, first, last)
            bal = flexible_balance(session, policy, member_id, y, m, exclude_id=exclude_id)
            if need > bal.left:
                raise UserError("leave.flexible_exceeded", month=m, left=fmt_days(bal.left),
                                quota=fmt_days(bal.quota), need=fmt_days(need))


# -- approver --------------------------------------------------------------------------
def _people_with_role(session: Session, role: Role, team: Team | None,
                      county_id: int | None) -> list[Member]:
    q = select(Member).where(Member.role == role.value, Member.active.is_(True))
    if role in (Role.TEAM_LEADER, Role.FIRST_SECRETARY, Role.CADRE):
        if team is None:
            return []
        q = q.where(Member.team_id == team.id)
    else:
        if county_id is None:
            return []
        q = q.where(Member.county_id == county_id)
    return list(session.scalars(q.order_by(Member.id)))


def _county_of(member: Member) -> int | None:
    if member.team is not None:
        return member.team.village.township.county_id
    return member.county_id


def choose_approver(session: Session, policy: LeavePolicy, member: Member,
                    calendar_days: Decimal) -> tuple[Member, Tier]:
    """The tier for this length; a member who sits on that tier (or above) goes one up.

    A tier with nobody in post passes to the next one, so a team without a leader
    still gets an answer from the county rather than waiting forever.
    """
    chain = policy.chain
    idx = next(i for i, t in enumerate(chain) if t.max_days is None or calendar_days <= t.max_days)
    own = [i for i, t in enumerate(chain) if t.role.value == member.role]
    if own:
        idx = max(idx, own[0] + 1)
    for tier in chain[idx:]:
        people = [p for p in _people_with_role(session, tier.role, member.team, _county_of(member))
                  if p.id != member.id]
        if people:
            return people[0], tier
    raise UserError("leave.no_approver")


def record_recipients(session: Session, policy: LeavePolicy, lv: LeaveRequest) -> list[Member]:
    """People copied for the record (备案), never the requester or the approver."""
    out: list[Member] = []
    for role in policy.record_roles:
        for p in _people_with_role(session, role, lv.member.team, _county_of(lv.member)):
            if p.id not in (lv.member_id, lv.approver_id) and p not in out:
                out.append(p)
    return out


def team_leaders(session: Session, team_id: int | None) -> list[Member]:
    if team_id is None:
        return []
    return list(session.scalars(select(Member).where(
        Member.team_id == team_id, Member.role == Role.TEAM_LEADER.value,
        Member.active.is_(True)).order_by(Member.id)))


# -- who is told of what -------------------------------------------------------------------
REQUESTED_N, REPORTED_N, REMINDER_N = "request", "reported", "remind"
APPROVED_N, REJECTED_N, CANCELLED_N = "approved", "rejected", "cancelled"
RETURNED_N, UNRETURNED_N, RECORD_N = "returned", "unreturned", "record"
NOTICES = (REQUESTED_N, REPORTED_N, REMINDER_N, APPROVED_N, REJECTED_N, CANCELLED_N,
           RETURNED_N, UNRETURNED_N, RECORD_N)


def recipients(session: Session, policy: LeavePolicy, lv: LeaveRequest,
               notice: str) -> list[Member]:
    """Who is told of `notice` about `lv`: the one answer every flow uses (the dialogs, the
    buttons and the ticks), so a notice reaches the same people whichever way it starts.

    - request / reported / remind / cancelled: the approver (the one who would act);
    - approved / rejected: the requester;
    - returned (销假): the team's leaders and the approver — the people who watch the
      absence; unreturned (ended without 销假): the requester, to report back, and the
      same watchers, so whoever is told of the return was told of the delay;
    - record (备案): the roles in LEAVE_RECORD_ROLES, never the requester or the approver.
    Only active people; never the requester about their own leave except as its subject.
    """
    if notice not in NOTICES:
        raise ValueError(f"unknown leave notice {notice!r}")
    if notice in (REQUESTED_N, REPORTED_N, REMINDER_N, CANCELLED_N):
        people = [lv.approver] if lv.approver is not None else []
    elif notice in (APPROVED_N, REJECTED_N):
        return [lv.member] if lv.member.active else []
    elif notice == RECORD_N:
        return record_recipients(session, policy, lv)
    else:
        people = [*team_leaders(session, lv.team_id),
                  *([lv.approver] if lv.approver is not None else [])]
        if notice == UNRETURNED_N:
            people.insert(0, lv.member)
            return _unique_active(people)
    return [p for p in _unique_active(people) if p.id != lv.member_id]


def _unique_active(people: Iterable[Member]) -> list[Member]:
    out: list[Member] = []
    for p in people:
        if p.active and all(p.id != q.id for q in out):
            out.append(p)
    return out


# -- state changes ---------------------------------------------------------------------
def _event(session: Session, lv: LeaveRequest, action: str, actor: str, now: datetime,
           note: str | None = None) -> None:
    session.add(LeaveEvent(leave_id=lv.id, action=action, actor=actor, at=now, note=note))


def own_member(session: Session, actor: Actor) -> Member:
    """The actor as the active team member who may ask for leave, or a refusal."""
    member = session.get(Member, actor.id) if actor.kind == "member" else None
    if member is None or not member.active:
        raise PermissionDenied("leave.inactive")
    if member.team_id is None:
        raise PermissionDenied("leave.team_only")
    return member


def request_leave(session: Session, policy: LeavePolicy, *, actor: Actor, kind: str,
                  r: dates.DateRange, reason: str, today: date, now: datetime) -> LeaveRequest:
    """File the actor's request (or a report, for report-only kinds) after every check."""
    member = own_member(session, actor)
    _check_period(session, policy, member.id, kind, r, today)
    cal, _ = dates.leave_days(r)
    approver, _tier = choose_approver(session, policy, member, cal)
    report_only = kind in policy.report_only
    lv = LeaveRequest(member_id=member.id, team_id=member.team_id, kind=kind, start=r.start,
                      end=r.end, start_half=r.start_half, end_half=r.end_half,
                      reason=reason.strip(), status=APPROVED if report_only else PENDING,
                      report_only=report_only, approver_id=approver.id, created_at=now)
    session.add(lv)
    session.flush()
    _event(session, lv, "reported" if report_only else "requested", actor.key, now,
           reason.strip() or None)
    return lv


@dataclass(frozen=True)
class Decision:
    leave: LeaveRequest
    changed: bool  # False: it had been decided already (a second press)
    after_start: bool = False


def is_member(actor: Actor, member_id: int | None) -> bool:
    """True if the actor is the member with this id: kind and id, never the id alone."""
    return actor.kind == "member" and member_id is not None and actor.id == member_id


def _authorise_approver(lv: LeaveRequest, actor: Actor) -> None:
    if not is_member(actor, lv.approver_id):
        log.warning("leave %s: %s tried to decide, approver is member:%s", lv.id,
                    actor.key, lv.approver_id)
        if lv.approver is None:
            raise PermissionDenied("leave.not_approver_nobody")
        raise PermissionDenied("leave.not_approver", approver=lv.approver.name)


def _authorise_requester(lv: LeaveRequest, actor: Actor, code: str) -> None:
    if not is_member(actor, lv.member_id):
        log.warning("leave %s: %s is not the requester (member:%s)", lv.id, actor.key,
                    lv.member_id)
        raise PermissionDenied(code)


def decide(session: Session, leave_id: int, *, actor: Actor, approve: bool,
           now: datetime, today: date, note: str | None = None) -> Decision:
    """Approve or reject. Only the assigned approver may; a second press changes nothing."""
    lv = get(session, leave_id)
    _authorise_approver(lv, actor)
    if lv.status != PENDING:
        return Decision(lv, changed=False)
    if not approve and not (note and note.strip()):
        raise UserError("leave.reason_required")
    lv.status = APPROVED if approve else REJECTED
    lv.decided_at, lv.decided_by = now, actor.id
    lv.decision_note = note.strip() if note else None
    _event(session, lv, "approved" if approve else "rejected", actor.key, now,
           lv.decision_note)
    return Decision(lv, changed=True, after_start=today >= lv.start)


def check_can_reject(session: Session, leave_id: int, actor: Actor) -> LeaveRequest:
    """Before asking the approver for a reason: right person (undecided is the caller's
    question, so a second press can say what was decided)."""
    lv = get(session, leave_id)
    _authorise_approver(lv, actor)
    return lv


def cancel(session: Session, leave_id: int, *, actor: Actor, today: date,
           now: datetime) -> Decision:
    """The requester withdraws a pending leave, or an approved one that has not started."""
    lv = get(session, leave_id)
    _authorise_requester(lv, actor, "leave.not_own_cancel")
    if lv.status in (CANCELLED, REJECTED, RETURNED):
        return Decision(lv, changed=False)
    if lv.status == APPROVED and lv.start <= today:
        raise UserError("leave.cancel_started")
    lv.status = CANCELLED
    _event(session, lv, "cancelled", actor.key, now)
    return Decision(lv, changed=True)


def active_leave(session: Session, member_id: int, today: date) -> LeaveRequest | None:
    """The approved leave to report back from: started already, oldest first."""
    return session.scalar(select(LeaveRequest).where(
        LeaveRequest.member_id == member_id, LeaveRequest.status == APPROVED,
        LeaveRequest.start <= today).order_by(LeaveRequest.start, LeaveRequest.id).limit(1))


def leave_to_report_back(session: Session, actor: Actor, today: date,
                         leave_id: int | None = None) -> LeaveRequest:
    """The leave 销假 is about: the one named (a button), else the actor's oldest started
    approved leave; only the requester's own, only once it has started."""
    if leave_id is not None:
        lv: LeaveRequest | None = get(session, leave_id)
        _authorise_requester(lv, actor, "leave.not_own_back")  # type: ignore[arg-type]
    else:
        lv = active_leave(session, own_member(session, actor).id, today)
    if lv is None or lv.status != APPROVED:
        raise UserError("leave.nothing_to_back")
    if lv.start > today:
        raise UserError("leave.back_not_started")
    return lv


@dataclass(frozen=True)
class ReturnPlan:
    """What 销假 on a given day means: the last leave day actually taken."""

    leave: LeaveRequest
    back_on: date
    back_half: str | None  # "pm": back for the afternoon, the morning was still leave
    actual: dates.DateRange | None
    early: bool
    late_days: int


def _point(d: date, half: str | None) -> tuple[date, int]:
    """The end of a leave as a comparable point: through the morning < through the day."""
    return d, 0 if half == "am" else 1


def plan_return(lv: LeaveRequest, back_on: date, back_half: str | None = None) -> ReturnPlan:
    """Back on `back_on` (morning, or afternoon when back_half == "pm")."""
    if back_half == "pm":
        last, last_half = back_on, "am"
    else:
        last, last_half = back_on - timedelta(days=1), None
    if _point(last, last_half) >= _point(lv.end, lv.end_half):  # back late or on time
        last, last_half = lv.end, lv.end_half
    actual = _make_range(lv.start, lv.start_half, last, last_half)
    planned = count_days(requested_range(lv))[0]
    early = count_days(actual)[0] < planned
    late = max(0, (back_on - lv.end).days - 1)
    return ReturnPlan(lv, back_on, back_half, actual, early, late)


def report_back(session: Session, leave_id: int, *, actor: Actor, back_on: date,
                back_half: str | None, today: date, now: datetime) -> ReturnPlan:
    """销假: close the leave on the real return date so only days taken count."""
    lv = get(session, leave_id)
    _authorise_requester(lv, actor, "leave.not_own_back")
    if lv.status != APPROVED:
        raise UserError("leave.back_not_approved", status=STATUS_LABELS[lv.status])
    if back_on > today:
        raise UserError("leave.back_future")
    if back_on < lv.start:
        raise UserError("leave.back_before_start", period=short_period(lv))
    plan = plan_return(lv, back_on, back_half)
    lv.status, lv.returned_at = RETURNED, now
    if plan.actual is None:
        lv.actual_end, lv.actual_end_half = lv.start - timedelta(days=1), None
    else:
        lv.actual_end = plan.actual.end
        lv.actual_end_half = "am" if plan.actual.end_half == "am" else None
    # the note is data, not words: the return day, "pm" when back for the afternoon
    _event(session, lv, "returned", actor.key, now,
           back_on.isoformat() + (" pm" if back_half == "pm" else ""))
    return plan


def overdue_for_reminder(session: Session, now: datetime, hours: int) -> list[tuple[LeaveRequest, int]]:
    """Pending requests older than `hours`, with which reminder round is due (1, 2, ...)."""
    if hours <= 0:
        return []
    rows = session.scalars(select(LeaveRequest).where(
        LeaveRequest.status == PENDING,
        LeaveRequest.created_at <= now - timedelta(hours=hours)))
    out = []
    for lv in rows:
        rounds = int((now - lv.created_at) / timedelta(hours=hours))
        out.append((lv, rounds))
    return out
