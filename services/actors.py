"""Who is talking: resolve a platform identity to a member or villager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, aliased

from services.roles import LEADER_ROLES, TEAM_ROLES, Role
from storage.models import DialogState, Identity, Member, Team, Township, Village, Villager


@dataclass(frozen=True)
class Actor:
    kind: str  # "member" | "villager"
    id: int
    role: Role
    name: str
    team_id: int | None
    village_id: int | None
    county_id: int | None
    timezone: str
    identity_id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def in_team(self) -> bool:
        return self.role in TEAM_ROLES and self.team_id is not None

    @property
    def leads_team(self) -> bool:
        return self.role in LEADER_ROLES and self.team_id is not None


def actor_for_member(m: Member, identity_id: int = 0, default_tz: str = "Asia/Shanghai") -> Actor:
    team: Team | None = m.team
    county_id = m.county_id
    if team is not None and county_id is None:
        county_id = team.village.township.county_id
    return Actor(
        kind="member", id=m.id, role=Role(m.role), name=m.name, team_id=m.team_id,
        village_id=team.village_id if team else None, county_id=county_id,
        timezone=team.timezone if team else default_tz, identity_id=identity_id,
    )


def actor_for_villager(v: Villager, identity_id: int = 0, default_tz: str = "Asia/Shanghai") -> Actor:
    return Actor(
        kind="villager", id=v.id, role=Role.VILLAGER, name=v.name, team_id=None,
        village_id=v.village_id, county_id=v.village.township.county_id,
        timezone=default_tz, identity_id=identity_id,
    )


def find_identity(session: Session, platform: str, external_id: str) -> Identity | None:
    return session.scalar(
        select(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    )


# last_seen_at decides where messages to a person go (the identity used last); writing
# it on every message costs an UPDATE per update, so it moves in steps of this much.
SEEN_STEP = timedelta(seconds=60)


@dataclass(frozen=True)
class Who:
    """Who is behind an identity: the actor, or None with the reason."""

    actor: Actor | None
    deactivated: bool = False  # bound to a person who was deactivated (or purged)
    # the id of this identity's open dialog row, read in the same query; None with
    # dialog_known False when there is no identity row (ask core.state)
    dialog_id: int | None = None
    dialog_known: bool = False


_TeamVillage, _TeamTownship = aliased(Village), aliased(Township)
_HomeVillage, _HomeTownship = aliased(Village), aliased(Township)
_WHO = (select(Identity.id, Identity.last_seen_at, Identity.member_id, Identity.villager_id,
               Member.role, Member.name, Member.team_id, Member.county_id, Member.active,
               Team.village_id, Team.timezone, _TeamTownship.county_id,
               Villager.name, Villager.village_id, _HomeTownship.county_id, DialogState.id)
        .select_from(Identity)
        .outerjoin(Member, Member.id == Identity.member_id)
        .outerjoin(Team, Team.id == Member.team_id)
        .outerjoin(_TeamVillage, _TeamVillage.id == Team.village_id)
        .outerjoin(_TeamTownship, _TeamTownship.id == _TeamVillage.township_id)
        .outerjoin(Villager, Villager.id == Identity.villager_id)
        .outerjoin(_HomeVillage, _HomeVillage.id == Villager.village_id)
        .outerjoin(_HomeTownship, _HomeTownship.id == _HomeVillage.township_id)
        # the open dialog too: every update asks for it next (core.state)
        .outerjoin(DialogState, (DialogState.platform == Identity.platform)
                   & (DialogState.external_id == Identity.external_id))
        # built once with parameters: SQLAlchemy memoizes a statement's cache key, so the
        # per-update cost is the query alone (issue #10: this ran on every message)
        .where(Identity.platform == bindparam("platform"),
               Identity.external_id == bindparam("external_id")))
_SEEN = (update(Identity).where(Identity.id == bindparam("ident_id"))
         .values(last_seen_at=bindparam("now")))


def resolve_status(session: Session, platform: str, external_id: str, now: datetime,
                   default_tz: str = "Asia/Shanghai") -> Who:
    """Who is speaking, in one query (every update pays for this)."""
    # on the session's connection: a plain Core query, without the ORM's result machinery
    conn = session.connection()
    row = conn.execute(_WHO, {"platform": platform, "external_id": external_id}).first()
    if row is None:
        return Who(None)
    (ident_id, seen, member_id, villager_id, role, m_name, team_id, m_county, active,
     village_id, tz, team_county, v_name, v_village, v_county, dialog_id) = row
    if seen is None or now - seen >= SEEN_STEP:
        conn.execute(_SEEN, {"ident_id": ident_id, "now": now})
    known = {"dialog_id": dialog_id, "dialog_known": True}
    if member_id is not None:
        if role is None or not active:
            return Who(None, deactivated=True, **known)
        return Who(Actor(kind="member", id=member_id, role=Role(role), name=m_name,
                         team_id=team_id, village_id=village_id,
                         county_id=m_county if m_county is not None else team_county,
                         timezone=tz or default_tz, identity_id=ident_id), **known)
    if villager_id is not None:
        if v_name is None:
            return Who(None, deactivated=True, **known)
        return Who(Actor(kind="villager", id=villager_id, role=Role.VILLAGER, name=v_name,
                         team_id=None, village_id=v_village, county_id=v_county,
                         timezone=default_tz, identity_id=ident_id), **known)
    return Who(None, **known)


def resolve(session: Session, platform: str, external_id: str, now: datetime,
            default_tz: str = "Asia/Shanghai") -> Actor | None:
    """The actor behind an identity, or None if unregistered or deactivated."""
    return resolve_status(session, platform, external_id, now, default_tz).actor

