"""Reminder series (the team's calendar as data) and rotation handover checklists.

A series row holds a recurrence spec, lead times and an audience as JSON, so an admin
can add or pause one without a deploy; `last_ticked_at` is the watermark that makes
catch-up after downtime exact (the next tick covers (last_ticked_at, now]).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class EventSeries(Base):
    __tablename__ = "event_series"
    __table_args__ = (UniqueConstraint("team_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    # Stable name of a default series ("friday_study"); None for series admins add.
    key: Mapped[str | None] = mapped_column(String(64))
    # event | report_reminder | quota_warning | digest | weekly_digest | rotation
    kind: Mapped[str] = mapped_column(String(24), default="event")
    title: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)  # place, agenda: shown in the notice
    spec: Mapped[dict[str, Any]] = mapped_column()
    leads: Mapped[list[Any]] = mapped_column(default=list)
    # {"roles": [...], "members": [ids], "villagers": bool}
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    last_ticked_at: Mapped[datetime | None] = mapped_column()


class Handover(Base):
    """The 交接表 of one member's term: items ticked by both sides, then closed."""

    __tablename__ = "handover"
    __table_args__ = (UniqueConstraint("member_id", "term_end"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    term_end: Mapped[date] = mapped_column(Date)
    # {"files": {"out": "2026-12-05T01:00:00+00:00", "in": ...}, "approval": {"by": ...}}
    ticks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by: Mapped[str | None] = mapped_column(String(64))
    override_reason: Mapped[str | None] = mapped_column(Text)
