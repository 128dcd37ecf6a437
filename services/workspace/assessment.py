"""Assessment without formalism: spot checks and the sheets people fill in.

* Spot checks (督查/明察暗访): date, who checked, present / absent / excused, a note.
  Unexcused absences in a year cap the rating (provincial rule): 1 -> cannot be rated
  优秀; 2 -> 基本称职 at best; 3 or more -> 不称职.
* A half-year review ("H1") and a year-end sheet ("Y") per cadre, pre-filled with what
  the records show (days in the village, logs, spot checks, complaints and satisfaction,
  the handover). The 20/30/50 parts (seed 001: daily work 20%, half-year report 30%,
  year-end 50%) and the four parties' marks (seed 000: county organisation department,
  township party committee, villager representatives, third party) are entered by
  people. The only arithmetic is the weighted sum of one cadre's own three parts; no
  page compares cadres or orders them by a figure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.roles import Role
from services.workspace import figures
from services.workspace.scope import Viewer, may_record_spot_checks, require_person
from storage.models import AssessmentSheet, Complaint, Handover, Member, SpotCheck

RESULTS = ("present", "absent", "excused")
RATINGS = ("优秀", "称职", "基本称职", "不称职")
PARTIES = ("org", "township", "villagers", "third")
# part -> (weight, top mark); each part is marked out of 100, weighted 20/30/50.
PARTS = {"daily": 0.2, "half": 0.3, "year": 0.5}
PERIODS = {"H1": ("daily", "half"), "Y": ("daily", "half", "year")}


def allowed_ratings(absences: int) -> tuple[str, ...]:
    """The 1/2/3 rule: what a rating may still be after this many unexcused absences."""
    if absences >= 3:
        return ("不称职",)
    if absences == 2:
        return ("基本称职", "不称职")
    if absences == 1:
        return ("称职", "基本称职", "不称职")
    return RATINGS


# -- spot checks ----------------------------------------------------------------------------
def record_spot_check(session: Session, viewer: Viewer, member_id: int, checked_on: date,
                      checker: str, result: str, note: str, now: datetime,
                      today: date) -> SpotCheck:
    member, _ = require_person(session, viewer, member_id)
    if not may_record_spot_checks(viewer):
        raise PermissionDenied("web.not_in_scope")
    if result not in RESULTS:
        raise UserError("web.spot_bad_result")
    checker = checker.strip()[:64]
    if not checker:
        raise UserError("web.spot_checker_missing")
    if checked_on > today:
        raise UserError("web.spot_future", day=checked_on.isoformat())
    row = SpotCheck(member_id=member.id, team_id=member.team_id, checked_on=checked_on,
                    checker=checker, result=result, note=note.strip()[:2000] or None,
                    recorded_by=viewer.member_id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, viewer.key, "web.spot_check", now, subject=f"spot_check:{row.id}")
    return row


def spot_checks(session: Session, member_id: int, lo: date, hi: date) -> list[SpotCheck]:
    return list(session.scalars(select(SpotCheck).where(
        SpotCheck.member_id == member_id, SpotCheck.checked_on.between(lo, hi))
        .order_by(SpotCheck.checked_on, SpotCheck.id)))


# -- what the records show -----------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """The records beside a sheet: read live, never stored as a mark."""

    lo: date
    hi: date
    days_in_village: int
    required: int
    leave_days: float
    logs: int
    months_with_logs: int
    spot_total: int
    spot_absent: int
    spot_excused: int
    complaints: int
    complaints_closed: int
    satisfaction: dict[str, int]
    handover: str  # none | open | closed


def period_range(year: int, period: str) -> tuple[date, date]:
    return (date(year, 1, 1), date(year, 6, 30)) if period == "H1" else (date(year, 1, 1),
                                                                        date(year, 12, 31))


def facts(session: Session, member: Member, year: int, period: str, today: date,
          settings: Settings) -> Facts:
    lo, hi = period_range(year, period)
    marks = figures.person_days(session, member.id, lo, min(hi, today), settings)
    leave = sum(float(m.leave) for m in marks.values())
    quota = figures.year_quota(member.role, settings)
    if period == "H1":
        quota = quota // 2
    required = max(0, round(quota - leave))
    logs = [d for d, m in marks.items() if m.report]
    checks = spot_checks(session, member.id, lo, hi)
    results = Counter(c.result for c in checks)
    complaints = list(session.scalars(select(Complaint).where(
        Complaint.subject_member_id == member.id, Complaint.day.between(lo, hi))))
    sat = Counter(c.rating for c in complaints if c.rating)
    handover = session.scalar(select(Handover).where(Handover.member_id == member.id)
                              .order_by(Handover.term_end.desc()).limit(1))
    return Facts(lo, hi, sum(m.in_village for m in marks.values()), required, leave, len(logs),
                 len({(d.year, d.month) for d in logs}), len(checks), results["absent"],
                 results["excused"], len(complaints),
                 sum(c.status == "closed" for c in complaints), dict(sat),
                 "none" if handover is None else "closed" if handover.closed_at else "open")


# -- the sheets ----------------------------------------------------------------------------
def get_sheet(session: Session, member_id: int, year: int, period: str) -> AssessmentSheet | None:
    return session.scalar(select(AssessmentSheet).where(
        AssessmentSheet.member_id == member_id, AssessmentSheet.year == year,
        AssessmentSheet.period == period))


def editable_fields(viewer: Viewer, period: str) -> frozenset[str]:
    """The county organisation department (administrators) fills the sheet; the township
    leader enters the township party committee's mark; others read it."""
    if viewer.role == Role.ADMIN:
        rest = {"rating"} if period == "Y" else set()
        return frozenset({*PERIODS[period], *PARTIES, "comment", *rest})
    if viewer.role == Role.TOWNSHIP_LEADER:
        return frozenset({"township"})
    return frozenset()


