"""Poverty-return monitoring cases (防返贫监测对象识别): opened, moved through the
stages on China's working-day clock, decided, and later closed as 风险消除.

Stages and who acts at each (provincial practice; DOMAIN.md):
  check    入户核实        any member of the village's work team (the contact cadre first)
  review   村级评议、公示   the first secretary or the team leader (often at the monthly meeting)
  township 乡镇审核        the team leader (a township leader, 乡镇领导兼任)
  county   县级审批        an administrator of the county
Identification takes at most `monitoring_working_days` (20) working days from the day a
case was opened; `due_on` is that last working day on the official calendar.

Privacy: a villager's own request (their words) is read by the village's work team only.
County administrators see the case at the county stage without the words; supervisors
never see a case; another villager never learns of it. Refusals are audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.errors import PermissionDenied, UserError
from services.households import team_people
from services.roles import TEAM_ROLES, Role
from services.workdays import default_calendar
from storage.models import (
    CaseEvent,
    Household,
    Member,
    MonitoringCase,
    MonitoringMeeting,
    Team,
    Township,
    Village,
    Villager,
)

STAGES = ("check", "review", "township", "county")
CLOSED = "closed"
SOURCES = ("self", "visit", "warning")
STAGE_ROLES: dict[str, frozenset[Role]] = {
    "check": frozenset(TEAM_ROLES),
    "review": frozenset({Role.FIRST_SECRETARY, Role.TEAM_LEADER}),
    "township": frozenset({Role.TEAM_LEADER}),
    "county": frozenset({Role.ADMIN}),
}
MAX_TEXT = 500
DUE_SOON_DAYS = 7


# -- the clock ---------------------------------------------------------------------------------
def add_working_days(start: date, n: int, cal=default_calendar) -> date:  # type: ignore[no-untyped-def]
    """The n-th working day after `start` (the day a case opens does not count)."""
    d, k = start, 0
    while k < n:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            k += 1
    return d


@dataclass(frozen=True)
class CaseClock:
    used: int  # working days gone since the case opened
    total: int
    left: int  # working days after today up to the due day (0 on the due day and after)
    due_on: date
    overdue: bool
    authoritative: bool  # False: the official calendar of a year is not known yet


def clock(case: MonitoringCase, today: date, total: int, cal=default_calendar) -> CaseClock:  # type: ignore[no-untyped-def]
    end = today if case.closed_at is None else min(today, case.due_on)
    used = cal.working_days_between(case.opened_on + timedelta(days=1), end) \
        if end > case.opened_on else 0
    left = cal.working_days_between(today + timedelta(days=1), case.due_on) \
        if today < case.due_on else 0
    return CaseClock(used, total, left, case.due_on,
                     overdue=case.stage != CLOSED and today > case.due_on,
                     authoritative=cal.is_authoritative(case.opened_on, case.due_on))


# -- who may see and act --------------------------------------------------------------------------
def _member(session: Session, actor: Actor | None) -> Member | None:
    if actor is None or actor.kind != "member":
        return None
    m = session.get(Member, actor.id)
    return m if m is not None and m.active else None


def county_of_village(session: Session, village_id: int) -> int | None:
    return session.scalar(select(Township.county_id).join(Village, Village.township_id == Township.id)
                          .where(Village.id == village_id))


def on_team(session: Session, m: Member | None, village_id: int) -> bool:
    if m is None or m.role not in {r.value for r in TEAM_ROLES} or m.team_id is None:
        return False
    team = session.get(Team, m.team_id)
    return team is not None and team.village_id == village_id


def reader(session: Session, actor: Actor | None, case: MonitoringCase) -> str:
    """How the actor may read the case: "team" (everything, the villager's words too),
    "county" (an administrator of the county: no words), "applicant" (the villager who
    asked: status only); anyone else is refused."""
    m = _member(session, actor)
    if on_team(session, m, case.village_id):
        return "team"
    if m is not None and m.role == Role.ADMIN.value \
            and m.county_id == county_of_village(session, case.village_id):
        return "county"
    if actor is not None and (actor.kind, actor.id) == ("villager", case.applicant_villager_id):
        return "applicant"
    raise PermissionDenied("households.case_not_yours")


def get_case(session: Session, actor: Actor | None, case_id: int) -> tuple[MonitoringCase, str]:
    case = session.get(MonitoringCase, case_id)
    if case is None:
        raise PermissionDenied("households.case_not_yours")  # same words as someone else's
    return case, reader(session, actor, case)


def may_act(session: Session, actor: Actor | None, case: MonitoringCase, stage: str) -> Member:
    """The member who may decide `stage` of the case, or a refusal naming who may."""
    m = _member(session, actor)
    roles = STAGE_ROLES[stage]
    ok = m is not None and Role(m.role) in roles and (
        on_team(session, m, case.village_id) if stage != "county"
        else m.county_id == county_of_village(session, case.village_id))
    if not ok:
        raise PermissionDenied("households.stage_not_yours", stage=stage)
    assert m is not None
    return m


def responsible(session: Session, case: MonitoringCase) -> list[Member]:
    """Who acts at the case's current stage (shown on the card, told when it arrives)."""
    people = team_people(session, case.village_id)
    by_role: dict[str, list[Member]] = defaultdict(list)
    for p in people:
        by_role[p.role].append(p)
    if case.stage == "check":
        h = session.get(Household, case.household_id) if case.household_id else None
        contact = [p for p in people if h is not None and p.id == h.contact_member_id]
        return contact or by_role[Role.FIRST_SECRETARY.value] or by_role[Role.TEAM_LEADER.value]
    if case.stage == "review":
        return by_role[Role.FIRST_SECRETARY.value] or by_role[Role.TEAM_LEADER.value]
    if case.stage == "township":
        return by_role[Role.TEAM_LEADER.value]
    if case.stage == "county":
        county = county_of_village(session, case.village_id)
        return list(session.scalars(select(Member).where(
            Member.role == Role.ADMIN.value, Member.county_id == county,
            Member.active.is_(True)).order_by(Member.id)))
    return []


def team_recipients(session: Session, case: MonitoringCase) -> list[Member]:
    """The village's team: the contact cadre, the first secretary and the team leader
    (never a supervisor: supervisors are not members of a team)."""
    people = team_people(session, case.village_id)
    h = session.get(Household, case.household_id) if case.household_id else None
    keep = [p for p in people if p.role in (Role.FIRST_SECRETARY.value, Role.TEAM_LEADER.value)
            or (h is not None and p.id == h.contact_member_id)]
    return keep or people


# -- opening -----------------------------------------------------------------------------------
def _new_case(session: Session, *, village_id: int, household: Household | None, source: str,
              opened_by: str, today: date, now: datetime, days: int, request_text: str | None = None,
              risk: str | None = None, applicant: int | None = None) -> MonitoringCase:
    team = session.scalar(select(Team).where(Team.village_id == village_id, Team.active.is_(True))
                          .order_by(Team.id).limit(1))
    case = MonitoringCase(village_id=village_id, team_id=team.id if team else None,
                          household_id=household.id if household else None,
                          applicant_villager_id=applicant, source=source,
                          request_text=request_text, risk=risk, stage="check", opened_on=today,
                          due_on=add_working_days(today, days), opened_by=opened_by,
                          created_at=now)
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, at=now, actor=opened_by, action="opened", stage="check",
                          note=risk, photos=[]))
    return case


