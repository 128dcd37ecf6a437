"""The villager council (村民议事会): its meetings, their agendas and decisions.

Seed 000: projects, the use of funds and the carrying-out of policies must be discussed
and approved by the council, and their progress and spending published. So:

* a meeting's agenda is built from the items waiting for a decision, which other
  features contribute through `agenda_source` (projects, fund uses, tasks): each source
  lists its waiting subjects and applies a decision to one;
* a meeting exists from its first notice (the reminder tick, or a leader calling one);
  items waiting then join its agenda until it starts;
* after the meeting the team leader or first secretary records a decision on every item
  (approved / rejected / deferred, votes if given) and the minutes (text or photos);
  the decisions are applied to their subjects at once (a project is approved, a fund use
  added to its budget, a rejected task dropped) and a deferred item waits for the next
  meeting.
Permissions are checked here on the typed actor; words live in conversations/council.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from sqlalchemy import select
from sqlalchemy.orm import Session

from reminders.leads import Lead
from reminders.spec import Recurrence
from services import audit, teamscope
from services.actors import Actor
from services.errors import NotFound, UserError
from storage.models import CouncilItem, CouncilMeeting, EventSeries, Team

# Meeting kinds and the default series that announce them (reminders/defaults.py).
KINDS = ("representative", "villager")
SERIES_KIND = "council"
KIND_OF_KEY = {"villager_representative_meeting": "representative",
               "villager_meeting": "villager"}
DECISIONS = ("approved", "rejected", "deferred")
APPROVED, REJECTED, DEFERRED = DECISIONS
PLANNED, RECORDED = "planned", "recorded"
# A meeting a leader calls between the scheduled ones: reminded the day before at 18:00
# and an hour before, like any event (its first notice goes out when it is called).
CALLED_LEADS = (Lead(days=1, at="18:00"), Lead(minutes=60))


# -- agenda sources ----------------------------------------------------------------------
@dataclass(frozen=True)
class AgendaEntry:
    """A subject waiting for the council: what the agenda shows of it (data, no words)."""

    team_id: int
    kind: str
    subject_id: int
    title: str
    amount_fen: int | None = None
    info: str | None = None  # a short datum shown beside it: a fund source, an owner


# (session, team ids) -> the subjects of those teams waiting for a decision: set-based,
# so a tick announcing a prefecture's meetings asks each source once, not once per team
WaitingFn = Callable[[Session, list[int]], list[AgendaEntry]]
DecideFn = Callable[[Session, CouncilItem, datetime], None]


@dataclass(frozen=True)
class AgendaSource:
    kind: str
    waiting: WaitingFn
    decide: DecideFn  # apply item.decision to the subject
    order: int


_SOURCES: dict[str, AgendaSource] = {}
# Modules whose import registers agenda sources (add yours: one line).
AGENDA_PROVIDERS = ["services.projects", "services.tasks"]


def agenda_source(kind: str, *, decide: DecideFn, order: int = 100) -> Callable[[WaitingFn], WaitingFn]:
    """Register a kind of subject the council decides on:

        @council.agenda_source("project", decide=apply_decision, order=10)
        def waiting_projects(s, team_ids): ...
    """
    def wrap(fn: WaitingFn) -> WaitingFn:
        _SOURCES[kind] = AgendaSource(kind, fn, decide, order)
        return fn
    return wrap


def sources() -> list[AgendaSource]:
    for mod in AGENDA_PROVIDERS:
        import_module(mod)
    return sorted(_SOURCES.values(), key=lambda x: (x.order, x.kind))


# -- reading ----------------------------------------------------------------------------
def get_meeting(s: Session, meeting_id: int) -> CouncilMeeting:
    m = s.get(CouncilMeeting, meeting_id)
    if m is None:
        raise NotFound("council.meeting_gone")
    return m


def items(s: Session, meeting_id: int) -> list[CouncilItem]:
    return list(s.scalars(select(CouncilItem).where(CouncilItem.meeting_id == meeting_id)
                          .order_by(CouncilItem.id)))


def meetings(s: Session, team_id: int, *, status: str | None = None) -> list[CouncilMeeting]:
    q = select(CouncilMeeting).where(CouncilMeeting.team_id == team_id)
    if status is not None:
        q = q.where(CouncilMeeting.status == status)
    return list(s.scalars(q.order_by(CouncilMeeting.scheduled_at, CouncilMeeting.id)))


def on_open_agenda(s: Session, team_ids: list[int]) -> set[tuple[int, str, int]]:
    """(team, kind, subject) already on the agenda of a meeting not yet recorded."""
    rows = s.execute(select(CouncilItem.team_id, CouncilItem.subject_kind, CouncilItem.subject_id)
                     .join(CouncilMeeting, CouncilMeeting.id == CouncilItem.meeting_id)
                     .where(CouncilMeeting.team_id.in_(team_ids), CouncilMeeting.status == PLANNED))
    return {(t, k, i) for t, k, i in rows}


def waiting_many(s: Session, team_ids: list[int], *, unscheduled: bool = False) -> dict[int, list[AgendaEntry]]:
    """Every subject of these teams waiting for a decision, by team and source order; with
    `unscheduled`, only those not yet on a coming meeting's agenda. One query per source."""
    out: dict[int, list[AgendaEntry]] = {tid: [] for tid in team_ids}
    taken = on_open_agenda(s, team_ids) if unscheduled else set()
    for src in sources():
        for e in src.waiting(s, team_ids):
            if (e.team_id, e.kind, e.subject_id) not in taken:
                out.setdefault(e.team_id, []).append(e)
    return out


