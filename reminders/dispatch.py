"""The reminders tick: from the series table to outbox rows, exactly once.

For every series the window is (last_ticked_at, now]: the watermark in the database
makes catch-up after downtime exact and lets any number of ticks (a retry, a restart,
a second worker) overlap, because every row has a unique key
(series, occurrence, lead, recipient). What fell due more than the grace period ago is
recorded as `missed` instead of being sent. All rows and the watermark move in one
transaction: a crash mid-tick leaves nothing half-done, and rows a crash did commit
are skipped by their keys.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from conversations.handover.text import sheet_text
from conversations.reminders import text as T
from conversations.reminders.buttons import RunButton
from core import outbox
from core.messages import Button, Reply
from reminders.digest import compute, county_rollup, pending_approvals, render, render_county
from reminders.due import Due, due_reminders
from reminders.leads import Lead
from reminders.series import (
    Directory,
    Recipient,
    recipients,
    seed_missing_teams,
    spec_of,
)
from reminders.spec import Recurrence
from services import handover
from services.clock import local
from services.config import Settings
from services.roles import Role
from storage.models import EventSeries, Team

log = logging.getLogger(__name__)
DIGEST_KINDS = ("digest", "weekly_digest")


def _occ(due: Due) -> str:
    return due.occurrence.strftime("%Y%m%dT%H%MZ")


def _late(due: Due) -> str:
    if due.status != "late":
        return ""
    return T.late(max(1, round(due.late_by.total_seconds() / 3600)))


class Tick:
    """One run of the tick: what it knows (loaded once, on first use) and what it queues.

    Handlers append `Outgoing` items; `run` queues them all with one
    `outbox.enqueue_many` at the end, so a prefecture costs a few queries, not a few
    per recipient.
    """

    def __init__(self, s: Session, now: datetime, st: Settings) -> None:
        self.s, self.now, self.st = s, now, st
        self.directory = Directory(s)
        self.items: list[outbox.Outgoing] = []

    def put(self, key: str, reply: Reply, r: Recipient, due: Due) -> None:
        self.items.append(outbox.Outgoing(key=key, reply=reply, member_id=r.member_id,
                                          villager_id=r.villager_id, missed=due.status == "missed"))


# A feature adds its own lines to the notices of one default series (the monitoring
# meeting carries its agenda) without editing this module:
#     @dispatch.event_note("poverty_monitoring_meeting")
#     def agenda(s, row, due, settings) -> str | None: ...
# The lines go to members only, never to villagers in the audience.
EventNoteFn = Callable[[Session, EventSeries, Due, Settings], "str | None"]
EVENT_NOTES: dict[str, EventNoteFn] = {}


def event_note(key: str) -> Callable[[EventNoteFn], EventNoteFn]:
    def wrap(fn: EventNoteFn) -> EventNoteFn:
        EVENT_NOTES[key] = fn
        return fn
    return wrap


# -- one handler per kind -----------------------------------------------------------------
def _event(t: Tick, row: EventSeries, due: Due) -> None:
    tz = spec_of(row).tz
    when = T.when(due.occurrence, tz)
    note_fn = EVENT_NOTES.get(row.key or "")
    extra = note_fn(t.s, row, due, t.st) if note_fn is not None else None
    for r in recipients(t.s, row, t.directory):
        text = T.event_notice(row.title, when, villager=r.villager_id is not None,
                              starts_now=due.lead_key == "at", gap=due.occurrence - due.remind_at,
                              note=row.note)
        if extra and r.member_id is not None:
            text += "\n\n" + extra
        t.put(f"ev:{row.id}:{_occ(due)}:{due.lead_key}:{r.tag}", Reply(text + _late(due)), r, due)


def _report(t: Tick, row: EventSeries, due: Due) -> None:
    from services.reports import missing_reporters

    day = local(due.occurrence, spec_of(row).tz).date()
    roles = set((row.audience or {}).get("roles", []))
    for m in missing_reporters(t.s, row.team_id, day):
        if roles and m.role not in roles:
            continue
        reply = Reply(T.report_reminder(day, m.name) + _late(due),
                      buttons=[[Button(T.BTN_WRITE_REPORT, RunButton("report").pack())]])
        t.put(f"rr:{row.id}:{day.isoformat()}:m{m.id}", reply, Recipient(member_id=m.id), due)


def _quota(t: Tick, row: EventSeries, due: Due) -> None:
    from services.attendance import behind_quota

    day = local(due.occurrence, spec_of(row).tz).date()
    for m, sm in behind_quota(t.s, row.team_id, day, t.st):
        reply = Reply(T.quota_warning(m.name, sm.days_in_village, sm.expected_by_now,
                                      sm.required_days) + _late(due),
                      buttons=[[Button(T.BTN_MY_ATTENDANCE, RunButton("attendance").pack())]])
        t.put(f"qw:{row.id}:{day:%Y-%m}:m{m.id}", reply, Recipient(member_id=m.id), due)


def _rotation(t: Tick, row: EventSeries, due: Due) -> None:
    if due.status == "missed":
        return  # stages are "days left <= N": tomorrow's check sends it, nothing is lost
    day = local(due.occurrence, spec_of(row).tz).date()
    stages = sorted({int(x) for x in t.st.rotation_days.split(",") if x.strip()})
    if not stages:
        return
    d = t.directory
    team = d.team_members(row.team_id)
    # who hears about a member's term: the member, the team's leaders, the county's admins
    others = sorted([m for m in team if m.role == Role.TEAM_LEADER.value]
                    + [m for m in d.county_members(d.county_of(row.team_id))
                       if m.role == Role.ADMIN.value], key=lambda m: m.id)
    for m in team:
        if m.term_end is None:
            continue
        left = (m.term_end - day).days
        if left < 0 or left > stages[-1]:
            continue
        stage = min(x for x in stages if left <= x)
        h = handover.open_handover(t.s, m, t.now) if left <= t.st.handover_days else None
        if h is not None:
            handover.sync_items(t.s, h, t.now)
        tail = T.HANDOVER_OPEN if h is not None else T.HANDOVER_PREPARE
        buttons = [[Button(T.BTN_HANDOVER, RunButton("handover").pack())]] if h is not None else []
        people = {m.id: "self"}
        for other in others:
            people.setdefault(other.id, "other")
        sheet = "\n" + sheet_text(t.s, h, t.now) if h is not None else ""
        for mid, who in people.items():
            text = T.term_ending(m.name, m.term_end, left, own=who == "self") + sheet
            t.put(f"ro:{m.id}:{m.term_end:%Y%m%d}:{stage}:m{mid}", Reply(text + tail, buttons=buttons),
                  Recipient(member_id=mid), due)


Handler = Callable[[Tick, EventSeries, Due], None]
HANDLERS: dict[str, Handler] = {
    "event": _event, "report_reminder": _report, "quota_warning": _quota, "rotation": _rotation}
# Modules whose import registers more kinds with `kind` (loaded before the first tick).
KIND_PROVIDERS = ["conversations.council.notices", "conversations.tasks.notices",
                  "conversations.summaries.notices"]


def kind(name: str) -> Callable[[Handler], Handler]:
    """Register the handler of a series kind a feature owns (its module must be listed in
    KIND_PROVIDERS): `@dispatch.kind("council") def notice(t, row, due): ...`."""
    def wrap(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn
    return wrap


def _load_kinds() -> None:
    from importlib import import_module

    for mod in KIND_PROVIDERS:
        import_module(mod)


# -- digests: batched over every team due at this tick --------------------------------------
def _digests(t: Tick, due_rows: list[tuple[EventSeries, Due]], commands: frozenset[str]) -> None:
    s, now, st = t.s, t.now, t.st
    for weekly in (False, True):
        batch = [(r, d) for r, d in due_rows if (r.kind == "weekly_digest") == weekly]
        if not batch:
            continue
        teams = {tm.id: tm for tm in s.scalars(select(Team).where(Team.id.in_({r.team_id for r, _ in batch})))}
        pairs = {r.team_id: (teams[r.team_id], local(d.occurrence, teams[r.team_id].timezone).date())
                 for r, d in batch}
        digests = compute(s, pairs.values(), now, st, weekly=weekly)
        due_of = {r.team_id: (r, d) for r, d in batch}
        leaders = [m for tid in sorted(pairs) for m in t.directory.team_members(tid)
                   if m.role in (Role.TEAM_LEADER.value, Role.FIRST_SECRETARY.value)]
        leaders.sort(key=lambda m: m.id)
        pending = pending_approvals(s, [m.id for m in leaders])
        for m in leaders:
            row, due = due_of[m.team_id]  # type: ignore[index]
            if m.role not in set((row.audience or {}).get("roles", [])):
                continue
            reply = render(digests[m.team_id], pending=pending.get(m.id, 0),  # type: ignore[index]
                           commands=commands)
            if reply is not None:
                reply.text += _late(due)
                t.put(f"dg:{row.id}:{_occ(due)}:m{m.id}", reply, Recipient(member_id=m.id), due)
        # county-wide counts for admins and supervisors, once per county and day
        county_of = {tid: t.directory.county_of(tid) for tid in pairs}
        rollup = county_rollup(digests.values(), county_of, now, s, st)  # type: ignore[arg-type]
        if not rollup:
            continue
        any_due = batch[0][1]
        admins = sorted((m for cid in rollup for m in t.directory.county_members(cid)
                         if m.role in (Role.ADMIN.value, Role.SUPERVISOR.value)), key=lambda m: m.id)
        for m in admins:
            c = rollup[m.county_id]  # type: ignore[index]
            reply = render_county(c, weekly)
            if reply is not None:
                kind = "w" if weekly else "d"
                t.put(f"dc:{kind}:{m.county_id}:{c.day.isoformat()}:m{m.id}", reply,
                      Recipient(member_id=m.id), any_due)


# -- the tick ------------------------------------------------------------------------------
_SPECS: dict[tuple[str, str], tuple[Recurrence, tuple[Lead, ...]]] = {}


def _json(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _schedule(spec: object, leads: object) -> tuple[Recurrence, tuple[Lead, ...]]:
    """A series' parsed spec and leads, cached by their JSON text: thousands of teams
    share a handful of default schedules, and parsing them every minute is most of an
    idle tick."""
    key = (_json(spec), _json(leads))
    got = _SPECS.get(key)
    if got is None:
        if len(_SPECS) > 10_000:
            _SPECS.clear()
        leads = tuple(Lead.from_dict(x) for x in json.loads(key[1]) or ()) or (Lead(),)  # as leads_of
        got = _SPECS[key] = (Recurrence.from_dict(json.loads(key[0])), leads)
    return got


def run(s: Session, now: datetime, st: Settings, commands: frozenset[str] = frozenset()) -> int:
    """Queue everything due in (watermark, now] for every series; returns rows considered.

    Series are first read as plain columns (JSON as text, parsed once per distinct
    schedule); only the few with something due are loaded as objects, so a minute with
    nothing due costs one SELECT and the watermark UPDATE.
    """
    grace = timedelta(hours=st.outbox_grace_hours)
    _load_kinds()
    if st.reminders_seed_defaults:
        seed_missing_teams(s, now, grace, st.digest_time)
    heads = s.execute(select(EventSeries.id, EventSeries.active, EventSeries.created_at,
                             EventSeries.last_ticked_at, type_coerce(EventSeries.spec, Text),
                             type_coerce(EventSeries.leads, Text)).order_by(EventSeries.id)).all()
    ticked: list[int] = []
    failed: set[int] = set()
    due_of: dict[int, list[Due]] = {}
    for sid, active, created_at, last_ticked_at, spec_text, leads_text in heads:
        since = last_ticked_at or created_at
        if now <= since:
            continue
        if active:
            try:
                spec, leads = _schedule(spec_text, leads_text)
                dues = due_reminders(spec, leads, since, now, grace)
            except Exception:
                log.exception("reminder series %s failed at %s; will retry next tick", sid, now)
                failed.add(sid)
                continue
            if dues:
                due_of[sid] = dues
        ticked.append(sid)
    rows: dict[int, EventSeries] = {}
    ids = sorted(due_of)
    for i in range(0, len(ids), 500):
        rows.update((r.id, r) for r in s.scalars(select(EventSeries).where(EventSeries.id.in_(ids[i:i + 500]))))
    t = Tick(s, now, st)
    digests: list[tuple[EventSeries, Due]] = []
    count = 0
    for sid in ids:
        row, dues = rows[sid], due_of[sid]
        if row.kind in DIGEST_KINDS:
            digests += [(row, due) for due in dues]
        else:
            mark = len(t.items)
            try:
                with s.begin_nested():  # a failing series undoes its own writes only
                    for due in dues:
                        HANDLERS[row.kind](t, row, due)
            except Exception:
                del t.items[mark:]
                log.exception("reminder series %s failed at %s; will retry next tick", sid, now)
                failed.add(sid)
                continue
        count += len(dues)
    if digests:
        # the latest occurrence per series is enough: yesterday's digest is stale news
        latest: dict[int, tuple[EventSeries, Due]] = {}
        for r, d in digests:
            latest[r.id] = (r, d)
        _digests(t, list(latest.values()), commands)
    outbox.enqueue_many(s, t.items, now)
    ticked = [sid for sid in ticked if sid not in failed]
    for i in range(0, len(ticked), 500):
        s.execute(update(EventSeries).where(EventSeries.id.in_(ticked[i:i + 500]))
                  .values(last_ticked_at=now).execution_options(synchronize_session=False))
    done = set(ticked)
    for obj in list(s.identity_map.values()):  # the UPDATE skipped the session's copies
        if isinstance(obj, EventSeries) and obj.id in done:
            set_committed_value(obj, "last_ticked_at", now)
    return count


def missed_since(s: Session, after_id: int) -> list[tuple[str, str]]:
    """(chat or person, first line) of rows recorded as missed after an outbox id."""
    from storage.models import OutboxMessage

    out = []
    groups: dict[str, list[str]] = defaultdict(list)
    for r in s.scalars(select(OutboxMessage).where(OutboxMessage.id > after_id,
                                                   OutboxMessage.status == "missed")
                       .order_by(OutboxMessage.id)):
        groups[r.payload["text"].split("\n")[0]].append(r.chat_id or "?")
    for head, chats in groups.items():
        out.append(("、".join(dict.fromkeys(chats)), head))
    return out
