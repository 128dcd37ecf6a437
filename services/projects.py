"""Projects and their funds (seed 000): chosen by the villager council, their progress
and spending published to the villagers.

Rules:
* any member of the team proposes a project: a title, the source of its funds and an
  amount; it waits for the council (agenda source "project");
* a project starts only with the council's approving decision on record
  (`decision_id`); without it `start` refuses ("projects.no_decision");
* the council's approval sets the budget to the amount; money spent may not pass the
  budget — more money is a fund use (资金使用) put to the council (agenda source "fund"),
  whose approval raises the budget;
* the owner or the team leader / first secretary start, record progress and spending,
  and complete; milestones, approval and completion are published to the villagers.
Amounts are integers in fen. At a rotation the outgoing member's projects go on the
handover sheet and pass to the successor when confirmed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import audit, council, teamscope
from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from storage.models import CouncilItem, Member, Project, ProjectEntry, Team

PROPOSED, APPROVED, REJECTED, ACTIVE, DONE = "proposed", "approved", "rejected", "active", "done"
LIVE = (PROPOSED, APPROVED, ACTIVE)
WAITING, FUND_APPROVED, FUND_REJECTED = "waiting", "approved", "rejected"
ENTRY_KINDS = ("start", "progress", "milestone", "spend", "fund", "done")
MAX_TITLE = 60
MAX_AMOUNT_FEN = 10**12  # ten billion yuan: anything above is a typo
# parsing vocabulary (data): fund sources people name, matched by a word they contain
FUND_SOURCES = ("财政衔接资金", "帮扶单位资金", "第一书记工作经费", "村集体经济收入", "社会捐助",
                "东西部协作资金", "乡村振兴专项资金", "其他")

_AMOUNT = re.compile(r"^(?:¥|￥)?\s*([\d,，]+(?:\.\d{1,2})?)\s*(万|千|百)?\s*(元|块)?(?:钱)?$")
_UNITS = {"万": 10000, "千": 1000, "百": 100, None: 1}


def parse_amount(text: str) -> int | None:
    """'12万' / '12.5万元' / '120000' / '1,200元' / '¥3000' -> fen; None if unreadable,
    zero or absurd."""
    m = _AMOUNT.match((text or "").strip().replace(" ", ""))
    if not m:
        return None
    try:
        yuan = Decimal(m.group(1).replace(",", "").replace("，", "")) * _UNITS[m.group(2)]
    except InvalidOperation:
        return None
    fen = int((yuan * 100).to_integral_value())
    return fen if 0 < fen < MAX_AMOUNT_FEN else None


def yuan(fen: int) -> Decimal:
    """Fen as yuan with two decimals, a value for templates ("{left:,}元")."""
    return Decimal(fen).scaleb(-2)


def parse_source(text: str) -> str:
    """A fund source as typed, or the listed one it names: '衔接资金' -> 财政衔接资金."""
    t = " ".join((text or "").split())[:64]
    for known in FUND_SOURCES:
        if t and (t in known or known in t):
            return known
    return t


# -- reading -------------------------------------------------------------------------------
def get(s: Session, project_id: int) -> Project:
    p = s.get(Project, project_id)
    if p is None:
        raise NotFound("projects.gone", project_id=project_id)
    return p


def team_projects(s: Session, team_id: int, *, public: bool = False) -> list[Project]:
    """The team's projects, newest first; `public`: without rejected ones."""
    q = select(Project).where(Project.team_id == team_id)
    if public:
        q = q.where(Project.status != REJECTED)
    return list(s.scalars(q.order_by(Project.id.desc())))


def entries(s: Session, project_id: int) -> list[ProjectEntry]:
    return list(s.scalars(select(ProjectEntry).where(ProjectEntry.project_id == project_id)
                          .order_by(ProjectEntry.id)))


def spent(s: Session, project_ids: list[int]) -> dict[int, int]:
    """Money spent per project, in fen (one query)."""
    out: dict[int, int] = defaultdict(int)
    if project_ids:
        for pid, total in s.execute(select(ProjectEntry.project_id, func.sum(ProjectEntry.amount_fen))
                                    .where(ProjectEntry.project_id.in_(project_ids),
                                           ProjectEntry.kind == "spend")
                                    .group_by(ProjectEntry.project_id)):
            out[pid] = int(total or 0)
    return out


