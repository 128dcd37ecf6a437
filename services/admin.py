"""Administration used by `bot.py admin ...`: places, teams, invites, members."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services import audit
from services.errors import NotFound, UserError
from storage.models import County, Member, Team, Township, Village


def get_or_create_county(s: Session, name: str) -> County:
    county = s.scalar(select(County).where(County.name == name))
    if county is None:
        county = County(name=name)
        s.add(county)
        s.flush()
    return county


def add_village(s: Session, *, county: str, township: str, name: str, now: datetime,
                latitude: float | None = None, longitude: float | None = None,
                radius_m: int = 2000) -> Village:
    c = get_or_create_county(s, county)
    t = s.scalar(select(Township).where(Township.county_id == c.id, Township.name == township))
    if t is None:
        t = Township(county_id=c.id, name=township)
        s.add(t)
        s.flush()
    v = s.scalar(select(Village).where(Village.township_id == t.id, Village.name == name))
    if v is None:
        v = Village(township_id=t.id, name=name)
        s.add(v)
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise UserError("admin.bad_coordinates")
        v.latitude, v.longitude = latitude, longitude
    if radius_m <= 0:
        raise UserError("admin.bad_radius")
    v.fence_radius_m = radius_m
    s.flush()
    audit.record(s, "cli", "village.add", now, subject=f"village:{v.id}")
    return v


def find_village(s: Session, ref: str) -> Village:
    """A village by id or by name (unique name, or "乡镇/村" to disambiguate)."""
    if ref.isdigit() and (v := s.get(Village, int(ref))):
        return v
    township, _, vname = ref.rpartition("/")
    q = select(Village).where(Village.name == vname)
    if township:
        q = q.join(Township).where(Township.name == township)
    found = s.scalars(q).all()
    if not found:
        raise NotFound("admin.village_not_found", ref=ref)
    if len(found) > 1:
        raise UserError("admin.village_ambiguous", count=len(found), name=vname)
    return found[0]


def find_team(s: Session, ref: str) -> Team:
    if ref.isdigit() and (t := s.get(Team, int(ref))):
        return t
    t = s.scalar(select(Team).where(Team.name == ref))
    if t is None:
        raise NotFound("admin.team_not_found", ref=ref)
    return t


def find_county(s: Session, ref: str) -> County:
    if ref.isdigit() and (c := s.get(County, int(ref))):
        return c
    c = s.scalar(select(County).where(County.name == ref))
    if c is None:
        raise NotFound("admin.county_not_found", ref=ref)
    return c


def create_team(s: Session, *, name: str, village: Village, now: datetime,
                timezone: str = "Asia/Shanghai", term_start: date | None = None) -> Team:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("admin.bad_timezone", timezone=timezone) from None
    if s.scalar(select(Team).where(Team.name == name)):
        raise UserError("admin.team_exists", name=name)
    team = Team(name=name, village_id=village.id, timezone=timezone, term_start=term_start,
                created_at=now)
    s.add(team)
    s.flush()
    audit.record(s, "cli", "team.create", now, subject=f"team:{team.id}")
    return team


def list_members(s: Session, team: Team | None = None, include_inactive: bool = False) -> list[Member]:
    q = select(Member).order_by(Member.team_id, Member.id)
    if team is not None:
        q = q.where(Member.team_id == team.id)
    if not include_inactive:
        q = q.where(Member.active.is_(True))
    return list(s.scalars(q))


PURGED_NAME = "已删除成员{id}"  # data, not a sentence: what records show instead of a name


def purge_member(s: Session, member_id: int, now: datetime, retention_days: int) -> Member:
    """Remove a deactivated person's name, phone and platform identities once the
    retention period after deactivation has passed. Their records (logs, leave,
    attendance) stay, counted under the member id, so totals and history hold while
    nothing says who it was."""
    from storage.models import DialogState, Identity, LinkCode

    m = s.get(Member, member_id)
    if m is None:
        raise NotFound("admin.member_not_found", member_id=member_id)
    if m.active or m.deactivated_at is None:
        raise UserError("admin.purge_active", name=m.name, member_id=m.id)
    if m.purged_at is not None:
        raise UserError("admin.purged_already", member_id=m.id)
    until = m.deactivated_at + timedelta(days=retention_days)
    if now < until:
        raise UserError("admin.purge_too_early", member_id=m.id, days=retention_days,
                        until=until.date().isoformat())
    idents = s.scalars(select(Identity).where(Identity.member_id == m.id)).all()
    # binding codes name the person and their accounts: they go with the accounts
    s.execute(delete(LinkCode).where(LinkCode.member_id == m.id))
    for ident in idents:
        s.execute(delete(DialogState).where(DialogState.platform == ident.platform,
                                            DialogState.external_id == ident.external_id))
        s.delete(ident)
    m.name, m.phone, m.purged_at = PURGED_NAME.format(id=m.id), None, now
    audit.record(s, "cli", "member.purge", now, subject=f"member:{m.id}",
                 identities=len(idents))
    return m


def deactivate(s: Session, member_id: int, now: datetime, reason: str = "") -> Member:
    m = s.get(Member, member_id)
    if m is None:
        raise NotFound("admin.member_not_found", member_id=member_id)
    if not m.active:
        raise UserError("admin.member_inactive", name=m.name, member_id=member_id)
    m.active, m.deactivated_at = False, now
    audit.record(s, "cli", "member.deactivate", now, subject=f"member:{m.id}", reason=reason)
    return m
