"""The livelihood task list (民生任务表, seed 003): problems the village wants solved —
travel, water, health care, school — each with an owner and a month it is due.

Rules:
* any member of the team adds a task; the owner must be a member of the same team;
* progress is given once a month (a reminder asks the owner) in one message, text and
  photos or voice notes; the owner or the team's leader/first secretary may write it;
* closing is in two steps (对账销号): the owner reports it done with evidence (a photo
  or a note), then the team leader or first secretary — never the owner — checks it;
  the checker may send it back with a reason;
* a task may be put to the villager council; a rejection there drops it;
* the list is public: villagers of the village read it (without voice notes).
At a rotation the outgoing member's open tasks go on the handover sheet and pass to the
successor when confirmed (the "task" item source, registered by conversations/tasks).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import audit, council, teamscope
from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from storage.models import CouncilItem, LivelihoodTask, Member, TaskUpdate, Team

OPEN, CHECKING, CLOSED, DROPPED = "open", "checking", "closed", "dropped"
ACTIVE = (OPEN, CHECKING)
CATEGORIES = ("travel", "water", "health", "school", "other")
# parsing vocabulary (data): which words place a problem in a category
_CATEGORY_WORDS = (("school", ("上学", "学校", "小学", "中学", "学生", "校车", "教育", "幼儿园")),
                   ("water", ("饮水", "吃水", "水管", "水井", "自来水", "水源", "缺水", "水")),
                   ("health", ("看病", "卫生室", "医", "药", "诊所", "体检")),
                   ("travel", ("道路", "路面", "修路", "路基", "桥", "出行", "交通", "班车", "硬化", "路")))
MAX_PROBLEM = 300


def guess_category(text: str) -> str:
    for key, words in _CATEGORY_WORDS:
        if any(w in text for w in words):
            return key
    return "other"


# -- months -------------------------------------------------------------------------------
_YM = re.compile(r"^(\d{4})\s*[-年./]\s*(\d{1,2})\s*月?(底|末)?$")
_M = re.compile(r"^(\d{1,2})\s*月(份|底|末)?$")
_IN_N = re.compile(r"^(\d{1,2})\s*(?:个月(?:内|后|以内)?|月(?:内|后|以内))$")
_BEFORE_MONTH = r"(?=个?月)"
_CN = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
       "十": 10, "十一": 11, "十二": 12}


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def parse_due_month(text: str, today: date) -> date | None:
    """'2027-03', '2027年3月', '3月' (the next March), '本月', '下月', '年底',
    '三个月内' -> the first day of that month; None when it does not read as a month or
    lies in the past."""
    t = (text or "").strip().replace(" ", "")
    this = today.replace(day=1)
    for word, n in _CN.items():
        t = re.sub("^" + word + _BEFORE_MONTH, str(n), t)
    out: date | None = None
    if t in ("本月", "这个月", "当月", "月底"):
        out = this
    elif t in ("下月", "下个月"):
        out = add_months(this, 1)
    elif t in ("年底", "年内", "今年", "年末"):
        out = this.replace(month=12)
    elif (m := _YM.match(t)) and 1 <= int(m.group(2)) <= 12:
        out = date(int(m.group(1)), int(m.group(2)), 1)
    elif (m := _M.match(t)) and 1 <= int(m.group(1)) <= 12:
        out = date(today.year, int(m.group(1)), 1)
        if out < this:
            out = out.replace(year=today.year + 1)
    elif (m := _IN_N.match(t)) and 1 <= int(m.group(1)) <= 36:
        out = add_months(this, int(m.group(1)))
    if out is None or out < this or out.year > today.year + 5:
        return None
    return out


# -- reading ---------------------------------------------------------------------------------
def get(s: Session, task_id: int) -> LivelihoodTask:
    t = s.get(LivelihoodTask, task_id)
    if t is None:
        raise NotFound("tasks.gone", task_id=task_id)
    return t


def team_tasks(s: Session, team_id: int, *, closed: bool = False) -> list[LivelihoodTask]:
    statuses = (*ACTIVE, CLOSED) if closed else ACTIVE
    return list(s.scalars(select(LivelihoodTask).where(
        LivelihoodTask.team_id == team_id, LivelihoodTask.status.in_(statuses))
        .order_by(LivelihoodTask.due_month, LivelihoodTask.id)))


def updates(s: Session, task_id: int) -> list[TaskUpdate]:
    return list(s.scalars(select(TaskUpdate).where(TaskUpdate.task_id == task_id)
                          .order_by(TaskUpdate.id)))


def latest_updates(s: Session, task_ids: list[int]) -> dict[int, TaskUpdate]:
    """The last progress of each task (one query)."""
    if not task_ids:
        return {}
    last = (select(TaskUpdate.task_id, func.max(TaskUpdate.id).label("id"))
            .where(TaskUpdate.task_id.in_(task_ids)).group_by(TaskUpdate.task_id).subquery())
    rows = s.scalars(select(TaskUpdate).join(last, last.c.id == TaskUpdate.id))
    return {u.task_id: u for u in rows}


def owners(s: Session, tasks: list[LivelihoodTask]) -> dict[int, Member]:
    ids = sorted({t.owner_id for t in tasks} | {t.closed_by_id for t in tasks if t.closed_by_id})
    return {m.id: m for m in s.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}


def needing_progress(s: Session, team_ids: list[int], month: date) -> dict[int, list[LivelihoodTask]]:
    """Open tasks without progress this month, by owner (the monthly reminder)."""
    if not team_ids:
        return {}
    done = select(TaskUpdate.task_id).where(TaskUpdate.month == month)
    rows = s.scalars(select(LivelihoodTask).where(
        LivelihoodTask.team_id.in_(team_ids), LivelihoodTask.status == OPEN,
        LivelihoodTask.id.not_in(done)).order_by(LivelihoodTask.due_month, LivelihoodTask.id))
    out: dict[int, list[LivelihoodTask]] = defaultdict(list)
    for t in rows:
        out[t.owner_id].append(t)
    return out


def counts_by_team(s: Session, team_ids: list[int], month: date) -> dict[int, dict[str, int]]:
    """Open, waiting for a check, and overdue (due before `month`) tasks per team."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"open": 0, "checking": 0, "overdue": 0})
    if not team_ids:
        return out
    for team_id, status, due in s.execute(select(
            LivelihoodTask.team_id, LivelihoodTask.status, LivelihoodTask.due_month).where(
            LivelihoodTask.team_id.in_(team_ids), LivelihoodTask.status.in_(ACTIVE))):
        c = out[team_id]
        c["open"] += 1
        c["checking"] += status == CHECKING
        c["overdue"] += status == OPEN and due < month
    return out


