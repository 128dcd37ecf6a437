"""The team's calendar as data: default series, add / list / pause / remove, audiences.

Pure service code (a Session and plain values), shared by the chat commands, the
`bot.py admin event ...` CLI and the tick. Permissions are checked here too: leaders
and first secretaries manage their own team, admins and supervisors their county.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reminders.defaults import default_series
from reminders.engine import next_occurrence
from reminders.leads import Lead, parse_lead
from reminders.parse import SpecParseError, parse_spec
from reminders.spec import Recurrence
from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
from storage.models import EventSeries, Identity, Member, Team, Township, Village, Villager

MANAGER_ROLES = frozenset({Role.TEAM_LEADER, Role.FIRST_SECRETARY, Role.ADMIN, Role.SUPERVISOR})


# -- defaults ---------------------------------------------------------------------------
def ensure_defaults(s: Session, team: Team, now: datetime, digest_time: str = "08:00",
                    *, since: datetime | None = None) -> int:
    """Create the missing default series of a team; idempotent (unique team+key).

    `since` is where the new series' watermark starts: nothing before it is sent.
    Returns how many series were created.
    """
    have = set(s.scalars(select(EventSeries.key).where(EventSeries.team_id == team.id)))
    made = 0
    for t in default_series(team.timezone, digest_time):
        if t.key in have:
            continue
        s.add(EventSeries(team_id=team.id, key=t.key, kind=t.kind, title=t.title,
                          spec=t.spec.to_dict(), leads=[lead.to_dict() for lead in t.leads],
                          audience={"roles": list(t.audience)}, active=t.active,
                          created_at=since or now, created_by="system"))
        made += 1
    if made:
        s.flush()
    return made


def seed_missing_teams(s: Session, now: datetime, grace: timedelta, digest_time: str) -> int:
    """Teams without any series get the defaults (at start and on each tick).

    The watermark starts at the team's creation or `grace` ago, whichever is later: a
    team created during downtime still gets what fell due within the grace period,
    an old team added to a fresh deployment does not get a year of "missed" rows.
    """
    seeded = select(EventSeries.team_id).where(EventSeries.key.is_not(None)).distinct()
    teams = s.scalars(select(Team).where(Team.active.is_(True), Team.id.not_in(seeded))).all()
    for team in teams:
        ensure_defaults(s, team, now, digest_time, since=max(team.created_at, now - grace))
    _backfill_once(s, now, digest_time)
    return len(teams)


_BACKFILLED: set[str] = set()


def _backfill_once(s: Session, now: datetime, digest_time: str) -> None:
    """Once per process and database: teams seeded before a release added a default
    series get the new one (defaults are never deleted, only paused, so a missing key
    was never created). It starts now: nothing from before is sent."""
    url = str(s.get_bind().url)
    if url in _BACKFILLED:
        return
    keys = [t.key for t in default_series()]
    have = dict(s.execute(select(EventSeries.team_id, func.count(EventSeries.key.distinct()))
                          .where(EventSeries.key.in_(keys)).group_by(EventSeries.team_id)).all())
    short = [tid for tid, n in have.items() if n < len(keys)]
    for i in range(0, len(short), 500):
        for team in s.scalars(select(Team).where(Team.id.in_(short[i:i + 500]), Team.active.is_(True))):
            ensure_defaults(s, team, now, digest_time)
    _BACKFILLED.add(url)


# -- reading a row ----------------------------------------------------------------------
def spec_of(row: EventSeries) -> Recurrence:
    return Recurrence.from_dict(row.spec)


def leads_of(row: EventSeries) -> tuple[Lead, ...]:
    return tuple(Lead.from_dict(x) for x in row.leads) or (Lead(),)


def next_time(row: EventSeries, now: datetime) -> datetime | None:
    """The series' next occurrence after `now` (None: there is none in the next 800 days)."""
    return next_occurrence(spec_of(row), now, timedelta(days=800))


# -- audience ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    member_id: int | None = None
    villager_id: int | None = None

    @property
    def tag(self) -> str:
        return f"m{self.member_id}" if self.member_id else f"v{self.villager_id}"


def team_county_id(s: Session, team_id: int) -> int | None:
    return s.scalar(select(Township.county_id).join(Village, Village.township_id == Township.id)
                    .join(Team, Team.village_id == Village.id).where(Team.id == team_id))


