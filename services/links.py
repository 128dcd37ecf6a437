"""One person, several platforms: bind a second account with a one-time code, and choose
which account gets the messages the bot starts.

Binding: a registered person asks for a code on an account they already use (绑定 /
/link); typing 「绑定 CODE」 on another platform's account, not yet registered, binds it
to the same person. The code is eight characters of the invite alphabet (guessing one
is hopeless within its ten minutes), single use, and a new code voids the older ones.
The person is told on the account that issued the code, so a code someone else used is
noticed at once; every bind and every refused attempt is audited, and an account that
keeps typing wrong codes is refused for an hour.

Delivery: messages the bot starts go to the account the person chose (接收平台), else to
the one they used last (core.outbox._latest_identities).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services import audit
from services.actors import Actor, find_identity
from services.errors import PermissionDenied, UserError
from storage.models import AuditEvent, Identity, LinkCode, Member, Villager

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as invite codes: no 0/O/1/I/L
VALID = timedelta(minutes=10)
MAX_FAILURES = 5  # wrong codes an account may type in an hour


class LinkError(UserError):
    """A code that cannot bind this account (identities.*)."""


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw[:16]


def _person_column(actor: Actor):  # type: ignore[no-untyped-def]
    return Identity.member_id if actor.kind == "member" else Identity.villager_id


def accounts(session: Session, actor: Actor) -> list[Identity]:
    """The person's accounts, oldest first."""
    return list(session.scalars(select(Identity).where(_person_column(actor) == actor.id)
                                .order_by(Identity.id)))


def issue(session: Session, actor: Actor, now: datetime) -> LinkCode:
    """A fresh code for the person; their unused older codes stop working."""
    session.execute(update(LinkCode).where(
        LinkCode.member_id == actor.id if actor.kind == "member" else LinkCode.villager_id == actor.id,
        LinkCode.used_at.is_(None), LinkCode.expires_at > now).values(expires_at=now))
    link = LinkCode(code=new_code(), identity_id=actor.identity_id,
                    member_id=actor.id if actor.kind == "member" else None,
                    villager_id=actor.id if actor.kind == "villager" else None,
                    created_at=now, expires_at=now + VALID)
    session.add(link)
    session.flush()
    audit.record(session, actor.key, "link.issue", now, subject=f"link:{link.id}")
    return link


@dataclass(frozen=True)
class Bound:
    identity: Identity  # the new account
    issuer: Identity  # where the code was asked for (told about the bind)
    person_kind: str
    person_id: int


def _failures(session: Session, who: str, now: datetime) -> int:
    """Wrong codes this account typed in the last hour (the router audits each refusal)."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.actor == who, AuditEvent.action == "refused",
        AuditEvent.detail["detail"].as_string().like("identities.code%"),
        AuditEvent.at > now - timedelta(hours=1))) or 0


def redeem(session: Session, *, code: str, platform: str, external_id: str, chat_id: str,
           now: datetime, username: str | None = None, display_name: str | None = None,
           private: bool = True) -> Bound:
    """Bind this (unregistered) account to the person who asked for `code`."""
    who = f"{platform}:{external_id}"
    existing = find_identity(session, platform, external_id)
    if existing is not None and (existing.member_id or existing.villager_id):
        raise LinkError("identities.already_bound")
    if not private:
        raise LinkError("identities.private_only")
    if _failures(session, who, now) >= MAX_FAILURES:
        raise PermissionDenied("identities.too_many")
    link = session.scalar(select(LinkCode).where(LinkCode.code == normalise(code)))
    problem = None
    if link is None:
        problem = "code_unknown"
    elif link.used_at is not None or link.expires_at <= now:
        problem = "code_expired"
    else:
        person = (session.get(Member, link.member_id) if link.member_id
                  else session.get(Villager, link.villager_id or 0))
        issuer = session.get(Identity, link.identity_id)
        if person is None or issuer is None or (isinstance(person, Member) and not person.active) \
                or (isinstance(person, Villager) and person.name is None):
            problem = "code_expired"
        else:
            column = Identity.member_id if link.member_id else Identity.villager_id
            pid = link.member_id or link.villager_id
            taken = session.scalar(select(Identity.id).where(column == pid,
                                                             Identity.platform == platform))
            if taken is not None:
                problem = "platform_taken"
    if problem is not None:  # a refusal: the router keeps an audit row of it
        raise PermissionDenied(f"identities.{problem}")
    assert link is not None
    if existing is None:
        existing = Identity(platform=platform, external_id=external_id, chat_id=chat_id,
                            created_at=now, last_seen_at=now)
        session.add(existing)
    existing.chat_id, existing.username, existing.display_name = chat_id, username, display_name
    existing.member_id, existing.villager_id = link.member_id, link.villager_id
    existing.last_seen_at = now
    session.flush()
    link.used_at, link.used_by = now, existing.id
    kind = "member" if link.member_id else "villager"
    pid = link.member_id or link.villager_id or 0
    audit.record(session, f"{kind}:{pid}", "link.bind", now, subject=f"link:{link.id}",
                 platform=platform, identity=existing.id)
    return Bound(existing, session.get(Identity, link.identity_id), kind, pid)  # type: ignore[arg-type]


def choose(session: Session, actor: Actor, platform: str | None, now: datetime) -> Identity | None:
    """Messages the bot starts go to the person's account on `platform`; None: to the
    account used last. Returns the chosen account (None for "last used")."""
    mine = accounts(session, actor)
    chosen = None
    if platform is not None:
        chosen = next((i for i in mine if i.platform == platform), None)
        if chosen is None:
            raise LinkError("identities.no_account", platform=platform)
    for ident in mine:
        ident.preferred = ident is chosen
    audit.record(session, actor.key, "link.choose", now, platform=platform or "last_used")
    return chosen