# -- who may do what ---------------------------------------------------------------------------
def require_worker(actor: Actor | None, t: LivelihoodTask) -> Actor:
    """The owner, or the team leader / first secretary of the task's team."""
    teamscope.require_member(actor, t.team_id)
    assert actor is not None
    if (actor.kind, actor.id) != ("member", t.owner_id) and not teamscope.is_manager_of(actor, t.team_id):
        raise PermissionDenied("tasks.owner_only")
    return actor


def _require_active(t: LivelihoodTask) -> None:
    if t.status not in ACTIVE:
        raise UserError("tasks.not_open", task_id=t.id)


# -- writing ----------------------------------------------------------------------------------
def create(s: Session, actor: Actor | None, team: Team, *, problem: str, owner: Member,
           due_month: date, now: datetime, to_council: bool = False) -> LivelihoodTask:
    teamscope.require_member(actor, team.id)
    assert actor is not None
    problem = " ".join(problem.split())
    if not problem or len(problem) > MAX_PROBLEM:
        raise UserError("tasks.bad_problem", limit=MAX_PROBLEM)
    if owner.team_id != team.id or not owner.active:
        raise UserError("tasks.owner_not_in_team", name=owner.name)
    t = LivelihoodTask(team_id=team.id, village_id=team.village_id, problem=problem,
                       category=guess_category(problem), owner_id=owner.id, due_month=due_month,
                       status=OPEN, council="waiting" if to_council else None, created_at=now,
                       created_by=actor.key, done_media=[])
    s.add(t)
    s.flush()
    audit.record(s, actor.key, "task.create", now, subject=f"task:{t.id}")
    return t


def add_progress(s: Session, actor: Actor | None, t: LivelihoodTask, text: str,
                 media: list[dict[str, str]], now: datetime, today: date) -> TaskUpdate:
    a = require_worker(actor, t)
    _require_active(t)
    text = (text or "").strip()
    if not text and not media:
        raise UserError("tasks.empty_progress")
    u = TaskUpdate(task_id=t.id, month=today.replace(day=1), text=text, media=list(media),
                   member_id=a.id, created_at=now)
    s.add(u)
    s.flush()
    audit.record(s, a.key, "task.progress", now, subject=f"task:{t.id}")
    return u