class Directory:
    """Who can be reached, loaded once for many series: active members by team and by
    county, each team's county and village, and the villagers registered with the bot.

    `team_ids=None` covers every team (the tick); a list covers just those (one series).
    Each part is loaded on first use, so a tick with nothing due loads nothing.
    """

    def __init__(self, s: Session, team_ids: Iterable[int] | None = None) -> None:
        self.s = s
        self.scope = None if team_ids is None else sorted(set(team_ids))
        self._teams: dict[int, tuple[int, int | None]] | None = None
        self._by_team: dict[int, list[Member]] | None = None
        self._by_county: dict[int | None, list[Member]] | None = None
        self._villagers: dict[int, list[int]] | None = None

    def _team_info(self) -> dict[int, tuple[int, int | None]]:
        """team id -> (village id, county id)."""
        if self._teams is None:
            q = (select(Team.id, Team.village_id, Township.county_id)
                 .join(Village, Team.village_id == Village.id)
                 .join(Township, Village.township_id == Township.id))
            if self.scope is not None:
                q = q.where(Team.id.in_(self.scope))
            self._teams = {t: (v, c) for t, v, c in self.s.execute(q)}
        return self._teams

    def county_of(self, team_id: int) -> int | None:
        info = self._team_info().get(team_id)
        return info[1] if info else None

    def _load_members(self) -> None:
        q = select(Member).where(Member.active.is_(True))
        if self.scope is not None:
            counties = {self.county_of(t) for t in self.scope}
            cond = Member.team_id.in_(self.scope) | Member.county_id.in_(
                [c for c in counties if c is not None])
            if None in counties:
                cond = cond | Member.county_id.is_(None)
            q = q.where(cond)
        by_team: dict[int, list[Member]] = defaultdict(list)
        by_county: dict[int | None, list[Member]] = defaultdict(list)
        for m in self.s.scalars(q.order_by(Member.id)):
            if m.team_id is not None:
                by_team[m.team_id].append(m)
            by_county[m.county_id].append(m)
        self._by_team, self._by_county = by_team, by_county

    def team_members(self, team_id: int) -> list[Member]:
        """Active members of the team, by id."""
        if self._by_team is None:
            self._load_members()
        assert self._by_team is not None
        return self._by_team.get(team_id, [])

    def county_members(self, county_id: int | None) -> list[Member]:
        """Active members whose own county is this one (admins, supervisors), by id."""
        if self._by_county is None:
            self._load_members()
        assert self._by_county is not None
        return self._by_county.get(county_id, [])

    def villagers(self, team_id: int) -> list[int]:
        """Villagers of the team's village who registered with the bot, by id."""
        if self._villagers is None:
            villages = sorted({v for v, _ in self._team_info().values()})
            found: dict[int, list[int]] = defaultdict(list)
            for i in range(0, len(villages), 500):
                for vid, village in self.s.execute(
                        select(Villager.id, Villager.village_id)
                        .join(Identity, Identity.villager_id == Villager.id)
                        .where(Villager.village_id.in_(villages[i:i + 500])).distinct()
                        .order_by(Villager.id)):
                    found[village].append(vid)
            self._villagers = found
        info = self._team_info().get(team_id)
        return self._villagers.get(info[0], []) if info else []


def recipients(s: Session, row: EventSeries, directory: Directory | None = None) -> list[Recipient]:
    """Members by role (team roles: this team; admin/supervisor: the team's county),
    listed members, and the village's registered villagers for a council notice."""
    d = directory or Directory(s, [row.team_id])
    aud = row.audience or {}
    roles = set(aud.get("roles", []))
    ids: set[int] = set(aud.get("members", []))
    team_roles = {r for r in roles if r in {x.value for x in TEAM_ROLES}}
    if team_roles:
        ids |= {m.id for m in d.team_members(row.team_id) if m.role in team_roles}
    county_roles = {r for r in roles if r in (Role.ADMIN.value, Role.SUPERVISOR.value)}
    if county_roles:
        ids |= {m.id for m in d.county_members(d.county_of(row.team_id)) if m.role in county_roles}
    out = [Recipient(member_id=i) for i in sorted(ids)]
    if Role.VILLAGER.value in roles:
        # Only villagers who registered with the bot can be reached.
        out += [Recipient(villager_id=v) for v in d.villagers(row.team_id)]
    return out