def decision(s: Session, p: Project) -> CouncilItem | None:
    return s.get(CouncilItem, p.decision_id) if p.decision_id else None


# -- who may do what -----------------------------------------------------------------------
def require_worker(actor: Actor | None, p: Project) -> Actor:
    """The owner, or the team leader / first secretary of the project's team."""
    teamscope.require_member(actor, p.team_id)
    assert actor is not None
    if (actor.kind, actor.id) != ("member", p.owner_id) and not teamscope.is_manager_of(actor, p.team_id):
        raise PermissionDenied("projects.owner_only")
    return actor


def _entry(s: Session, p: Project, actor: Actor, kind: str, now: datetime, *, text: str = "",
           amount_fen: int | None = None, media: list[dict[str, str]] | None = None,
           status: str | None = None) -> ProjectEntry:
    e = ProjectEntry(project_id=p.id, kind=kind, text=text, amount_fen=amount_fen,
                     media=list(media or []), status=status, member_id=actor.id, created_at=now)
    s.add(e)
    s.flush()
    audit.record(s, actor.key, f"project.{kind}", now, subject=f"project:{p.id}", entry=e.id)
    return e


# -- writing -------------------------------------------------------------------------------
def create(s: Session, actor: Actor | None, team: Team, *, title: str, fund_source: str,
           amount_fen: int, now: datetime) -> Project:
    """A proposal: it waits for the council and cannot start before."""
    teamscope.require_member(actor, team.id)
    assert actor is not None
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_TITLE:
        raise UserError("projects.bad_title", limit=MAX_TITLE)
    if not fund_source.strip():
        raise UserError("projects.need_source")
    if not 0 < amount_fen < MAX_AMOUNT_FEN:
        raise UserError("projects.bad_amount")
    p = Project(team_id=team.id, village_id=team.village_id, title=title,
                fund_source=fund_source.strip()[:64], amount_fen=amount_fen, budget_fen=0,
                status=PROPOSED, owner_id=actor.id, created_at=now, created_by=actor.key)
    s.add(p)
    s.flush()
    audit.record(s, actor.key, "project.create", now, subject=f"project:{p.id}")
    return p


def start(s: Session, actor: Actor | None, p: Project, now: datetime) -> ProjectEntry:
    """开工 — only with the council's approval on record."""
    a = require_worker(actor, p)
    d = decision(s, p)
    if p.status in (PROPOSED, REJECTED) or d is None or d.decision != council.APPROVED:
        raise UserError("projects.no_decision", title=p.title)
    if p.status != APPROVED:
        raise UserError("projects.already_started", title=p.title)
    p.status, p.started_at = ACTIVE, now
    return _entry(s, p, a, "start", now)


def _require_active(p: Project) -> None:
    if p.status in (PROPOSED, APPROVED, REJECTED):
        raise UserError("projects.not_started", title=p.title)
    if p.status == DONE:
        raise UserError("projects.finished", title=p.title)


def check_entry(kind: str, p: Project) -> None:
    """Whether an entry of this kind may be written now (asked before the dialog opens,
    and again by the function that writes it)."""
    if kind == "fund":
        if p.status not in (APPROVED, ACTIVE):
            raise UserError("projects.funds_need_approval", title=p.title)
    else:
        _require_active(p)


def add_progress(s: Session, actor: Actor | None, p: Project, text: str,
                 media: list[dict[str, str]], now: datetime, *, milestone: bool = False) -> ProjectEntry:
    a = require_worker(actor, p)
    _require_active(p)
    if not (text or "").strip() and not media:
        raise UserError("projects.empty_entry")
    return _entry(s, p, a, "milestone" if milestone else "progress", now, text=text.strip(),
                  media=media)