def report_done(s: Session, actor: Actor | None, t: LivelihoodTask, note: str,
                media: list[dict[str, str]], now: datetime) -> LivelihoodTask:
    """The owner says it is solved, with evidence; the leader checks it next."""
    a = require_worker(actor, t)
    if t.status == CHECKING:
        raise UserError("tasks.already_checking", task_id=t.id)
    if t.status != OPEN:
        raise UserError("tasks.not_open", task_id=t.id)
    note = (note or "").strip()
    if not note and not media:
        raise UserError("tasks.need_evidence")
    t.status, t.done_note, t.done_media, t.done_at = CHECKING, note or None, list(media), now
    audit.record(s, a.key, "task.done", now, subject=f"task:{t.id}")
    return t


def require_checker(actor: Actor | None, t: LivelihoodTask) -> Actor:
    teamscope.require_member(actor, t.team_id)
    assert actor is not None
    if not teamscope.is_manager_of(actor, t.team_id):
        raise PermissionDenied("tasks.checkers_only")
    if (actor.kind, actor.id) == ("member", t.owner_id):
        raise PermissionDenied("tasks.not_own_check")
    if t.status != CHECKING:
        raise UserError("tasks.not_checking", task_id=t.id)
    return actor


def check(s: Session, actor: Actor | None, t: LivelihoodTask, now: datetime) -> LivelihoodTask:
    """对账销号: the leader confirms the evidence and the task leaves the list."""
    a = require_checker(actor, t)
    t.status, t.closed_at, t.closed_by_id = CLOSED, now, a.id
    audit.record(s, a.key, "task.close", now, subject=f"task:{t.id}")
    return t


def send_back(s: Session, actor: Actor | None, t: LivelihoodTask, note: str,
              now: datetime) -> LivelihoodTask:
    a = require_checker(actor, t)
    note = (note or "").strip()
    if not note:
        raise UserError("tasks.need_reason")
    t.status, t.returned_note = OPEN, note
    audit.record(s, a.key, "task.send_back", now, subject=f"task:{t.id}")
    return t


def put_to_council(s: Session, actor: Actor | None, t: LivelihoodTask, now: datetime) -> LivelihoodTask:
    teamscope.require_manager(actor, t.team_id)
    assert actor is not None
    _require_active(t)
    if t.council == "waiting":
        raise UserError("tasks.already_waiting", task_id=t.id)
    t.council = "waiting"
    audit.record(s, actor.key, "task.to_council", now, subject=f"task:{t.id}")
    return t


# -- the council's side -----------------------------------------------------------------------
def _decide(s: Session, item: CouncilItem, now: datetime) -> None:
    t = s.get(LivelihoodTask, item.subject_id)
    if t is None:
        return
    if item.decision == council.APPROVED:
        t.council = "approved"
    elif item.decision == council.REJECTED:
        t.council = "rejected"
        if t.status in ACTIVE:
            t.status = DROPPED
    # deferred: still waiting, on the next meeting's agenda


@council.agenda_source("task", decide=_decide, order=30)
def waiting_tasks(s: Session, team_ids: list[int]) -> list[council.AgendaEntry]:
    rows = s.scalars(select(LivelihoodTask).where(
        LivelihoodTask.team_id.in_(team_ids), LivelihoodTask.council == "waiting",
        LivelihoodTask.status.in_(ACTIVE)).order_by(LivelihoodTask.id)).all()
    names = owners(s, list(rows))
    return [council.AgendaEntry(t.team_id, "task", t.id, t.problem,
                                info=names[t.owner_id].name if t.owner_id in names else None)
            for t in rows]


# -- the handover's side (registered with services.handover by conversations/tasks) --------
def open_of(s: Session, member: Member) -> list[LivelihoodTask]:
    """The member's tasks still on the list: they go on the handover sheet."""
    return list(s.scalars(select(LivelihoodTask).where(
        LivelihoodTask.owner_id == member.id, LivelihoodTask.status.in_(ACTIVE))
        .order_by(LivelihoodTask.id)))


def transfer(s: Session, task_id: int, successor: Member, now: datetime) -> None:
    """The successor confirmed the task on the handover sheet: it is theirs now."""
    t = s.get(LivelihoodTask, task_id)
    if t is not None and t.status in ACTIVE and t.owner_id != successor.id:
        old = t.owner_id
        t.owner_id = successor.id
        audit.record(s, "system", "task.transfer", now, subject=f"task:{t.id}",
                     old=old, new=successor.id)
