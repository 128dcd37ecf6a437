"""Daily work report rules: which day may be reported, parsing, saving with history.

Decisions (covered by tests/test_reports_service.py):
* one report per member per day; saving again is an explicit edit (fields replaced)
  or append (text added under the old), and the old content is always copied to
  ReportRevision first — a report is never silently overwritten;
* today is always open; yesterday stays open until `report_late_until_hour` (12:00)
  in the team's time zone; the future and older days are refused with a next step;
* a whole report may come in one message with labels (走访：… 问题：… 下一步：…);
  text before the first label is "what was done";
* team leaders (township leaders, ≥5 days a month in the village) are not expected to
  file a daily log, so `missing_reporters` lists cadres and first secretaries only.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.clock import local
from services.dates import month_bounds
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import Role
from storage.models import DailyReport, Member, PendingReportText, ReportRevision

FIELDS = ("done", "households", "problems", "next_steps")
REPORTING_ROLES = (Role.CADRE.value, Role.FIRST_SECRETARY.value)

_LABELS: list[tuple[str, str]] = [
    ("households", r"走访农户|走访户数|走访情况|走访|入户"),
    ("problems", r"发现问题|存在问题|发现的问题|问题|困难"),
    ("next_steps", r"下一步打算|下一步计划|下一步|下步|明日计划|明天计划|明天打算|计划"),
    ("done", r"今日工作|今天工作|工作内容|主要工作|完成工作|工作|完成"),
]
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\n；;。，,\s]))\s*(?:\d[.、)）]\s*)?(?P<label>"
    + "|".join(f"(?P<{f}>{pat})" for f, pat in _LABELS) + r")\s*[：:]")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}
_COUNT_RE = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*户")
_INLINE_VISIT_RE = re.compile(r"(?:走访|入户|走访了)了?\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*户")


# -- parsing ----------------------------------------------------------------------------
def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    if text.startswith("十"):
        return 10 + (_CN_DIGITS.get(text[1:], 0) if len(text) > 1 else 0)
    if len(text) >= 2 and text[1] == "十":
        return _CN_DIGITS.get(text[0], 0) * 10 + (_CN_DIGITS.get(text[2:], 0) if len(text) > 2 else 0)
    return None


def households_count(households: str | None, done: str | None = None) -> int | None:
    """'3' / '3户' / '张三、李四' -> 3 / 3 / 2; or '走访了5户' inside the work text."""
    h = (households or "").strip()
    if h:
        if h.isdigit():
            return int(h)
        if m := _COUNT_RE.search(h):
            return _cn_number(m.group(1))
        names = [p for p in re.split(r"[、,，;；\s]+", h) if p]
        if names and h not in ("无", "没有", "0"):
            return len(names)
        return 0 if h in ("无", "没有", "0") else None
    if done and (m := _INLINE_VISIT_RE.search(done)):
        return _cn_number(m.group(1))
    return None


def parse_report_text(text: str) -> dict[str, str]:
    """Split one message into fields by labels; unlabelled text is "done"."""
    text = (text or "").strip()
    matches = list(_LABEL_RE.finditer(text))
    out: dict[str, str] = {}

    def put(field: str, value: str) -> None:
        value = value.strip().strip("；;，,").strip()
        if value:
            out[field] = f"{out[field]}\n{value}" if field in out else value

    put("done", text[: matches[0].start()] if matches else text)
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        field = next(f for f, _ in _LABELS if m.group(f))
        put(field, text[m.end():end])
    return out


def has_labels(text: str) -> bool:
    return bool(_LABEL_RE.search(text or ""))


# -- dates ------------------------------------------------------------------------------
def check_report_date(day: date, now: datetime, tz: str, late_until_hour: int = 12) -> None:
    """Raise UserError unless `day` may be reported at `now` (team time zone `tz`)."""
    local_now = local(now, tz)
    today = local_now.date()
    if day > today:
        raise UserError("reports.future_day", day=day)
    if day == today:
        return
    if (today - day).days == 1:
        if local_now.hour < late_until_hour:
            return
        raise UserError("reports.late_yesterday", hour=late_until_hour)
    raise UserError("reports.too_old", day=day, hour=late_until_hour)


# -- reading ----------------------------------------------------------------------------
def get_report(session: Session, member_id: int, day: date) -> DailyReport | None:
    return session.scalar(select(DailyReport).where(
        DailyReport.member_id == member_id, DailyReport.report_date == day))


def snapshot(r: DailyReport) -> dict[str, Any]:
    return {**{f: getattr(r, f) for f in FIELDS}, "households_count": r.households_count,
            "photos": list(r.photos or []), "voices": list(r.voices or []),
            "updated_at": r.updated_at.isoformat()}


def member_reports(session: Session, member_id: int, offset: int = 0,
                   limit: int = 5) -> tuple[list[DailyReport], int]:
    q = select(DailyReport).where(DailyReport.member_id == member_id,
                                  DailyReport.submitted.is_(True))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(DailyReport.report_date.desc()).offset(offset)
                           .limit(limit)).all()
    return list(rows), total


def team_members(session: Session, team_id: int, day: date | None = None,
                 roles: tuple[str, ...] | None = None) -> list[Member]:
    """Active members of the team (serving on `day` if given), leaders last."""
    q = select(Member).where(Member.team_id == team_id, Member.active.is_(True))
    if roles:
        q = q.where(Member.role.in_(roles))
    members = list(session.scalars(q.order_by(Member.id)))
    if day is not None:
        members = [m for m in members if (m.term_start is None or m.term_start <= day)
                   and (m.term_end is None or m.term_end >= day)]
    order = {Role.FIRST_SECRETARY.value: 0, Role.CADRE.value: 1, Role.TEAM_LEADER.value: 2}
    return sorted(members, key=lambda m: (order.get(m.role, 3), m.id))


def team_reports(session: Session, team_id: int, day: date) -> list[tuple[Member, DailyReport]]:
    rows = session.execute(
        select(Member, DailyReport).join(DailyReport, DailyReport.member_id == Member.id)
        .where(Member.team_id == team_id, DailyReport.report_date == day,
               DailyReport.submitted.is_(True)).order_by(Member.id)).all()
    return [(m, r) for m, r in rows]


def missing_reporters(session: Session, team_id: int, day: date) -> list[Member]:
    """Active cadres and first secretaries without a report for `day`, not on leave."""
    from services.attendance import leave_dates_for

    reported = set(session.scalars(select(DailyReport.member_id).where(
        DailyReport.team_id == team_id, DailyReport.report_date == day,
        DailyReport.submitted.is_(True))))
    return [m for m in team_members(session, team_id, day, REPORTING_ROLES)
            if m.id not in reported and not leave_dates_for(session, m.id, day, day)]


# -- writing ----------------------------------------------------------------------------
def empty_draft(day: date) -> dict[str, Any]:
    return {"date": day.isoformat(), **{f: "" for f in FIELDS}, "photos": [], "voices": []}


def draft_from(r: DailyReport) -> dict[str, Any]:
    return {"date": r.report_date.isoformat(), **{f: getattr(r, f) or "" for f in FIELDS},
            "photos": list(r.photos or []), "voices": list(r.voices or [])}


def save_report(session: Session, *, member: Member, day: date, draft: dict[str, Any],
                mode: str, now: datetime) -> DailyReport:
    """Create, edit (replace fields) or append to the member's report for `day`."""
    values = {f: (draft.get(f) or "").strip() for f in FIELDS}
    photos = [p for p in draft.get("photos") or [] if isinstance(p, str)]
    voices = [v for v in draft.get("voices") or [] if isinstance(v, str)]
    existing = get_report(session, member.id, day)
    if mode == "append" and existing is not None:
        if not any(values.values()) and not photos and not voices:
            raise UserError("reports.append_empty")
    elif not values["done"] and not voices:
        raise UserError("reports.done_empty")  # a voice note alone is a day's log (#15)
    if existing is None:
        if mode == "edit":
            raise UserError("reports.edit_gone")
        r = DailyReport(member_id=member.id, team_id=member.team_id, report_date=day,
                        created_at=now, photos=[], voices=[])
        session.add(r)
        _apply(r, values, photos, voices, replace=True)
    else:
        if mode == "new" and existing.submitted:
            raise UserError("reports.already_submitted", day=day)
        if existing.submitted:
            session.add(ReportRevision(report_id=existing.id, saved_at=now,
                                       reason="append" if mode == "append" else "edit",
                                       content=snapshot(existing)))
        r = existing
        _apply(r, values, photos, voices, replace=mode != "append")
    r.households_count = households_count(r.households, r.done)
    r.submitted, r.updated_at = True, now
    r.submitted_at = r.submitted_at or now
    session.flush()
    return r


