"""Who sees what in the workspace, checked on every page and every form.

A team leader or first secretary sees their team, a township leader (乡镇领导) their
township, supervisors and administrators their county. A page names its object by id in
the address; the id is untrusted, so each page asks this module before reading anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.errors import NotFound, PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
from storage.models import County, Member, Team, Township, TownshipLead, Village

COUNTY_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Viewer:
    member_id: int
    name: str
    role: Role
    county_id: int | None
    township_id: int | None
    team_id: int | None

    @property
    def level(self) -> str:
        if self.role in COUNTY_ROLES:
            return "county"
        if self.role == Role.TOWNSHIP_LEADER:
            return "township"
        return "team"

    @property
    def key(self) -> str:
        return f"member:{self.member_id}"

    def home(self) -> str:
        if self.level == "county":
            return f"/county/{self.county_id}"
        if self.level == "township":
            return f"/township/{self.township_id}"
        return f"/team/{self.team_id}"


@dataclass(frozen=True)
class Place:
    """Where a team sits: its township and county (for scope checks and breadcrumbs)."""

    team_id: int
    team_name: str
    village_id: int
    township_id: int
    township_name: str
    county_id: int
    county_name: str


def viewer_for(session: Session, member: Member) -> Viewer:
    role = Role(member.role)
    county_id, township_id = member.county_id, None
    if member.team_id is not None:
        place = place_of_team(session, member.team_id)
        county_id, township_id = place.county_id, place.township_id
    if role == Role.TOWNSHIP_LEADER:
        township_id = session.scalar(select(TownshipLead.township_id)
                                     .where(TownshipLead.member_id == member.id))
        if township_id is None:
            raise UserError("web.no_township")
        county_id = session.get(Township, township_id).county_id  # type: ignore[union-attr]
    return Viewer(member.id, member.name, role, county_id, township_id,
                  member.team_id if role in TEAM_ROLES else None)


def place_of_team(session: Session, team_id: int) -> Place:
    row = session.execute(
        select(Team.id, Team.name, Village.id, Township.id, Township.name, County.id, County.name)
        .join(Village, Village.id == Team.village_id).join(Township, Township.id == Village.township_id)
        .join(County, County.id == Township.county_id).where(Team.id == team_id)).first()
    if row is None:
        raise NotFound("web.not_found")
    return Place(*row)


def _deny() -> PermissionDenied:
    return PermissionDenied("web.not_in_scope")


def require_county(viewer: Viewer, county_id: int) -> None:
    if viewer.level != "county" or viewer.county_id != county_id:
        raise _deny()


def require_township(session: Session, viewer: Viewer, township_id: int) -> Township:
    town = session.get(Township, township_id)
    if town is None:
        raise NotFound("web.not_found")
    if viewer.level == "county" and viewer.county_id == town.county_id:
        return town
    if viewer.level == "township" and viewer.township_id == town.id:
        return town
    raise _deny()


def require_team(session: Session, viewer: Viewer, team_id: int) -> Place:
    place = place_of_team(session, team_id)
    allowed = ((viewer.level == "county" and viewer.county_id == place.county_id)
               or (viewer.level == "township" and viewer.township_id == place.township_id)
               or (viewer.level == "team" and viewer.team_id == place.team_id))
    if not allowed:
        raise _deny()
    return place


def require_person(session: Session, viewer: Viewer, member_id: int) -> tuple[Member, Place]:
    """A cadre's page: only work-team members have one, seen by whoever sees their team."""
    member = session.get(Member, member_id)
    if member is None or member.team_id is None or member.role not in {r.value for r in TEAM_ROLES}:
        raise NotFound("web.not_found")
    return member, require_team(session, viewer, member.team_id)


def may_record_spot_checks(viewer: Viewer) -> bool:
    """督查/明察暗访 are done by the county (organisation department, supervisors) and the
    township; a team does not check itself."""
    return viewer.level in ("county", "township")


def team_ids_in(session: Session, *, county_id: int | None = None,
                township_id: int | None = None) -> list[int]:
    q = select(Team.id).join(Village, Village.id == Team.village_id).where(Team.active.is_(True))
    if township_id is not None:
        q = q.where(Village.township_id == township_id)
    if county_id is not None:
        q = q.join(Township, Township.id == Village.township_id).where(Township.county_id == county_id)
    return list(session.scalars(q.order_by(Team.id)))


def viewer_team_ids(session: Session, viewer: Viewer) -> list[int]:
    if viewer.level == "county":
        return team_ids_in(session, county_id=viewer.county_id)
    if viewer.level == "township":
        return team_ids_in(session, township_id=viewer.township_id)
    return [viewer.team_id] if viewer.team_id is not None else []


def set_township(session: Session, member_id: int, township: str) -> Township:
    """Give a township leader (乡镇领导) their township, in the member's county."""
    member = session.get(Member, member_id)
    if member is None or member.role != Role.TOWNSHIP_LEADER.value:
        raise UserError("web.not_township_leader", name=member.name if member else str(member_id))
    q = select(Township).where(Township.name == township)
    if member.county_id is not None:
        q = q.where(Township.county_id == member.county_id)
    town = session.scalar(q)
    if town is None:
        raise NotFound("web.township_unknown", name=township)
    row = session.get(TownshipLead, member.id)
    if row is None:
        session.add(TownshipLead(member_id=member.id, township_id=town.id))
    else:
        row.township_id = town.id
    if member.county_id is None:
        member.county_id = town.county_id
    session.flush()
    return town
