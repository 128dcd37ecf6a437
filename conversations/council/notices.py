"""What the council tells people: the meeting notice with its agenda (from the reminder
tick, kind "council", or at once when a leader calls a meeting), the decisions once
recorded, and the council's lines in the leaders' digest.

Villagers of the village who registered with the bot get the public version; members of
the team get theirs with a button to the agenda. Every message goes through the outbox
with a key per meeting, notice and person, so nothing is sent twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.context import Ctx
from core.messages import Button, Reply
from reminders import digest, dispatch
from reminders.due import Due
from reminders.series import Directory, Recipient, recipients, spec_of
from services import council
from services.config import Settings
from services.roles import TEAM_ROLES
from storage.models import CouncilItem, CouncilMeeting, EventSeries, Team

from . import text as T
from .buttons import CouncilButton

_TEAM = {r.value for r in TEAM_ROLES}


def _occ(dt: datetime) -> str:
    return dt.strftime("%Y%m%dT%H%MZ")


def _reply(m: CouncilMeeting, tz: str, agenda: list[CouncilItem], *, villager: bool, left: str,
           called: bool = False) -> Reply:
    text = T.meeting_notice(m.kind, T.when(m.scheduled_at, tz), T.agenda_text(agenda),
                            villager=villager, left=left, called=called)
    return Reply(text, buttons=[[Button(T.BTN_VIEW, CouncilButton("v", m.id).pack())]])


def _people(d: Directory, team_id: int) -> tuple[list[int], list[int]]:
    members = [m.id for m in d.team_members(team_id) if m.role in _TEAM]
    return members, d.villagers(team_id)


def announce(ctx: Ctx, m: CouncilMeeting, team: Team, agenda: list[CouncilItem]) -> int:
    """A meeting just called: tell the team and the village now. Returns villagers told."""
    members, villagers = _people(Directory(ctx.session, [team.id]), team.id)
    for mid in members:
        ctx.notify(f"cm:{m.id}:called:m{mid}", _reply(m, team.timezone, agenda, villager=False,
                                                      left="", called=True), member_id=mid)
    for vid in villagers:
        ctx.notify(f"cm:{m.id}:called:v{vid}", _reply(m, team.timezone, agenda, villager=True,
                                                      left="", called=True), villager_id=vid)
    return len(villagers)


def publish_decisions(ctx: Ctx, m: CouncilMeeting, decided: list[CouncilItem]) -> int:
    """The decisions, to the team and to the village. Returns villagers told."""
    team = ctx.session.get(Team, m.team_id)
    assert team is not None
    name = T.meeting_name(m, team.timezone)
    lines = [T.decision_line(n, i) for n, i in enumerate(decided, 1)]
    members, villagers = _people(Directory(ctx.session, [team.id]), team.id)
    has_minutes = bool(m.minutes or m.minutes_media)
    for mid in members:
        ctx.notify(f"cd:{m.id}:m{mid}", Reply(T.decisions_notice(name, lines, villager=False,
                                                                 minutes=has_minutes)),
                   member_id=mid)
    for vid in villagers:
        ctx.notify(f"cd:{m.id}:v{vid}", Reply(T.decisions_notice(name, lines, villager=True,
                                                                 minutes=has_minutes)),
                   villager_id=vid)
    return len(villagers)


@dispatch.kind(council.SERIES_KIND)
def _notice(t: dispatch.Tick, row: EventSeries, due: Due) -> None:
    """A council series' reminder: the meeting comes into being with its first notice,
    and its agenda takes in what waits for a decision until it starts."""
    tz = spec_of(row).tz
    m, _ = council.meeting_for(t.s, row.team_id, council.kind_of_series(row), due.occurrence,
                               t.now, series_id=row.id)
    if due.status != "missed":
        waiting = _waiting(t)
        agenda = council.fill_agenda(t.s, m, t.now, waiting.get(row.team_id, []))
        waiting[row.team_id] = []  # on this agenda now: not on another one of this tick
    else:
        agenda = council.items(t.s, m.id)
    from conversations.reminders.text import late, time_left

    left = time_left(due.occurrence - due.remind_at)
    tail = late(max(1, round(due.late_by.total_seconds() / 3600))) if due.status == "late" else ""
    for r in recipients(t.s, row, t.directory):
        reply = _reply(m, tz, agenda, villager=r.villager_id is not None, left=left)
        reply.text += tail
        t.put(f"cm:{row.id}:{_occ(due.occurrence)}:{due.lead_key}:{r.tag}", reply,
              Recipient(member_id=r.member_id, villager_id=r.villager_id), due)


def _waiting(t: dispatch.Tick) -> dict[int, list[council.AgendaEntry]]:
    """What waits for the council in every team with a council series, read once per tick
    (one query per agenda source), however many teams' meetings are announced in it."""
    got = getattr(t, "_council_waiting", None)
    if got is None:
        team_ids = sorted(set(t.s.scalars(select(EventSeries.team_id).where(
            EventSeries.kind == council.SERIES_KIND))))
        got = council.waiting_many(t.s, team_ids, unscheduled=True)
        t._council_waiting = got  # type: ignore[attr-defined]
    return got


@digest.section
def _digest(s: Session, digests: dict[int, digest.TeamDigest], now: datetime,
            settings: Settings) -> None:
    """【议事会】 what waits for the council and meetings whose decisions are not written.
    Three queries for all teams, plus one per agenda source."""
    ids = list(digests)
    held: dict[int, list[CouncilMeeting]] = defaultdict(list)
    for m in s.scalars(select(CouncilMeeting).where(
            CouncilMeeting.team_id.in_(ids), CouncilMeeting.status == council.PLANNED,
            CouncilMeeting.scheduled_at <= now).order_by(CouncilMeeting.scheduled_at)):
        held[m.team_id].append(m)
    waiting = council.waiting_counts(s, ids)
    tz = {tid: tz for tid, tz in s.execute(select(Team.id, Team.timezone).where(Team.id.in_(ids)))}
    for tid, d in digests.items():
        if held.get(tid):
            d.extra.append(T.DIGEST_TO_RECORD.format(names=T.LIST_SEP.join(
                T.meeting_name(m, tz.get(tid, settings.timezone)) for m in held[tid][:3])))
        if waiting.get(tid) and d.weekly:
            d.extra.append(T.DIGEST_WAITING.format(n=waiting[tid]))
