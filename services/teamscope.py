"""Whose records a person may see and change, for the public work of a team: the
council, the livelihood task list, projects and funds (issue #15).

Three ways to look at a team's public work, checked on the typed actor (kind and id):
* its members see and do the work ("team");
* the administrators and supervisors of its county, and the township leader (乡镇领导) of
  its township, read it ("county");
* the registered villagers of its village read the public notice board ("public").
Managers — the team leader and the first secretary of that team — run the council and
check tasks. Nobody else sees anything; refusals are PermissionDenied (audited).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import Role
from storage.models import Team, Township, TownshipLead, Village

View = Literal["team", "county", "public"]
MANAGER_ROLES = frozenset({Role.TEAM_LEADER, Role.FIRST_SECRETARY})
COUNTY_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


def county_of(s: Session, team_id: int) -> int | None:
    return s.scalar(select(Township.county_id).join(Village, Village.township_id == Township.id)
                    .join(Team, Team.village_id == Village.id).where(Team.id == team_id))


def township_of(s: Session, team_id: int) -> int | None:
    return s.scalar(select(Village.township_id).join(Team, Team.village_id == Village.id)
                    .where(Team.id == team_id))


def is_member_of(actor: Actor | None, team_id: int | None) -> bool:
    """The actor works in this team (a member, never a villager whose id matches)."""
    return (actor is not None and actor.kind == "member" and actor.in_team
            and team_id is not None and actor.team_id == team_id)


def is_manager_of(actor: Actor | None, team_id: int | None) -> bool:
    return is_member_of(actor, team_id) and actor is not None and actor.role in MANAGER_ROLES


def led_township(s: Session, actor: Actor | None) -> int | None:
    """The township a township leader (乡镇领导) looks after (`admin set-township`)."""
    if actor is None or actor.kind != "member" or actor.role != Role.TOWNSHIP_LEADER:
        return None
    return s.scalar(select(TownshipLead.township_id).where(TownshipLead.member_id == actor.id))


def view_of(s: Session, actor: Actor | None, team: Team) -> View | None:
    """How the actor may look at the team's public work, or None."""
    if actor is None:
        return None
    if is_member_of(actor, team.id):
        return "team"
    if actor.kind == "member" and actor.role == Role.TOWNSHIP_LEADER:
        town = led_township(s, actor)
        return "county" if town is not None and township_of(s, team.id) == town else None
    if actor.kind == "member" and actor.role in COUNTY_ROLES:
        if actor.county_id is None or county_of(s, team.id) == actor.county_id:
            return "county"
        return None
    if actor.kind == "villager" and actor.village_id == team.village_id:
        return "public"
    return None


def require_view(s: Session, actor: Actor | None, team: Team) -> View:
    view = view_of(s, actor, team)
    if view is None:
        raise PermissionDenied("council.not_your_team")
    return view


def require_member(actor: Actor | None, team_id: int) -> Actor:
    """A member of this very team (work: add a task, record progress)."""
    if actor is None or not is_member_of(actor, team_id):
        raise PermissionDenied("council.team_members_only")
    return actor


def require_manager(actor: Actor | None, team_id: int) -> Actor:
    """The team leader or first secretary of this team."""
    require_member(actor, team_id)
    assert actor is not None
    if actor.role not in MANAGER_ROLES:
        raise PermissionDenied("council.managers_only")
    return actor


def own_team(s: Session, actor: Actor | None) -> Team:
    """The team the speaker works in (to add to its work), or a refusal (audited)."""
    if actor is None or actor.kind != "member" or not actor.in_team:
        raise PermissionDenied("council.team_members_only")
    team = s.get(Team, actor.team_id)
    if team is None:
        raise NotFound("council.no_team_here")
    return team


def team_for(s: Session, actor: Actor, ref: str = "") -> Team:
    """The team a request is about: a member's own, a villager's village's, or (county
    staff) the one named or the only one of their county."""
    if actor.kind == "member" and actor.team_id is not None and not ref:
        team = s.get(Team, actor.team_id)
        if team is not None:
            return team
    if actor.kind == "villager":
        team = s.scalar(select(Team).where(Team.village_id == actor.village_id,
                                           Team.active.is_(True)).order_by(Team.id))
        if team is None:
            raise NotFound("council.no_team_here")
        return team
    if ref:
        # any team by name or id: whether the actor may see it is `require_view`'s to say
        # (refused and audited), so a name from another county is not silently "unknown"
        named = s.scalar(select(Team).where(Team.name == ref)) or (
            s.get(Team, int(ref)) if ref.isdigit() and len(ref) <= 9 else None)
        if named is None:
            raise NotFound("council.team_not_found", ref=ref)
        return named
    town = led_township(s, actor)

    def mine(team_id: int) -> bool:
        if town is not None:
            return township_of(s, team_id) == town
        return actor.county_id is None or county_of(s, team_id) == actor.county_id

    teams = [t for t in s.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.id))
             if mine(t.id)]
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise NotFound("council.no_team_here")
    raise UserError("council.which_team", example=teams[0].name,
                    names="、".join(t.name for t in teams[:10]))