def spend(s: Session, actor: Actor | None, p: Project, amount_fen: int, text: str,
          media: list[dict[str, str]], now: datetime) -> ProjectEntry:
    """Money paid out of the project: never more than the council approved."""
    a = require_worker(actor, p)
    _require_active(p)
    if not 0 < amount_fen < MAX_AMOUNT_FEN:
        raise UserError("projects.bad_amount")
    if not (text or "").strip():
        raise UserError("projects.spend_needs_purpose")
    used = spent(s, [p.id])[p.id]
    if used + amount_fen > p.budget_fen:
        raise UserError("projects.over_budget", title=p.title, budget=yuan(p.budget_fen),
                        used=yuan(used), left=yuan(max(0, p.budget_fen - used)))
    return _entry(s, p, a, "spend", now, text=text.strip(), amount_fen=amount_fen, media=media)


def request_funds(s: Session, actor: Actor | None, p: Project, amount_fen: int, text: str,
                  now: datetime) -> ProjectEntry:
    """A fund use (资金使用) beyond the approved budget: waits for the council."""
    a = require_worker(actor, p)
    if p.status not in (APPROVED, ACTIVE):
        raise UserError("projects.funds_need_approval", title=p.title)
    if not 0 < amount_fen < MAX_AMOUNT_FEN:
        raise UserError("projects.bad_amount")
    if not (text or "").strip():
        raise UserError("projects.spend_needs_purpose")
    return _entry(s, p, a, "fund", now, text=text.strip(), amount_fen=amount_fen, status=WAITING)


def complete(s: Session, actor: Actor | None, p: Project, text: str,
             media: list[dict[str, str]], now: datetime) -> ProjectEntry:
    a = require_worker(actor, p)
    _require_active(p)
    p.status, p.completed_at = DONE, now
    return _entry(s, p, a, "done", now, text=(text or "").strip(), media=media)


# -- the council's side ----------------------------------------------------------------------
def _decide_project(s: Session, item: CouncilItem, now: datetime) -> None:
    p = s.get(Project, item.subject_id)
    if p is None or p.status != PROPOSED:
        return
    if item.decision == council.APPROVED:
        p.status, p.decision_id, p.budget_fen = APPROVED, item.id, p.amount_fen
    elif item.decision == council.REJECTED:
        p.status, p.decision_id = REJECTED, item.id


def _decide_fund(s: Session, item: CouncilItem, now: datetime) -> None:
    e = s.get(ProjectEntry, item.subject_id)
    if e is None or e.kind != "fund" or e.status != WAITING:
        return
    if item.decision == council.APPROVED:
        p = s.get(Project, e.project_id)
        e.status, e.decision_id = FUND_APPROVED, item.id
        if p is not None:
            p.budget_fen += e.amount_fen or 0
    elif item.decision == council.REJECTED:
        e.status, e.decision_id = FUND_REJECTED, item.id


@council.agenda_source("project", decide=_decide_project, order=10)
def waiting_projects(s: Session, team_ids: list[int]) -> list[council.AgendaEntry]:
    rows = s.scalars(select(Project).where(Project.team_id.in_(team_ids), Project.status == PROPOSED)
                     .order_by(Project.id))
    return [council.AgendaEntry(p.team_id, "project", p.id, p.title, p.amount_fen, p.fund_source)
            for p in rows]


@council.agenda_source("fund", decide=_decide_fund, order=20)
def waiting_funds(s: Session, team_ids: list[int]) -> list[council.AgendaEntry]:
    rows = s.execute(select(ProjectEntry, Project).join(Project, Project.id == ProjectEntry.project_id)
                     .where(Project.team_id.in_(team_ids), ProjectEntry.kind == "fund",
                            ProjectEntry.status == WAITING, Project.status.in_((APPROVED, ACTIVE)))
                     .order_by(ProjectEntry.id)).all()
    return [council.AgendaEntry(p.team_id, "fund", e.id, e.text, e.amount_fen, p.title) for e, p in rows]


# -- the handover's side (registered with services.handover by conversations/projects) --------
def open_of(s: Session, member: Member) -> list[Project]:
    return list(s.scalars(select(Project).where(Project.owner_id == member.id,
                                                Project.status.in_(LIVE)).order_by(Project.id)))


def transfer(s: Session, project_id: int, successor: Member, now: datetime) -> None:
    p = s.get(Project, project_id)
    if p is not None and p.status in LIVE and p.owner_id != successor.id:
        old = p.owner_id
        p.owner_id = successor.id
        audit.record(s, "system", "project.transfer", now, subject=f"project:{p.id}",
                     old=old, new=successor.id)