def waiting(s: Session, team_id: int, *, unscheduled: bool = False) -> list[AgendaEntry]:
    return waiting_many(s, [team_id], unscheduled=unscheduled)[team_id]


def waiting_counts(s: Session, team_ids: list[int]) -> dict[int, int]:
    """How many subjects wait for the council, per team (the digest)."""
    return {tid: len(rows) for tid, rows in waiting_many(s, team_ids).items()}


def to_record(s: Session, team_id: int, now: datetime) -> list[CouncilMeeting]:
    """Meetings that have taken place and whose decisions are not written yet."""
    return [m for m in meetings(s, team_id, status=PLANNED) if m.scheduled_at <= now]


def upcoming(s: Session, team_id: int, now: datetime) -> list[CouncilMeeting]:
    return [m for m in meetings(s, team_id, status=PLANNED) if m.scheduled_at > now]


def council_series(s: Session, team_id: int) -> list[EventSeries]:
    return list(s.scalars(select(EventSeries).where(
        EventSeries.team_id == team_id, EventSeries.kind == SERIES_KIND).order_by(EventSeries.id)))


def kind_of_series(row: EventSeries) -> str:
    return KIND_OF_KEY.get(row.key or "", (row.audience or {}).get("council", "representative"))


# -- meetings -----------------------------------------------------------------------------
def meeting_for(s: Session, team_id: int, kind: str, when: datetime, now: datetime, *,
                series_id: int | None = None, by: str = "system") -> tuple[CouncilMeeting, bool]:
    """The meeting of this team and kind at `when`, created on first use."""
    m = s.scalar(select(CouncilMeeting).where(CouncilMeeting.team_id == team_id,
                                              CouncilMeeting.kind == kind,
                                              CouncilMeeting.scheduled_at == when))
    if m is not None:
        return m, False
    m = CouncilMeeting(team_id=team_id, series_id=series_id, kind=kind, scheduled_at=when,
                       status=PLANNED, created_at=now, created_by=by, minutes_media=[])
    s.add(m)
    s.flush()
    audit.record(s, by, "council.meeting", now, subject=f"meeting:{m.id}", kind=kind)
    return m, True


