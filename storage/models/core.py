"""Foundation tables: places, teams, people, identities, invites, dialog state, outbox.

Feature modules (reports, leave, complaints, reminders, knowledge) add their own
tables in sibling modules; every model is imported by storage.models so the metadata
and Alembic see the whole schema.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.clock import utcnow

from .base import Base


class County(Base):
    __tablename__ = "county"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class Township(Base):
    __tablename__ = "township"
    __table_args__ = (UniqueConstraint("county_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"))
    name: Mapped[str] = mapped_column(String(64))
    county: Mapped[County] = relationship()


class Village(Base):
    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("township_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    name: Mapped[str] = mapped_column(String(64))
    # Geofence for check-in: the village centre and a radius (default 2 km).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    fence_radius_m: Mapped[int] = mapped_column(Integer, default=2000)
    township: Mapped[Township] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.township.county.name}{self.township.name}{self.name}"


class Team(Base):
    """A 驻村工作队, stationed in one village."""

    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    term_start: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    village: Mapped[Village] = relationship()


ROLES = ("first_secretary", "cadre", "team_leader", "supervisor", "admin")


class Member(Base):
    """A person of the work system: team member, supervisor or administrator."""

    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # Supervisors and administrators act for a whole county.
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column()
    # admin purge-member: name, phone and identities removed after the retention period;
    # the records stay (counts, dates) without the person
    purged_at: Mapped[datetime | None] = mapped_column()
    team: Mapped[Team | None] = relationship()


class Villager(Base):
    __tablename__ = "villager"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    village: Mapped[Village] = relationship()


class Identity(Base):
    """A platform account (Telegram user, console name) bound to one person."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    villager_id: Mapped[int | None] = mapped_column(ForeignKey("villager.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when Telegram says the user blocked the bot; delivery skips them.
    blocked_at: Mapped[datetime | None] = mapped_column()
    # The person chose this account for messages the bot starts (接收平台); otherwise
    # they go to the account used last.
    preferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LinkCode(Base):
    """A short one-time code that binds a second platform's account to a registered
    person: issued on an account the person already uses (绑定), typed on the new one."""

    __tablename__ = "link_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identity.id"))  # where it was issued
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    villager_id: Mapped[int | None] = mapped_column(ForeignKey("villager.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by: Mapped[int | None] = mapped_column(ForeignKey("identity.id"))  # the new account


class InviteCode(Base):
    """A registration code: single use for members, multi-use for a village's villagers."""

    __tablename__ = "invite_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    name: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column()
    max_uses: Mapped[int | None] = mapped_column(Integer)  # None: unlimited (village codes)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class DialogState(Base):
    """The open dialog of one platform user; lives here so restarts and workers share it."""

    __tablename__ = "dialog_state"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    dialog: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxUpdate(Base):
    """Every update a platform delivered, stored raw before the platform is told it arrived.

    Keyed by (platform, update_key) so a redelivery is dropped; processed in id order per
    lane (one person), each in the same transaction as its effects and its replies. A
    transient failure is retried with backoff; one that keeps failing is parked for an
    administrator instead of being retried forever. Done rows are pruned after a week.
    """

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "update_key"),
                      Index("ix_inbox_status_lane_id", "status", "lane", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(64))
    lane: Mapped[str] = mapped_column(String(96))  # "platform:user": handled in order
    payload: Mapped[dict[str, Any]] = mapped_column()
    # pending -> done | parked
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
    # the class of the last error, never its text (which could quote the message)
    error: Mapped[str | None] = mapped_column(String(64))
    busy_told: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxMessage(Base):
    """A message to deliver, keyed so the same notification is never queued twice.

    Written in the same transaction as the fact it announces (a transactional outbox),
    so an approval and its notification are committed or lost together. Replies to the
    sender are rows too (priority 0), so a crash or a platform fault never loses one.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_chat_head", "platform", "chat_id", "status", "id"),
                      Index("ix_outbox_queue", "platform", "status", "priority", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    platform: Mapped[str | None] = mapped_column(String(16), index=True)
    chat_id: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    villager_id: Mapped[int | None] = mapped_column(ForeignKey("villager.id"))
    payload: Mapped[dict[str, Any]] = mapped_column()
    # pending -> sending -> sent | failed | blocked | undeliverable | unknown | missed
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # 0 a reply to the person who just wrote, 1 a notice to someone else, 2 bulk reminders
    priority: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    # past this, a row not yet sent is recorded as missed instead (stale news)
    expires_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # platform messages of this reply already delivered (albums, long texts) and skipped
    parts_done: Mapped[int] = mapped_column(Integer, default=0)
    parts_skipped: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column()
    message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only trail of who did what: refused buttons, admin actions, state changes."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # "member:3", "villager:5", "cli", "system", "telegram:123", "dingtalk:<staffId of up to 64>"
    actor: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