def open_case_of(session: Session, household_id: int | None, applicant: int | None = None
                 ) -> MonitoringCase | None:
    conds = []
    if household_id is not None:
        conds.append(MonitoringCase.household_id == household_id)
    if applicant is not None:
        conds.append(MonitoringCase.applicant_villager_id == applicant)
    if not conds:
        return None
    from sqlalchemy import or_

    return session.scalar(select(MonitoringCase).where(or_(*conds),
                                                       MonitoringCase.stage != CLOSED)
                          .order_by(MonitoringCase.id).limit(1))


def villager_request(session: Session, actor: Actor | None, words: str, today: date,
                     now: datetime, days: int) -> tuple[MonitoringCase, bool]:
    """A villager asks to be considered (农户自主申报), in their own words.

    Their household is the one whose head has their name in their village, when exactly
    one does; otherwise the team links it at the check. A second request while a case is
    open adds the words to that case. Returns (case, opened now)."""
    if actor is None or actor.kind != "villager":
        raise PermissionDenied("households.villagers_only")
    v = session.get(Villager, actor.id)
    if v is None:
        raise PermissionDenied("households.villagers_only")
    words = (words or "").strip()
    if not words:
        raise UserError("households.request_empty")
    if len(words) > MAX_TEXT:
        raise UserError("households.request_too_long", n=len(words), limit=MAX_TEXT)
    same = list(session.scalars(select(Household).where(
        Household.village_id == v.village_id, Household.head_name == v.name,
        Household.active.is_(True))))
    household = same[0] if len(same) == 1 else None
    existing = open_case_of(session, household.id if household else None, v.id)
    if existing is not None:
        session.add(CaseEvent(case_id=existing.id, at=now, actor=actor.key, action="note",
                              stage=existing.stage, note=words, photos=[]))
        if existing.applicant_villager_id is None:
            existing.applicant_villager_id = v.id
            existing.request_text = words
        return existing, False
    case = _new_case(session, village_id=v.village_id, household=household, source="self",
                     opened_by=actor.key, today=today, now=now, days=days, request_text=words,
                     applicant=v.id)
    return case, True


