"""The people of the conformance stream: the demo team plus more cadres and villagers,
registered on the channel under test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from services.demo import load_demo
from services.roles import Role
from storage.db import Database
from storage.models import Identity, Member, Team, Villager

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


@dataclass(frozen=True)
class Person:
    key: str  # the user id on the channel (a number on Telegram, a name on the console)
    name: str
    role: Role


@dataclass(frozen=True)
class Population:
    leader: Person
    cadres: tuple[Person, ...]
    villagers: tuple[Person, ...]

    @property
    def everyone(self) -> tuple[Person, ...]:
        return (self.leader, *self.cadres, *self.villagers)


def user_key(platform: str, n: int) -> str:
    """Telegram and DingTalk user ids are numbers / strings; console users are names."""
    return f"u{n}" if platform == "console" else str(700000 + n)


def populate(db: Database, platform: str, now: datetime, cadres: int, villagers: int) -> Population:
    """The demo team (its leader approves leave) plus `cadres` cadres and `villagers`
    villagers, each with an identity on `platform`. Idempotent per database."""
    with db.session() as s:
        team = load_demo(s, now)
        leader_m = s.scalar(select(Member).where(Member.team_id == team.id,
                                                 Member.role == Role.TEAM_LEADER.value))
        supervisor = s.scalar(select(Member).where(Member.role == Role.SUPERVISOR.value))
        assert leader_m is not None and supervisor is not None
        people: list[Person] = []

        def bind(key: str, member: Member | None = None, villager: Villager | None = None) -> None:
            if s.scalar(select(Identity).where(Identity.platform == platform,
                                               Identity.external_id == key)) is None:
                # seen after the demo's console accounts: this is where they are now
                s.add(Identity(platform=platform, external_id=key, chat_id=key, created_at=now,
                               last_seen_at=now + timedelta(minutes=1),
                               member_id=member.id if member else None,
                               villager_id=villager.id if villager else None))

        leader = Person(user_key(platform, 1), leader_m.name, Role.TEAM_LEADER)
        bind(leader.key, member=leader_m)
        bind(user_key(platform, 2), member=supervisor)
        for i in range(cadres):
            name = f"{SURNAMES[i % len(SURNAMES)]}干部{i + 1}"
            m = s.scalar(select(Member).where(Member.name == name))
            if m is None:
                m = Member(name=name, role=Role.CADRE.value, team_id=team.id,
                           county_id=None, created_at=now, term_start=date(2025, 3, 1),
                           term_end=date(2027, 3, 1))
                s.add(m)
                s.flush()
            p = Person(user_key(platform, 100 + i), name, Role.CADRE)
            bind(p.key, member=m)
            people.append(p)
        village_id = s.get(Team, team.id).village_id  # type: ignore[union-attr]
        folk: list[Person] = []
        for i in range(villagers):
            name = f"{SURNAMES[(i + 7) % len(SURNAMES)]}大伯{i + 1}"
            v = s.scalar(select(Villager).where(Villager.name == name))
            if v is None:
                v = Villager(name=name, village_id=village_id, created_at=now)
                s.add(v)
                s.flush()
            p = Person(user_key(platform, 500 + i), name, Role.VILLAGER)
            bind(p.key, villager=v)
            folk.append(p)
    return Population(leader, tuple(people), tuple(folk))