# -- managing ---------------------------------------------------------------------------
def require_manager(s: Session, actor: Actor | None, team_id: int) -> None:
    """Leaders/first secretaries of the team, admins/supervisors of its county."""
    if actor is None or actor.kind != "member" or actor.role not in MANAGER_ROLES:
        raise PermissionDenied("reminders.manager_only")
    if actor.role in TEAM_ROLES:
        if actor.team_id != team_id:
            raise PermissionDenied("reminders.other_team")
    elif actor.county_id is not None and team_county_id(s, team_id) != actor.county_id:
        raise PermissionDenied("reminders.other_county")


def may_manage(s: Session, actor: Actor | None, team_id: int) -> bool:
    try:
        require_manager(s, actor, team_id)
    except PermissionDenied:
        return False
    return True


def require_reader(s: Session, actor: Actor, team_id: int) -> None:
    """Who may list a team's reminders: its members, the admins and supervisors of its county."""
    if actor.kind != "member":
        raise PermissionDenied("reminders.manager_only")
    if actor.role in TEAM_ROLES:
        if actor.team_id != team_id:
            raise PermissionDenied("reminders.other_team_read")
    elif actor.county_id is not None and team_county_id(s, team_id) != actor.county_id:
        raise PermissionDenied("reminders.other_county_read")


def teams_of(s: Session, actor: Actor) -> list[Team]:
    """Active teams an admin or supervisor looks after (all of them for a county-less admin)."""
    return [t for t in s.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.id))
            if actor.county_id is None or team_county_id(s, t.id) == actor.county_id]


def team_series(s: Session, team_id: int) -> list[EventSeries]:
    return list(s.scalars(select(EventSeries).where(EventSeries.team_id == team_id)
                          .order_by(EventSeries.id)))


def get_series(s: Session, series_id: int) -> EventSeries:
    row = s.get(EventSeries, series_id)
    if row is None:
        raise NotFound("reminders.series_not_found", series_id=series_id)
    return row


def remove_series(s: Session, row: EventSeries) -> None:
    """Delete a series someone added; the defaults can only be paused."""
    if row.key is not None:
        raise PermissionDenied("reminders.default_undeletable", series_id=row.id)
    s.delete(row)


AUDIENCES: dict[str, tuple[str, ...]] = {
    "team": tuple(sorted(r.value for r in TEAM_ROLES)),
    "villagers": (*sorted(r.value for r in TEAM_ROLES), Role.VILLAGER.value),
    "leaders": (Role.TEAM_LEADER.value, Role.FIRST_SECRETARY.value),
}
AUDIENCE_WORDS = {"全队": "team", "工作队": "team", "村民": "villagers", "全村": "villagers",
                  "组长": "leaders", "领导": "leaders", "team": "team", "villagers": "villagers",
                  "leaders": "leaders"}
DEFAULT_LEADS = "前一天 18:00,提前1小时"


def parse_leads(text: str) -> tuple[Lead, ...]:
    """Leads from "前一天 18:00,提前1小时"; a SpecError (a UserError) says what is wrong."""
    parts = [p for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    return tuple(parse_lead(p) for p in parts) or (Lead(),)


def parse_when(text: str, tz: str) -> Recurrence:
    """A schedule ("每周五 15:00") or a one-off date ("2026-11-26 15:00")."""
    t = text.strip()
    if t[:4].isdigit() and "-" in t[:8] and not t.lower().startswith("once"):
        t = "once " + t
    try:
        return parse_spec(t, tz)
    except SpecParseError as exc:
        why = exc.params.get("why")
        if why is None:
            raise UserError("reminders.bad_when", text=text) from None
        raise UserError("reminders.bad_when_because", text=text, why=why) from None


def add_series(s: Session, *, team: Team, title: str, spec: Recurrence, leads: tuple[Lead, ...],
               audience: str | tuple[str, ...], now: datetime, by: str,
               note: str | None = None) -> EventSeries:
    title = title.strip()
    if not title or len(title) > 60:
        raise UserError("reminders.bad_title")
    roles = AUDIENCES[audience] if isinstance(audience, str) else audience
    if next_occurrence(spec, now, timedelta(days=800)) is None:
        raise UserError("reminders.no_future")
    row = EventSeries(team_id=team.id, kind="event", title=title, note=note, spec=spec.to_dict(),
                      leads=[lead.to_dict() for lead in leads], audience={"roles": list(roles)},
                      created_at=now, created_by=by, last_ticked_at=now)
    s.add(row)
    s.flush()
    return row


def set_active(row: EventSeries, active: bool, now: datetime) -> None:
    """Pausing keeps the watermark moving, so resuming never replays the pause."""
    row.active = active
