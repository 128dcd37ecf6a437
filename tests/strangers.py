"""People who must not touch someone else's records: for the wrong-actor tests.

`add_strangers(core, owner)` adds, next to the demo team, everyone a button or a command
of `owner` (a demo member's name) must refuse, each bound to a console user:

* "collider" - a villager whose villager id equals the owner's member id (issue #10: ids
  compared without the actor's kind let such a villager act as the cadre);
* "cadre_b", "leader_b" - a cadre and the team leader of a team in another county;
* "supervisor_b", "admin_b" - a supervisor and an administrator of that other county;
* "nobody" - a console user who never registered.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.app import BotCore
from core.messages import Incoming
from services import admin
from services.roles import Role
from storage.models import AuditEvent, Identity, Member, Village, Villager

STRANGERS = ("collider", "cadre_b", "leader_b", "supervisor_b", "admin_b", "nobody")


def add_strangers(core: BotCore, owner: str) -> dict[str, int]:
    """Create the strangers; returns their person ids by console user (not 'nobody')."""
    now = core.clock.now()
    ids: dict[str, int] = {}
    with core.db.session() as s:
        owner_id = s.scalar(select(Member.id).where(Member.name == owner))
        assert owner_id is not None, owner
        village = s.scalar(select(Village).where(Village.name == "幸福村"))
        villager = None
        while villager is None or villager.id < owner_id:
            villager = Villager(name="孙二婶", village_id=village.id, created_at=now)
            s.add(villager)
            s.flush()
        assert villager.id == owner_id, "the owner's id is taken by an older villager"
        _bind(s, "collider", now, villager_id=villager.id)
        ids["collider"] = villager.id
        other = admin.add_village(s, county="别县", township="别镇", name="别村", now=now,
                                  latitude=30.0, longitude=110.0)
        team = admin.create_team(s, name="别村驻村工作队", village=other, now=now,
                                 term_start=date(2025, 3, 1))
        for user, name, role in (("cadre_b", "钱驻村", Role.CADRE),
                                 ("leader_b", "周组长", Role.TEAM_LEADER),
                                 ("supervisor_b", "吴监督", Role.SUPERVISOR),
                                 ("admin_b", "郑管理", Role.ADMIN)):
            in_team = role in (Role.CADRE, Role.TEAM_LEADER)
            m = Member(name=name, role=role.value, team_id=team.id if in_team else None,
                       county_id=other.township.county_id, created_at=now,
                       term_start=date(2025, 3, 1) if in_team else None)
            s.add(m)
            s.flush()
            _bind(s, user, now, member_id=m.id)
            ids[user] = m.id
    return ids


def _bind(s, user: str, now, **person: int) -> None:  # type: ignore[no-untyped-def]
    s.add(Identity(platform="console", external_id=user, chat_id=user, created_at=now,
                   last_seen_at=now, display_name=user, **person))


def press(core: BotCore, user: str, data: str) -> str:
    """Press a button with `data` as `user` would (forged or forwarded); the words back."""
    out = core.handle(Incoming(platform="console", user_id=user, chat_id=user, callback=data))
    return "\n".join(r.text for r in out.replies)


def audit_rows(core: BotCore, action: str, who: str | None = None) -> list[AuditEvent]:
    with core.db.session() as s:
        q = select(AuditEvent).where(AuditEvent.action == action)
        if who is not None:
            q = q.where(AuditEvent.actor == who)
        return list(s.scalars(q.order_by(AuditEvent.id)))
