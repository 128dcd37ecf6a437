"""Complaint workflow (监督投诉): filing, numbering, who may see and handle, transitions.

Rules live here so the dialogs, the scheduler tick, the digests and the export agree:
- a ticket number is TS-YYYYMMDD-NNNN, a per-day sequence made unique by the database
  (the loser of a race retries), so concurrent filings never share a number;
- a complaint about a cadre or a team is never visible to that team's members — the
  supervisors of the county handle it;
- an anonymous complaint keeps its author only to tell them about progress: events,
  audit rows, notifications and exports say "匿名".
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

STATUS_LABELS = {"new": "待受理", "accepted": "已受理", "transferred": "已转办",
                 "closed": "已办结", "rejected": "已驳回"}
OPEN_STATUSES = ("new", "accepted", "transferred")
RATINGS = {"good": "满意", "ok": "基本满意", "bad": "不满意"}
ANONYMOUS = "匿名"
NO_HANDLING = "您没有办理这件群众反映的权限。办理由本县监督员负责；如有疑问请联系管理员。"

EVENT_LABELS = {"filed": "提交", "accept": "受理", "transfer": "转办", "close": "办结",
                "reject": "驳回", "rated": "评价", "escalated_accept": "超时未受理，已报管理员",
                "escalated_close": "超期未办结，已报管理员"}


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    allowed_from: tuple[str, ...]
    to: str
    needs_note: bool
    note_prompt: str = ""


ACTIONS: dict[str, Action] = {a.code: a for a in (
    Action("accept", "受理", ("new",), "accepted", False),
    Action("transfer", "转办", ("accepted", "transferred"), "transferred", True,
           "请简要写明转给哪个部门或谁办理、为什么（例如：转镇农业办核实补贴发放）。"),
    Action("close", "办结", ("accepted", "transferred"), "closed", True,
           "请简要写明处理结果（会原样告诉反映人，请用通俗的话）。"),
    Action("reject", "驳回", ("new", "accepted"), "rejected", True,
           "请写明不予受理的原因（会告诉反映人，请说明可以怎么做）。"),
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


def filed_today(session: Session, villager_id: int, day: date) -> int:
    return session.scalar(select(func.count(Complaint.id)).where(
        Complaint.villager_id == villager_id, Complaint.day == day)) or 0


def check_quota(session: Session, villager_id: int, day: date, limit: int) -> None:
    if filed_today(session, villager_id, day) >= limit:
        raise UserError(f"您今天已经反映了{limit}个问题，我们都会认真处理。为了让监督员集中精力办理，"
                        "每人每天最多反映这么多，请明天再来。发送 /mytickets 查看已反映问题的进度。")


def has_words(text: str) -> bool:
    """True if the text has at least one letter or digit (not only emoji or punctuation)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def file_complaint(session: Session, *, villager: Villager, category: str, text: str,
                   place_time: str | None, photos: list[str], anonymous: bool,
                   subject_member_id: int | None, about_team: bool, now: datetime, tz: str,
                   daily_limit: int) -> Complaint:
    day = local(now, tz).date()
    check_quota(session, villager.id, day, daily_limit)
    team_id = None
    if subject_member_id is not None:
        allowed = {m.id: m for m in members_about(session, villager.village_id)}
        if subject_member_id not in allowed:
            raise UserError("所选的工作队成员已不在本村工作队。请重新发送 /complain 选择。")
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
        raise UserError("系统有点忙，刚才没有提交成功。请稍等几秒再点一次「提交」。")
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


def can_view(actor: Actor, c: Complaint) -> bool:
    if actor.role == Role.VILLAGER:
        return actor.id == c.villager_id
    if _in_subject_team(actor, c):
        return False
    return actor.role in (Role.SUPERVISOR, Role.ADMIN) and actor.county_id == c.county_id


def authorise_handling(actor: Actor, c: Complaint) -> None:
    """Only the county's supervisors handle complaints; buttons are untrusted input."""
    if actor.role != Role.SUPERVISOR or actor.county_id != c.county_id or _in_subject_team(actor, c):
        raise PermissionDenied(NO_HANDLING)


def not_found(ref: str) -> NotFound:
    return NotFound(f"没有找到编号为 {ref} 的问题。请核对编号（例如 TS-20261201-0001），"
                    "或发送 /mytickets 查看您反映过的问题。")


def find_visible(session: Session, actor: Actor, ref: str) -> Complaint:
    """The complaint if this actor may see it; otherwise the same reply as a missing one,
    so ticket numbers cannot be probed."""
    ref = unicodedata.normalize("NFKC", ref or "").strip().upper()
    c = session.scalar(select(Complaint).where(Complaint.ticket_no == ref)) if ref else None
    if c is None or not can_view(actor, c):
        raise not_found(ref or "（空）")
    return c


def get_for_handling(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    c = session.get(Complaint, complaint_id)
    if c is None:
        raise PermissionDenied(NO_HANDLING)  # same words: ids cannot be probed
    authorise_handling(actor, c)
    return c


def check_transition(c: Complaint, action: Action) -> None:
    if c.status in action.allowed_from:
        return
    now_label = STATUS_LABELS[c.status]
    if c.status in ("closed", "rejected"):
        raise UserError(f"{c.ticket_no} {now_label}，不能再{action.label}。"
                        f"发送 /ticket {c.ticket_no} 查看办理记录。")
    if c.status == "new":
        raise UserError(f"{c.ticket_no} 还没有受理，不能直接{action.label}。请先点「受理」。")
    allowed = "、".join(STATUS_LABELS[s] for s in action.allowed_from)
    raise UserError(f"{c.ticket_no} 当前是「{now_label}」，只有{allowed}的问题才能{action.label}。")


def clean_note(text: str) -> str:
    note = (text or "").strip()
    if not note or not has_words(note):
        raise UserError("请用几句话写明说明，不能为空。放弃请发送 /cancel 。")
    if len(note) > MAX_NOTE:
        raise UserError(f"说明太长了（{len(note)}字），请精简到{MAX_NOTE}字以内。")
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
    if c is None or actor.role != Role.VILLAGER or actor.id != c.villager_id or rating not in RATINGS:
        raise PermissionDenied("只有反映人本人可以评价这件问题的办理。")
    if c.status != "closed":
        raise UserError(f"{c.ticket_no} 还没有办结，办结后再请您评价。")
    if c.rating is not None:
        raise UserError(f"您已经评价过了（{RATINGS[c.rating]}），谢谢您！")
    c.rating, c.rated_at = rating, now
    who = "anonymous" if c.anonymous else actor.key
    _event(session, c, who, None if c.anonymous else actor.name, "rated", now, RATINGS[rating])
    return c


# -- lists, deadlines, digests -------------------------------------------------------------
def for_villager(session: Session, villager_id: int, limit: int = 10) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.villager_id == villager_id)
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


def author_label(session: Session, c: Complaint) -> str:
    """What supervisors and exports may show as the author."""
    if c.anonymous:
        return ANONYMOUS
    v = session.get(Villager, c.villager_id)
    return v.name if v else ""


def subject_label(session: Session, c: Complaint) -> str:
    if c.subject_member_id is not None:
        m = session.get(Member, c.subject_member_id)
        if m is not None:
            from services.roles import ROLE_LABELS

            return f"{m.name}（{ROLE_LABELS[Role(m.role)]}）"
    if c.team_id is not None:
        t = session.get(Team, c.team_id)
        return f"{t.name}（整个工作队）" if t else "工作队"
    return "不针对具体人"