def fill_agenda(s: Session, m: CouncilMeeting, now: datetime,
                entries: list[AgendaEntry] | None = None) -> list[CouncilItem]:
    """Put every waiting subject not yet on a coming agenda onto this one (until the
    meeting starts); returns the meeting's whole agenda. `entries`: those subjects, when
    the caller has read them for many teams at once (`waiting_many`)."""
    if m.status == PLANNED and m.scheduled_at > now:
        todo = waiting(s, m.team_id, unscheduled=True) if entries is None else entries
        added = [CouncilItem(meeting_id=m.id, team_id=m.team_id, subject_kind=e.kind,
                             subject_id=e.subject_id, title=e.title, amount_fen=e.amount_fen,
                             info=e.info) for e in todo]
        if added:
            s.add_all(added)
            s.flush()
    return items(s, m.id)


def call_meeting(s: Session, actor: Actor, team: Team, kind: str, when: datetime,
                 now: datetime, title: str) -> CouncilMeeting:
    """A leader calls a meeting between the scheduled ones: a one-off council series
    (so the usual reminders follow) and the meeting with its agenda, at once."""
    teamscope.require_manager(actor, team.id)
    if kind not in KINDS:
        raise UserError("council.bad_kind")
    if when <= now:
        raise UserError("council.when_past")
    local = when.astimezone(_zone(team.timezone))
    spec = Recurrence("once", at=(local.strftime("%Y-%m-%dT%H:%M"),), tz=team.timezone)
    if s.scalar(select(CouncilMeeting.id).where(CouncilMeeting.team_id == team.id,
                                                CouncilMeeting.kind == kind,
                                                CouncilMeeting.scheduled_at == when)) is not None:
        raise UserError("council.meeting_exists")
    row = EventSeries(team_id=team.id, kind=SERIES_KIND, title=title, spec=spec.to_dict(),
                      leads=[x.to_dict() for x in CALLED_LEADS],
                      audience={"roles": list(_AUDIENCE), "council": kind},
                      created_at=now, created_by=actor.key, last_ticked_at=now)
    s.add(row)
    s.flush()
    m, _ = meeting_for(s, team.id, kind, when, now, series_id=row.id, by=actor.key)
    fill_agenda(s, m, now)
    return m


_AUDIENCE = ("cadre", "first_secretary", "team_leader", "villager")


def _zone(tz: str):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def set_schedule(s: Session, actor: Actor, row: EventSeries, spec: Recurrence,
                 now: datetime) -> None:
    """The village moves its meeting: a new rule for a council series (leads kept)."""
    teamscope.require_manager(actor, row.team_id)
    if row.kind != SERIES_KIND:
        raise NotFound("council.series_gone")
    from reminders.engine import next_occurrence

    if next_occurrence(spec, now, timedelta(days=800)) is None:
        raise UserError("council.when_past")
    old = row.spec
    row.spec = spec.to_dict()
    row.active = True
    audit.record(s, actor.key, "council.reschedule", now, subject=f"series:{row.id}",
                 old=old, new=row.spec)


_TIME = re.compile(r"(上午|下午|晚上)?\s*(\d{1,2})\s*(?:[:：](\d{2})|点(半|(\d{1,2})分?)?)\s*$")


def parse_meeting_time(text: str, local_now: datetime, tz: str) -> datetime | None:
    """'2026-12-10 15:00', '12月10日 15:00', '下周四下午3点', '明天 9:30' -> an aware time
    in the team's zone (echoed back before anything is sent); None if unreadable."""
    from services.dates import parse_date_range

    t = (text or "").strip()
    m = _TIME.search(t)
    if not m:
        return None
    hour = int(m.group(2))
    minute = 30 if m.group(4) == "半" else int(m.group(3) or m.group(5) or 0)
    if m.group(1) in ("下午", "晚上") and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    day_text = t[:m.start()].strip().rstrip("的 ")
    if not day_text:
        return None
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", day_text)
    if iso:
        from datetime import date as _date

        try:
            day = _date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    else:
        r = parse_date_range(day_text, local_now.date())
        if r is None or r.start != r.end:
            return None
        day = r.start
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=_zone(tz))


# -- decisions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    item_id: int
    decision: str
    votes: tuple[int, int, int] | None = None  # for, against, abstain