def _apply(r: DailyReport, values: dict[str, str], photos: list[str], voices: list[str], *,
           replace: bool) -> None:
    for f in FIELDS:
        new = values[f]
        old = getattr(r, f) or ""
        if replace:
            setattr(r, f, new if f == "done" else (new or None))
        elif new:
            setattr(r, f, f"{old}\n{new}" if old else new)
    r.photos = photos if replace else [*(r.photos or []), *[p for p in photos
                                                             if p not in (r.photos or [])]]
    r.voices = voices if replace else [*(r.voices or []), *[v for v in voices
                                                             if v not in (r.voices or [])]]


def add_voice(session: Session, member: Member, day: date, file_id: str,
              now: datetime) -> DailyReport:
    """A voice note sent outside any dialog joins the day's log (issue #15: cadres in
    villages talk more than they type): added to the report, or the report itself when
    there is none yet; the earlier content is kept as a revision like any append."""
    existing = get_report(session, member.id, day)
    draft = {**empty_draft(day), "voices": [file_id]}
    mode = "append" if existing is not None and existing.submitted else "new"
    if existing is not None and not existing.submitted:
        draft = {**draft_from(existing), "voices": [*(existing.voices or []), file_id]}
        mode = "edit"
    return save_report(session, member=member, day=day, draft=draft, mode=mode, now=now)


