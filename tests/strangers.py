"""People who must be refused: added to the demo county for wrong-actor tests.

`add_strangers` gives console users beside the demo ones:
- "othercadre": a cadre of another team (邻村, same county);
- "othersup" / "otheradmin": a supervisor and an administrator of another county;
- "stranger": nobody (no identity at all);
and `villager_as(chat, member_user)` a villager whose villager id equals that member's
member id (the demo's 孙大伯 already shares id 1 with 王组长).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from core.messages import Incoming
from services import admin
from storage.models import AuditEvent, Identity, Member, Villager
from tests.harness import ChatHarness

STRANGERS = ("othercadre", "othersup", "otheradmin")
UNREGISTERED = "stranger"


def _bind(s, chat: ChatHarness, user: str, *, member_id: int | None = None,  # type: ignore[no-untyped-def]
          villager_id: int | None = None) -> None:
    now = chat.clock.now()
    s.add(Identity(platform="console", external_id=user, chat_id=user, member_id=member_id,
                   villager_id=villager_id, created_at=now, last_seen_at=now))


def add_strangers(chat: ChatHarness) -> None:
    now = chat.clock.now()
    with chat.core.db.session() as s:
        near = admin.add_village(s, county="示范县", township="示范镇", name="邻村", now=now)
        team = admin.create_team(s, name="邻村驻村工作队", village=near, now=now)
        far = admin.add_village(s, county="别的县", township="别的镇", name="别的村", now=now)
        far_county = far.township.county_id
        people = {
            "othercadre": Member(name="邻村干部", role="cadre", team_id=team.id, created_at=now),
            "othersup": Member(name="外县监督", role="supervisor", county_id=far_county,
                               created_at=now),
            "otheradmin": Member(name="外县管理", role="admin", county_id=far_county,
                                 created_at=now),
        }
        for user, m in people.items():
            s.add(m)
            s.flush()
            _bind(s, chat, user, member_id=m.id)


def member_id(chat: ChatHarness, user: str) -> int:
    with chat.core.db.session() as s:
        return s.scalar(select(Identity.member_id).where(Identity.external_id == user))


def villager_as(chat: ChatHarness, member_user: str) -> str:
    """A console user who is a villager with the same id as `member_user`'s member id."""
    target = member_id(chat, member_user)
    with chat.core.db.session() as s:
        v = s.get(Villager, target)
        if v is None:
            v0 = s.scalar(select(Villager))
            v = Villager(id=target, name=f"村民{target}", village_id=v0.village_id,
                         created_at=chat.clock.now())
            s.add(v)
            s.flush()
        user = s.scalar(select(Identity.external_id).where(Identity.villager_id == v.id))
        if user is None:
            user = f"villager{target}"
            _bind(s, chat, user, villager_id=v.id)
    return user


def press_data(chat: ChatHarness, user: str, data: str) -> str:
    """Press a button with this exact data, as a forger would; return the replies."""
    out = chat.core.handle(Incoming(platform="console", user_id=user, chat_id=user,
                                    callback=data))
    chat.channel.flush()
    return "\n".join(r.text for r in out.replies)


def audits(chat: ChatHarness, action: str) -> int:
    with chat.core.db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == action)) or 0


def refused_rows(chat: ChatHarness, actors: Iterable[str] | None = None) -> list[AuditEvent]:
    with chat.core.db.session() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")
                              .order_by(AuditEvent.id)))
        s.expunge_all()
    if actors is not None:
        wanted = set(actors)
        rows = [r for r in rows if r.actor in wanted]
    return rows


OTHER_LEADER = "otherleader"


def add_other_leader(chat: ChatHarness) -> str:
    """A team leader of 邻村驻村工作队 (after `add_strangers`): sees their own team only."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        team_id = s.scalar(select(Member.team_id).where(Member.name == "邻村干部"))
        m = Member(name="邻村组长", role="team_leader", team_id=team_id, created_at=now)
        s.add(m)
        s.flush()
        _bind(s, chat, OTHER_LEADER, member_id=m.id)
    return OTHER_LEADER