_APPROVE = ("不通过", "未通过", "否决", "不同意", "不批准")  # checked first: they contain 通过/同意
_WORDS = (("rejected", _APPROVE), ("deferred", ("暂缓", "缓议", "推迟", "下次再议", "搁置")),
          ("approved", ("通过", "同意", "批准", "赞成通过")))
_VOTES = re.compile(r"(赞成|同意|反对|弃权)\s*[:：]?\s*(\d{1,5})\s*票?")
_TRIPLE = re.compile(r"(\d{1,5})\s*[:：/比]\s*(\d{1,5})(?:\s*[:：/比]\s*(\d{1,5}))?")


def parse_decision(text: str) -> tuple[str | None, tuple[int, int, int] | None]:
    """'通过 赞成23 反对2 弃权1' -> ('approved', (23, 2, 1)); '暂缓' -> ('deferred', None);
    '23:2:1' -> (None, (23, 2, 1)). Vote words are read before decision words, so
    '反对2' is a count, not a refusal."""
    t = (text or "").strip()
    votes: dict[str, int] = {}
    for word, n in _VOTES.findall(t):
        votes["for" if word in ("赞成", "同意") else "against" if word == "反对" else "abstain"] = int(n)
    bare = _VOTES.sub(" ", t)
    triple = _TRIPLE.search(bare)
    if triple and not votes:
        votes = {"for": int(triple.group(1)), "against": int(triple.group(2)),
                 "abstain": int(triple.group(3) or 0)}
        bare = _TRIPLE.sub(" ", bare)
    decision = next((d for d, words in _WORDS if any(w in bare for w in words)), None)
    counted = (votes.get("for", 0), votes.get("against", 0), votes.get("abstain", 0)) if votes else None
    return decision, counted


def record(s: Session, actor: Actor, m: CouncilMeeting, decisions: Iterable[Decision],
           minutes: str | None, media: list[dict[str, str]], now: datetime) -> list[CouncilItem]:
    """Write the meeting's decisions and minutes and apply each decision to its subject."""
    teamscope.require_manager(actor, m.team_id)
    if m.status != PLANNED:
        raise UserError("council.already_recorded")
    if m.scheduled_at > now:
        raise UserError("council.not_held_yet")
    agenda = {i.id: i for i in items(s, m.id)}
    given = {d.item_id: d for d in decisions}
    if set(given) != set(agenda):
        raise UserError("council.decisions_missing", n=len(set(agenda) - set(given)))
    by_kind = {src.kind: src for src in sources()}
    for item_id, d in given.items():
        if d.decision not in DECISIONS:
            raise UserError("council.bad_decision")
        item = agenda[item_id]
        item.decision, item.decided_at, item.decided_by = d.decision, now, actor.key
        if d.votes is not None:
            item.votes_for, item.votes_against, item.votes_abstain = d.votes
        src = by_kind.get(item.subject_kind)
        if src is not None:
            src.decide(s, item, now)
    m.status, m.minutes, m.minutes_media = RECORDED, (minutes or "").strip() or None, list(media)
    m.recorded_at, m.recorded_by = now, actor.key
    s.flush()
    audit.record(s, actor.key, "council.record", now, subject=f"meeting:{m.id}",
                 items=len(agenda))
    return list(agenda.values())


def decisions_in(s: Session, team_ids: list[int], start: datetime,
                 end: datetime) -> list[tuple[CouncilItem, CouncilMeeting]]:
    """Decisions recorded in [start, end) for these teams (the workbook's sheet)."""
    rows = s.execute(select(CouncilItem, CouncilMeeting)
                     .join(CouncilMeeting, CouncilMeeting.id == CouncilItem.meeting_id)
                     .where(CouncilItem.team_id.in_(team_ids), CouncilItem.decided_at >= start,
                            CouncilItem.decided_at < end)
                     .order_by(CouncilMeeting.scheduled_at, CouncilItem.id)).all()
    return [(i, m) for i, m in rows]