def flag_household(session: Session, actor: Actor | None, household_id: int, risk: str,
                   today: date, now: datetime, days: int) -> MonitoringCase:
    """A cadre flags a household after a visit (干部走访发现)."""
    from services.households import require_household

    h = require_household(session, actor, household_id)
    risk = (risk or "").strip()
    if not risk:
        raise UserError("households.risk_empty")
    if len(risk) > MAX_TEXT:
        raise UserError("households.request_too_long", n=len(risk), limit=MAX_TEXT)
    existing = open_case_of(session, h.id)
    if existing is not None:
        raise UserError("households.case_exists", case=existing.id)
    assert actor is not None
    return _new_case(session, village_id=h.village_id, household=h, source="visit",
                     opened_by=actor.key, today=today, now=now, days=days, risk=risk)


def import_warnings(session: Session, village_id: int, rows: list[list[object]], today: date,
                    now: datetime, days: int) -> tuple[list[MonitoringCase], list[tuple[int, str, dict]]]:  # type: ignore[type-arg]
    """Department warning data (部门预警): columns 户主, 预警内容 (and optionally 部门, 网格).
    All or nothing; rows naming no household, several, or one with an open case are errors."""
    if not rows:
        raise UserError("households.sheet_empty")
    titles = [str(c).strip() if c is not None else "" for c in rows[0]]
    def col(*names: str) -> int | None:
        return next((i for i, t in enumerate(titles) if t in names), None)
    c_name, c_risk = col("户主", "户主姓名", "姓名"), col("预警内容", "预警原因", "预警信息", "风险")
    c_dept, c_grid = col("部门", "预警部门", "来源"), col("网格", "所属网格")
    if c_name is None or c_risk is None:
        raise UserError("households.warning_columns")
    heads: dict[str, list[Household]] = defaultdict(list)
    for h in session.scalars(select(Household).where(Household.village_id == village_id,
                                                     Household.active.is_(True))):
        heads[h.head_name].append(h)

    def cell(row: list[object], i: int | None) -> str:
        return "" if i is None or i >= len(row) or row[i] is None else str(row[i]).strip()

    errors: list[tuple[int, str, dict]] = []  # type: ignore[type-arg]
    todo: list[tuple[Household, str]] = []
    seen: set[int] = set()
    for n, row in enumerate(rows[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        name, risk = cell(row, c_name), cell(row, c_risk)
        grid, dept = cell(row, c_grid), cell(row, c_dept)
        fits = [h for h in heads.get(name, []) if not grid or (h.grid or "") == grid]
        if not risk:
            errors.append((n, "row_no_risk", {}))
        elif len(fits) != 1:
            errors.append((n, "row_no_household" if not fits else "row_many_households",
                           {"value": name[:20]}))
        elif fits[0].id in seen or open_case_of(session, fits[0].id) is not None:
            errors.append((n, "row_case_open", {"value": name[:20]}))
        else:
            seen.add(fits[0].id)
            todo.append((fits[0], f"{dept}：{risk}" if dept else risk))
    if errors:
        return [], errors
    cases = [_new_case(session, village_id=village_id, household=h, source="warning",
                       opened_by="cli", today=today, now=now, days=days, risk=r[:MAX_TEXT])
             for h, r in todo]
    return cases, []


# -- moving on --------------------------------------------------------------------------------------
@dataclass
class Step:
    case: MonitoringCase
    event: CaseEvent
    moved_to: str | None = None  # the new stage, or "closed"


def act(session: Session, actor: Actor | None, case_id: int, action: str, now: datetime, *,
        note: str | None = None, photos: list[str] | None = None,
        meeting_id: int | None = None) -> Step:
    """pass (this stage is done) | no (不纳入, with a reason) | hold (the meeting keeps
    it at this stage) | note (evidence: words or photos) | clear (风险消除, with a reason)."""
    case = session.get(MonitoringCase, case_id)
    if case is None:
        raise PermissionDenied("households.case_not_yours")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_TEXT:
        raise UserError("households.request_too_long", n=len(note), limit=MAX_TEXT)
    photos = [p for p in photos or [] if isinstance(p, str)]
    if action == "note":
        kind = reader(session, actor, case)
        if kind not in ("team", "county"):
            raise PermissionDenied("households.case_not_yours")
        if note is None and not photos:
            raise UserError("households.note_empty")
        m = _member(session, actor)
    elif action == "clear":
        if case.outcome != "included":
            raise UserError("households.clear_not_included")
        m = may_act(session, actor, case, "review")
        if note is None:
            raise UserError("households.reason_needed")
    else:
        if case.stage == CLOSED:
            raise UserError("households.case_closed")
        m = may_act(session, actor, case, case.stage)
        if action == "no" and note is None:
            raise UserError("households.reason_needed")
        if action not in ("pass", "no", "hold"):
            raise UserError("households.bad_action")
    assert actor is not None and m is not None
    ev = CaseEvent(case_id=case.id, at=now, actor=actor.key, action=action, stage=case.stage,
                   note=note, photos=photos, meeting_id=meeting_id)
    session.add(ev)
    step = Step(case, ev)
    if action == "pass":
        i = STAGES.index(case.stage)
        if i + 1 < len(STAGES):
            case.stage = step.moved_to = STAGES[i + 1]
        else:
            case.stage = step.moved_to = CLOSED
            case.outcome, case.closed_at = "included", now
    elif action == "no":
        case.stage = step.moved_to = CLOSED
        case.outcome, case.outcome_reason, case.closed_at = "not_included", note, now
    elif action == "clear":
        case.outcome, case.outcome_reason = "cleared", note
        step.moved_to = CLOSED
    session.flush()
    return step


def events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.at, CaseEvent.id)))


