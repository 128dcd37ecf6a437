"""Villagers' complaints to the supervision channel (监督投诉) and their handling record.

The author link (villager_id) is kept only so the author can be told about progress;
for an anonymous complaint nothing shown to anyone, exported or logged carries it, and
the event trail names the author "anonymous".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class Complaint(Base):
    __tablename__ = "complaint"
    # The per-day sequence is unique, so two villagers filing at the same moment can
    # never get the same ticket number; the loser of the race retries with the next one.
    __table_args__ = (UniqueConstraint("day", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_no: Mapped[str] = mapped_column(String(32), unique=True)
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    # The team the complaint is about (set when about a member or the whole team).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    subject_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    villager_id: Mapped[int] = mapped_column(ForeignKey("villager.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    place_time: Mapped[str | None] = mapped_column(String(500))
    photos: Mapped[list[Any]] = mapped_column(default=list)
    # new -> accepted -> transferred -> closed; new/accepted -> rejected
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    rating: Mapped[str | None] = mapped_column(String(16))
    rated_at: Mapped[datetime | None] = mapped_column()


class ComplaintEvent(Base):
    """Every step of a complaint, with time and actor ("member:3", "anonymous", "system")."""

    __tablename__ = "complaint_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
