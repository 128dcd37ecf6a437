"""A demo county so a newcomer can try every role at once in the console."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import admin
from services.roles import Role
from storage.models import Identity, Member, Team, Villager

DEMO_TEAM = "幸福村驻村工作队"
# console user -> (name, role)
DEMO_PEOPLE: dict[str, tuple[str, Role]] = {
    "leader": ("王组长", Role.TEAM_LEADER),
    "secretary": ("李书记", Role.FIRST_SECRETARY),
    "cadre1": ("张驻村", Role.CADRE),
    "cadre2": ("赵驻村", Role.CADRE),
    "supervisor": ("陈监督", Role.SUPERVISOR),
    "admin": ("刘管理", Role.ADMIN),
    "villager": ("孙大伯", Role.VILLAGER),
}


def load_demo(s: Session, now: datetime, platform: str = "console") -> Team:
    """Idempotent: running it twice leaves one demo team."""
    existing = s.scalar(select(Team).where(Team.name == DEMO_TEAM))
    if existing is not None:
        return existing
    village = admin.add_village(s, county="示范县", township="示范镇", name="幸福村", now=now,
                                latitude=26.25, longitude=107.51, radius_m=2000)
    team = admin.create_team(s, name=DEMO_TEAM, village=village, now=now,
                             term_start=date(2025, 3, 1))
    county_id = village.township.county_id
    for user, (name, role) in DEMO_PEOPLE.items():
        if role == Role.VILLAGER:
            person: Member | Villager = Villager(name=name, village_id=village.id, created_at=now)
        else:
            in_team = role in (Role.TEAM_LEADER, Role.FIRST_SECRETARY, Role.CADRE)
            person = Member(name=name, role=role.value, team_id=team.id if in_team else None,
                            county_id=county_id, created_at=now,
                            term_start=date(2025, 3, 1) if in_team else None,
                            term_end=date(2027, 3, 1) if in_team else None)
        s.add(person)
        s.flush()
        s.add(Identity(platform=platform, external_id=user, chat_id=user, created_at=now,
                       last_seen_at=now, display_name=name,
                       member_id=person.id if isinstance(person, Member) else None,
                       villager_id=person.id if isinstance(person, Villager) else None))
    s.flush()
    return team