def revisions(session: Session, report_id: int) -> list[ReportRevision]:
    return list(session.scalars(select(ReportRevision).where(
        ReportRevision.report_id == report_id).order_by(ReportRevision.id)))


# -- free text kept while asking "save as report?" --------------------------------------
def _is_member(actor: Actor | None, member_id: int | None) -> bool:
    """The actor is this member: kind and id, never the id alone (a villager's id may
    equal a member's)."""
    return actor is not None and (actor.kind, actor.id) == ("member", member_id)


def keep_pending_text(session: Session, author: Actor, text: str, now: datetime) -> int:
    if author.kind != "member" or not author.in_team:
        raise PermissionDenied("reports.team_only")
    row = PendingReportText(member_id=author.id, text=text, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def pending_text(session: Session, pending_id: int, actor: Actor | None) -> PendingReportText:
    """The actor's own unused text behind an offer button, or a refusal."""
    row = session.get(PendingReportText, pending_id)
    if row is None or not _is_member(actor, row.member_id):
        raise PermissionDenied("reports.pending_not_yours")
    if row.used_at is not None:
        raise UserError("reports.pending_used")
    return row


def take_pending_text(session: Session, pending_id: int, actor: Actor | None,
                      now: datetime) -> str:
    row = pending_text(session, pending_id, actor)
    row.used_at = now
    return row.text


# -- the monthly workbook ---------------------------------------------------------------
def month_reports(session: Session, team_id: int,
                  month: date) -> list[tuple[DailyReport, Member, int]]:
    """The team's submitted reports of the month with their authors and revision counts."""
    revs = (select(ReportRevision.report_id, func.count().label("n"))
            .group_by(ReportRevision.report_id).subquery())
    rows = session.execute(
        select(DailyReport, Member, func.coalesce(revs.c.n, 0))
        .join(Member, Member.id == DailyReport.member_id)
        .outerjoin(revs, revs.c.report_id == DailyReport.id)
        .where(DailyReport.team_id == team_id, DailyReport.submitted.is_(True),
               DailyReport.report_date.between(*month_bounds(month.year, month.month)))
        .order_by(DailyReport.report_date, Member.id)).all()
    return [(r, m, int(n)) for r, m, n in rows]


# -- who may see what -------------------------------------------------------------------
VIEWER_ROLES = frozenset({Role.TEAM_LEADER, Role.FIRST_SECRETARY})


def _views_team(actor: Actor | None, team_id: int | None) -> bool:
    return (actor is not None and actor.kind == "member" and actor.role in VIEWER_ROLES
            and actor.team_id is not None and actor.team_id == team_id)


def require_team_viewer(actor: Actor | None, team_id: int | None = None) -> int:
    """The team whose records the actor may read (leader or first secretary of it)."""
    if actor is None or actor.team_id is None or not _views_team(actor, actor.team_id):
        raise PermissionDenied("reports.viewers_only")
    if team_id is not None and team_id != actor.team_id:
        raise PermissionDenied("reports.other_team")
    return actor.team_id


def require_reader(actor: Actor | None, report: DailyReport | None) -> DailyReport:
    """The report, if the actor wrote it or leads its team; compared on (kind, id)."""
    if report is None:
        raise NotFound("reports.report_gone")
    if not (_is_member(actor, report.member_id) or _views_team(actor, report.team_id)):
        raise PermissionDenied("reports.not_reader")
    return report
