"""Signing in to the county workspace through the bot: no passwords to manage.

/web asks for a link: a random token, valid for `web_link_minutes`, spent on its first
use. Opening the link shows a button; pressing it (a POST, so a chat app's link preview
that fetches the page spends nothing) trades the token for a session cookie that lasts
`web_session_hours`. Only SHA-256 hashes of tokens are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.actors import Actor
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.roles import Role
from storage.models import Member, WebLoginToken, WebSession

# Who may open the workspace: team leaders and first secretaries their team, township
# leaders their township, supervisors and administrators their county.
WEB_ROLES = frozenset({Role.TEAM_LEADER, Role.FIRST_SECRETARY, Role.TOWNSHIP_LEADER,
                       Role.SUPERVISOR, Role.ADMIN})


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_use_web(member: Member | None) -> bool:
    return member is not None and member.active and member.role in WEB_ROLES


def issue_link(session: Session, actor: Actor, now: datetime, settings: Settings) -> str:
    """A fresh single-use sign-in link for this member (older unused ones stay valid
    until they expire: two devices may each ask)."""
    member = session.get(Member, actor.id) if actor.kind == "member" else None
    if not may_use_web(member):
        raise PermissionDenied("web.not_for_role")
    token = secrets.token_urlsafe(24)
    session.add(WebLoginToken(token_hash=digest(token), member_id=actor.id, created_at=now,
                              expires_at=now + timedelta(minutes=settings.web_link_minutes)))
    session.flush()
    return f"{settings.web_url}/login/{token}"


def check_link(session: Session, token: str, now: datetime) -> WebLoginToken:
    """The link's row if it can still be used, else a typed refusal."""
    if not token or len(token) > 64:
        raise UserError("web.link_unknown")
    row = session.scalar(select(WebLoginToken).where(WebLoginToken.token_hash == digest(token)))
    if row is None:
        raise UserError("web.link_unknown")
    if row.used_at is not None:
        raise UserError("web.link_used")
    if row.expires_at <= now:
        raise UserError("web.link_expired")
    if not may_use_web(session.get(Member, row.member_id)):
        raise UserError("web.link_unknown")
    return row


@dataclass(frozen=True)
class NewSession:
    cookie: str
    member_id: int
    expires_at: datetime


def redeem(session: Session, token: str, now: datetime, settings: Settings) -> NewSession:
    """Spend the link (once: a conditional update, so two presses cannot both win) and
    open a session."""
    row = check_link(session, token, now)
    spent = session.execute(update(WebLoginToken).where(
        WebLoginToken.id == row.id, WebLoginToken.used_at.is_(None)).values(used_at=now))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise UserError("web.link_used")
    cookie = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.web_session_hours)
    session.add(WebSession(token_hash=digest(cookie), member_id=row.member_id,
                           csrf=secrets.token_urlsafe(24), created_at=now, expires_at=expires))
    session.flush()
    return NewSession(cookie, row.member_id, expires)


def current(session: Session, cookie: str | None, now: datetime) -> tuple[WebSession, Member] | None:
    """The open session behind a cookie and its member, or None (expired, ended, the
    member deactivated or no longer in a role that may use the workspace)."""
    if not cookie or len(cookie) > 128:
        return None
    ws = session.scalar(select(WebSession).where(WebSession.token_hash == digest(cookie)))
    if ws is None or ws.ended_at is not None or ws.expires_at <= now:
        return None
    member = session.get(Member, ws.member_id)
    if member is None or not may_use_web(member):
        return None
    return ws, member


def end(session: Session, cookie: str | None, now: datetime) -> None:
    if cookie:
        session.execute(update(WebSession).where(WebSession.token_hash == digest(cookie),
                                                 WebSession.ended_at.is_(None))
                        .values(ended_at=now))