def cases_for(session: Session, actor: Actor | None, *, open_only: bool = True
              ) -> list[MonitoringCase]:
    """The cases of the actor's village (team) or, for an administrator, those waiting
    for the county."""
    m = _member(session, actor)
    if m is None:
        raise PermissionDenied("households.case_staff_only")
    q = select(MonitoringCase)
    if m.role == Role.ADMIN.value and m.county_id is not None:
        q = q.join(Village, Village.id == MonitoringCase.village_id).join(
            Township, Township.id == Village.township_id).where(
            Township.county_id == m.county_id, MonitoringCase.stage == "county")
    elif m.role in {r.value for r in TEAM_ROLES} and m.team_id is not None:
        team = session.get(Team, m.team_id)
        q = q.where(MonitoringCase.village_id == (team.village_id if team else -1))
        if open_only:
            q = q.where(MonitoringCase.stage != CLOSED)
    else:
        raise PermissionDenied("households.case_staff_only")
    return list(session.scalars(q.order_by(MonitoringCase.due_on, MonitoringCase.id)))


# -- the monthly meeting --------------------------------------------------------------------------
@dataclass
class Agenda:
    since: date | None
    new: list[MonitoringCase] = field(default_factory=list)  # opened since the last meeting
    open: list[MonitoringCase] = field(default_factory=list)  # older, still open
    decided: list[MonitoringCase] = field(default_factory=list)  # closed since the last meeting


