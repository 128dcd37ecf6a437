"""Who is talking: resolve a platform identity to a member or villager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.roles import LEADER_ROLES, TEAM_ROLES, Role
from storage.models import Identity, Member, Team, Villager


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


def resolve_status(session: Session, platform: str, external_id: str, now: datetime,
                   default_tz: str = "Asia/Shanghai") -> Who:
    ident = find_identity(session, platform, external_id)
    if ident is None:
        return Who(None)
    if ident.last_seen_at is None or now - ident.last_seen_at >= SEEN_STEP:
        ident.last_seen_at = now
    if ident.member_id is not None:
        m = session.get(Member, ident.member_id)
        if m is None or not m.active:
            return Who(None, deactivated=True)
        return Who(actor_for_member(m, ident.id, default_tz))
    if ident.villager_id is not None:
        v = session.get(Villager, ident.villager_id)
        if v is None or getattr(v, "active", True) is False:
            return Who(None, deactivated=True)
        return Who(actor_for_villager(v, ident.id, default_tz))
    return Who(None)


def resolve(session: Session, platform: str, external_id: str, now: datetime,
            default_tz: str = "Asia/Shanghai") -> Actor | None:
    """The actor behind an identity, or None if unregistered or deactivated."""
    return resolve_status(session, platform, external_id, now, default_tz).actor