def weighted_total(marks: dict[str, float | str | None], period: str) -> float | None:
    """0.2 × daily + 0.3 × half + 0.5 × year for the year-end sheet once all three parts are
    entered; the cadre's own figure, shown on their sheet only."""
    if period != "Y":
        return None
    parts = [marks.get(p) for p in PARTS]
    if any(not isinstance(v, int | float) for v in parts):
        return None
    return round(sum(float(v) * w for v, w in zip(parts, PARTS.values(), strict=True)), 1)  # type: ignore[arg-type]


def save_sheet(session: Session, viewer: Viewer, member_id: int, year: int, period: str,
               form: dict[str, str], now: datetime, absences: int,
               labels: dict[str, str]) -> AssessmentSheet:
    """Store what the viewer may enter; every other field is left as it was."""
    member, _ = require_person(session, viewer, member_id)
    if period not in PERIODS:
        raise UserError("web.not_found")
    allowed = editable_fields(viewer, period)
    if not allowed:
        raise PermissionDenied("web.not_in_scope")
    sheet = get_sheet(session, member.id, year, period)
    if sheet is None:
        sheet = AssessmentSheet(member_id=member.id, year=year, period=period, marks={})
        session.add(sheet)
    marks = dict(sheet.marks or {})
    for part in PERIODS[period]:
        if part in allowed and part in form:
            marks[part] = _mark(form[part], labels.get(part, part))
    for party in PARTIES:
        if party in allowed and party in form:
            value = form[party].strip()
            if value and value not in RATINGS:
                raise UserError("web.bad_rating", text=value)
            marks[party] = value or None
    if "rating" in allowed and "rating" in form:
        value = form["rating"].strip()
        if value and value not in RATINGS:
            raise UserError("web.bad_rating", text=value)
        if value and value not in allowed_ratings(absences):
            raise UserError("web.rating_capped", n=absences, text=value)
        sheet.rating = value or None
    if "comment" in allowed and "comment" in form:
        sheet.comment = form["comment"].strip()[:4000] or None
    sheet.marks = marks
    sheet.total = weighted_total(marks, period)
    sheet.updated_by, sheet.updated_at = viewer.member_id, now
    session.flush()
    audit.record(session, viewer.key, "web.assessment", now, subject=f"assessment:{sheet.id}")
    return sheet


def _mark(text: str, label: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        raise UserError("web.bad_mark", field=label, top=100, text=t[:20]) from None
    if not 0 <= v <= 100:
        raise UserError("web.bad_mark", field=label, top=100, text=t[:20])
    return int(v) if v == int(v) else v
