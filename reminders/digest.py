"""Leaders' morning digest (and the Monday weekly one), computed set-based.

`compute` answers for any number of teams with a handful of queries (members, reports,
days in the village, event series), never one query per team or member, so a whole
prefecture's digests cost about as much as one team's. Leave and complaints come from
their features' contracts. `render` makes one short message in sections; a person
with nothing to act on gets no digest (upcoming events alone are not a reason to write).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.reminders import text as T
from conversations.reminders.buttons import RunButton
from core.messages import Button, Reply
from reminders.engine import is_working_day, occurrences
from reminders.series import spec_of
from services.attendance import expected_by, extra_village_days, month_bounds, quota_for
from services.complaints import digest_counts, digest_counts_by_village
from services.config import Settings
from services.leave import leave_dates_many, unreturned_many
from services.leave import pending_counts as leave_pending_counts
from services.roles import TEAM_ROLES
from storage.models import CheckIn, DailyReport, EventSeries, Member, Team

REPORTING = ("cadre", "first_secretary")  # as services.reports.REPORTING_ROLES
TERM_WARN_DAYS = 60


@dataclass
class TeamDigest:
    team_id: int
    team_name: str
    village_id: int
    day: date
    weekly: bool
    missing: list[tuple[str, int]] = field(default_factory=list)  # name, working days missed
    behind: list[tuple[str, int, int]] = field(default_factory=list)  # name, in village, expected
    unreturned: list[str] = field(default_factory=list)
    events: list[tuple[datetime, str, str]] = field(default_factory=list)  # when, title, tz
    terms: list[tuple[str, date, int]] = field(default_factory=list)  # name, end, days left
    complaints: dict[str, Any] | None = None
    # lines other features add (households not visited, cases due, open tasks...): each
    # already in words from that feature's catalogue, "【标题】内容"
    extra: list[str] = field(default_factory=list)

    @property
    def actionable(self) -> bool:
        c = self.complaints or {}
        return bool(self.missing or self.behind or self.unreturned or self.terms or self.extra
                    or c.get("open") or c.get("overdue"))


# A feature adds its own lines to the leaders' digest without editing this module:
#     @digest.section
#     def open_tasks(s, digests, now, settings): ...  (append to d.extra, set-based)
SectionFn = Callable[[Session, "dict[int, TeamDigest]", datetime, Settings], None]
SECTIONS: list[SectionFn] = []


def section(fn: SectionFn) -> SectionFn:
    """Register a digest section (one set-based pass over all teams due at this tick)."""
    if fn not in SECTIONS:
        SECTIONS.append(fn)
    return fn


def compute(s: Session, teams: Iterable[tuple[Team, date]], now: datetime, settings: Settings,
            *, weekly: bool = False) -> dict[int, TeamDigest]:
    """Digests for (team, team-local today) pairs. Five queries for any number of teams."""
    pairs = list(teams)
    if not pairs:
        return {}
    today_of = {t.id: d for t, d in pairs}
    ids = list(today_of)
    out = {t.id: TeamDigest(t.id, t.name, t.village_id, d, weekly) for t, d in pairs}
    span = 7 if weekly else 1
    lo = min(today_of.values()) - timedelta(days=span)
    hi = max(today_of.values())
    month_lo = min(month_bounds(d.year, d.month)[0] for d in today_of.values())

    members = list(s.scalars(select(Member).where(
        Member.team_id.in_(ids), Member.active.is_(True),
        Member.role.in_([r.value for r in TEAM_ROLES])).order_by(Member.id)))
    reported = set(map(tuple, s.execute(select(DailyReport.member_id, DailyReport.report_date).where(
        DailyReport.team_id.in_(ids), DailyReport.submitted.is_(True),
        DailyReport.report_date.between(min(lo, month_lo), hi)))))
    if settings.checkin_enabled:
        village_days = set(map(tuple, s.execute(select(CheckIn.member_id, CheckIn.local_date).where(
            CheckIn.team_id.in_(ids), CheckIn.inside.is_(True),
            CheckIn.local_date.between(month_lo, hi)).distinct())))
    else:
        village_days = reported
    in_village: dict[int, list[date]] = defaultdict(list)
    for mid, day in village_days:
        in_village[mid].append(day)
    for mid, days in extra_village_days(s, [m.id for m in members], month_lo, hi).items():
        in_village[mid] += [x for x in days if (mid, x) not in village_days]

    # leave for every member over every window below, then cut per member: one query
    leave_lo = min(lo, month_lo)
    leave_hi = max(month_bounds(d.year, d.month)[1] for d in today_of.values())
    all_leave = leave_dates_many(s, [m.id for m in members], leave_lo, leave_hi)

    def leave_dates_for(member_id: int, a: date, b: date) -> dict[date, Decimal]:
        return {x: f for x, f in all_leave.get(member_id, {}).items() if a <= x <= b}

    for m in members:
        d = out[m.team_id]  # type: ignore[index]
        today = d.day
        created = m.created_at.date()
        # -- reports not filed on past working days of the window
        if m.role in REPORTING:
            days = [today - timedelta(days=k) for k in range(1, span + 1)]
            days = [x for x in days if is_working_day(x) and x >= created
                    and (m.term_start is None or m.term_start <= x)
                    and (m.term_end is None or x <= m.term_end)
                    and (m.id, x) not in reported]
            if days:
                leave = leave_dates_for(m.id, min(days), max(days))
                days = [x for x in days if x not in leave]
            if days:
                d.missing.append((m.name, len(days)))
        # -- days in the village against the pace of the quota
        start, end = month_bounds(today.year, today.month)
        leave_m = leave_dates_for(m.id, start, end)
        required = max(0, math.ceil(Decimal(quota_for(m.role, settings)) - sum(leave_m.values(), Decimal(0))))
        expected = expected_by(required, start, end, today)
        have = sum(1 for x in in_village.get(m.id, ()) if start <= x <= today)
        if have < expected:
            d.behind.append((m.name, have, expected))
        # -- terms ending soon
        if m.term_end is not None and 0 <= (m.term_end - today).days <= TERM_WARN_DAYS:
            d.terms.append((m.name, m.term_end, (m.term_end - today).days))

    horizon = now + timedelta(days=7)
    for row in s.scalars(select(EventSeries).where(
            EventSeries.team_id.in_(ids), EventSeries.kind == "event", EventSeries.active.is_(True))):
        spec = spec_of(row)
        for t in occurrences(spec, now, horizon):
            out[row.team_id].events.append((t, row.title, spec.tz))
    away = unreturned_many(s, today_of)
    names = _names(s, {lr.member_id for lrs in away.values() for lr in lrs})
    complaints = digest_counts_by_village(s, {d.village_id for d in out.values()}, now=now,
                                          accept_hours=settings.complaint_accept_hours,
                                          close_days=settings.complaint_close_days)
    for d in out.values():
        d.events.sort()
        d.unreturned = [names.get(lr.member_id, str(lr.member_id)) for lr in away.get(d.team_id, [])]
        d.complaints = complaints[d.village_id]
    for add_section in SECTIONS:
        add_section(s, out, now, settings)
    return out


def _names(s: Session, member_ids: set[int]) -> dict[int, str]:
    ids = sorted(member_ids)
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        for mid, name in s.execute(select(Member.id, Member.name).where(Member.id.in_(ids[i:i + 500]))):
            out[mid] = name
    return out


def pending_approvals(s: Session, approver_ids: Iterable[int]) -> dict[int, int]:
    """Leave requests waiting for each approver (absent: none)."""
    return leave_pending_counts(s, approver_ids)


# -- rendering -----------------------------------------------------------------------------

def render(d: TeamDigest, *, pending: int = 0, commands: frozenset[str] = frozenset()) -> Reply | None:
    """One short message in sections; None when there is nothing to act on."""
    if not d.actionable and not pending:
        return None
    buttons: list[Button] = []
    if d.missing:
        buttons.append(Button(T.BTN_REPORTS, RunButton("reports").pack()))
    if pending:
        for name in ("approvals", "leaves"):
            if name in commands:
                buttons.append(Button(T.BTN_APPROVALS, RunButton(name).pack()))
                break
    if d.terms:
        buttons.append(Button(T.BTN_HANDOVER, RunButton("handover").pack()))
    buttons.append(Button(T.BTN_EVENTS, RunButton("events").pack()))
    return Reply(T.digest(d, pending), buttons=[buttons])


@dataclass
class CountyDigest:
    county_id: int
    day: date
    teams: int = 0
    missing_people: int = 0
    behind_people: int = 0
    terms: list[tuple[str, str, date]] = field(default_factory=list)  # team, name, end
    complaints: dict[str, Any] | None = None


def county_rollup(digests: Iterable[TeamDigest], county_of: dict[int, int], now: datetime,
                  s: Session, settings: Settings) -> dict[int, CountyDigest]:
    out: dict[int, CountyDigest] = {}
    for d in digests:
        cid = county_of.get(d.team_id)
        if cid is None:
            continue
        c = out.setdefault(cid, CountyDigest(cid, d.day))
        c.teams += 1
        c.missing_people += len(d.missing)
        c.behind_people += len(d.behind)
        c.terms += [(d.team_name, n, end) for n, end, _ in d.terms]
    for c in out.values():
        c.complaints = digest_counts(s, now=now, county_id=c.county_id,
                                     accept_hours=settings.complaint_accept_hours,
                                     close_days=settings.complaint_close_days)
    return out


def render_county(c: CountyDigest, weekly: bool) -> Reply | None:
    comp = c.complaints or {}
    if not (c.missing_people or c.behind_people or c.terms or comp.get("open") or comp.get("overdue")):
        return None
    buttons = [[Button(T.BTN_HANDOVER, RunButton("handover").pack())]] if c.terms else []
    return Reply(T.county_digest(c, weekly), buttons=buttons)