def agenda(session: Session, team_id: int, village_id: int, today: date) -> Agenda:
    since = session.scalar(select(func.max(MonitoringMeeting.held_on)).where(
        MonitoringMeeting.team_id == team_id, MonitoringMeeting.held_on < today))
    out = Agenda(since)
    start = since or today - timedelta(days=31)
    for c in session.scalars(select(MonitoringCase).where(MonitoringCase.village_id == village_id)
                             .order_by(MonitoringCase.opened_on, MonitoringCase.id)):
        is_new = c.opened_on > since if since is not None else c.opened_on >= start
        if c.stage != CLOSED:
            (out.new if is_new else out.open).append(c)
        elif c.closed_at is not None and c.closed_at.date() > start:
            out.decided.append(c)
    return out


def open_meeting(session: Session, actor: Actor | None, today: date, now: datetime
                 ) -> MonitoringMeeting:
    """Today's monitoring meeting of the actor's team (first secretary or leader)."""
    m = _member(session, actor)
    if m is None or m.role not in (Role.FIRST_SECRETARY.value, Role.TEAM_LEADER.value) \
            or m.team_id is None:
        raise PermissionDenied("households.meeting_leaders_only")
    row = session.scalar(select(MonitoringMeeting).where(MonitoringMeeting.team_id == m.team_id,
                                                         MonitoringMeeting.held_on == today))
    if row is None:
        row = MonitoringMeeting(team_id=m.team_id, held_on=today, opened_by=m.id, created_at=now)
        session.add(row)
        session.flush()
    return row


def meeting_of(session: Session, actor: Actor | None, meeting_id: int) -> MonitoringMeeting:
    m = _member(session, actor)
    row = session.get(MonitoringMeeting, meeting_id)
    if row is None or m is None or m.team_id != row.team_id \
            or m.role not in (Role.FIRST_SECRETARY.value, Role.TEAM_LEADER.value):
        raise PermissionDenied("households.meeting_leaders_only")
    return row


# -- for the digest (set-based) ----------------------------------------------------------------------
def due_many(session: Session, village_ids: Iterable[int], today_of: dict[int, date]
             ) -> dict[int, tuple[list[MonitoringCase], list[MonitoringCase]]]:
    """village -> (overdue, due within DUE_SOON_DAYS) open cases; one query per 500."""
    ids = sorted(set(village_ids))
    out: dict[int, tuple[list[MonitoringCase], list[MonitoringCase]]] = {}
    if not ids:
        return out
    horizon = max(today_of.values()) + timedelta(days=DUE_SOON_DAYS)
    for i in range(0, len(ids), 500):
        for c in session.scalars(select(MonitoringCase).where(
                MonitoringCase.village_id.in_(ids[i:i + 500]), MonitoringCase.stage != CLOSED,
                MonitoringCase.due_on <= horizon).order_by(MonitoringCase.due_on,
                                                           MonitoringCase.id)):
            today = today_of[c.village_id]
            late, soon = out.setdefault(c.village_id, ([], []))
            if c.due_on < today:
                late.append(c)
            elif c.due_on <= today + timedelta(days=DUE_SOON_DAYS):
                soon.append(c)
    return out


def household_names(session: Session, cases: Iterable[MonitoringCase]) -> dict[int, str]:
    ids = sorted({c.household_id for c in cases if c.household_id})
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        out.update(session.execute(select(Household.id, Household.head_name)
                                   .where(Household.id.in_(ids[i:i + 500]))).all())
    return out


def applicant_names(session: Session, cases: Iterable[MonitoringCase]) -> dict[int, str]:
    ids = sorted({c.applicant_villager_id for c in cases if c.applicant_villager_id})
    if not ids:
        return {}
    return dict(session.execute(select(Villager.id, Villager.name)
                                .where(Villager.id.in_(ids))).all())
