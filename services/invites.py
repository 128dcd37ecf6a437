"""Invite codes: how a person joins a team (single use) or a village (reusable)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit
from services.actors import Actor, actor_for_member, actor_for_villager, find_identity
from services.errors import UserError
from services.roles import MEMBER_ROLES, ROLE_LABELS, TEAM_ROLES, Role
from storage.models import County, Identity, InviteCode, Member, Team, Village, Villager

# No 0/O/1/I/L: codes are read aloud and typed on small phones.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class InviteError(UserError):
    """A code that cannot be used (registration.*) or an invite that cannot be made (admin.*)."""


def new_code(prefix: str = "") -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def create_invite(session: Session, *, role: Role, now: datetime, team: Team | None = None,
                  village: Village | None = None, county: County | None = None,
                  name: str | None = None, valid_days: int | None = 14,
                  max_uses: int | None = 1) -> InviteCode:
    if role in TEAM_ROLES and team is None:
        raise InviteError("admin.invite_needs_team", role=ROLE_LABELS[role])
    if role == Role.VILLAGER and village is None:
        raise InviteError("admin.invite_needs_village")
    if role in (Role.SUPERVISOR, Role.ADMIN, Role.TOWNSHIP_LEADER) and county is None:
        raise InviteError("admin.invite_needs_county", role=ROLE_LABELS[role])
    invite = InviteCode(
        code=new_code("V" if role == Role.VILLAGER else ""),
        role=role.value,
        team_id=team.id if team else None,
        village_id=village.id if village else (team.village_id if team else None),
        county_id=county.id if county else None,
        name=name,
        expires_at=None if valid_days is None else now + timedelta(days=valid_days),
        max_uses=max_uses,
        created_at=now,
    )
    session.add(invite)
    session.flush()
    audit.record(session, "cli", "invite.create", now, subject=f"invite:{invite.id}",
                 role=role.value, team_id=invite.team_id, village_id=invite.village_id)
    return invite


def check_code(session: Session, code: str, now: datetime) -> InviteCode:
    """The usable invite behind a code, or an InviteError that says why not."""
    code = code.strip().upper()
    invite = session.scalar(select(InviteCode).where(InviteCode.code == code))
    if invite is None or invite.revoked_at is not None:
        raise InviteError("registration.code_unknown")
    if invite.expires_at is not None and invite.expires_at < now:
        raise InviteError("registration.code_expired")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise InviteError("registration.code_used")
    return invite


@dataclass
class Registration:
    actor: Actor
    team_name: str | None
    village_name: str | None


def redeem(session: Session, *, code: str, platform: str, external_id: str, chat_id: str,
           name: str, now: datetime, username: str | None = None,
           display_name: str | None = None, default_tz: str = "Asia/Shanghai") -> Registration:
    """Create the person from the invite and bind this platform identity to them.

    Checked again here (not only when the code was first typed) because the dialog
    may have waited for the name while someone else used the code.
    """
    invite = check_code(session, code, now)
    role = Role(invite.role)
    existing = find_identity(session, platform, external_id)
    if existing is not None and (existing.member_id or existing.villager_id):
        raise InviteError("registration.already_registered")
    name = name.strip()
    team = session.get(Team, invite.team_id) if invite.team_id else None
    village = session.get(Village, invite.village_id) if invite.village_id else None
    if role in MEMBER_ROLES:
        person: Member | Villager = Member(
            name=name, role=role.value, team_id=invite.team_id, county_id=invite.county_id,
            term_start=team.term_start if team else None,
            term_end=_term_end(team.term_start) if team and team.term_start else None,
            created_at=now,
        )
    else:
        if village is None:  # the village was removed after the code was made
            raise InviteError("registration.code_unknown")
        person = Villager(name=name, village_id=village.id, created_at=now)
    session.add(person)
    session.flush()
    if existing is None:
        existing = Identity(platform=platform, external_id=external_id, chat_id=chat_id,
                            created_at=now, last_seen_at=now)
        session.add(existing)
    existing.chat_id = chat_id
    existing.username = username
    existing.display_name = display_name
    if isinstance(person, Member):
        existing.member_id = person.id
    else:
        existing.villager_id = person.id
    invite.uses += 1
    session.flush()
    actor = (actor_for_member(person, existing.id, default_tz) if isinstance(person, Member)
             else actor_for_villager(person, existing.id, default_tz))
    audit.record(session, actor.key, "register", now, subject=f"invite:{invite.id}",
                 platform=platform, role=role.value)
    return Registration(actor, team.name if team else None,
                        village.full_name if village else None)


def _term_end(start):  # type: ignore[no-untyped-def]
    """A resident term lasts two years (驻村干部2年任期)."""
    try:
        return start.replace(year=start.year + 2)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 2, day=28)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
