"""The county workspace (web/): sign-in links and sessions, township leaders' townships,
spot checks (督查/明察暗访) and the assessment sheets people fill in.

Secrets are never stored: a sign-in link and a session cookie are random tokens of which
only the SHA-256 is kept, so a copy of the database opens no session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class WebLoginToken(Base):
    """A single-use sign-in link sent by /web: valid for minutes, spent on first use."""

    __tablename__ = "web_login_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class WebSession(Base):
    """A signed-in browser: the cookie's hash, its CSRF token and a hard expiry."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class TownshipLead(Base):
    """The township a township leader (乡镇领导, role township_leader) sees."""

    __tablename__ = "township_lead"
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)


class SpotCheck(Base):
    """One spot check (督查/明察暗访) of one cadre: who checked, present or not, a note.

    result: present | absent (unexcused: counts for the 1/2/3 rule) | excused (away on
    approved leave or official business, recorded but not counted).
    """

    __tablename__ = "spot_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    checked_on: Mapped[date] = mapped_column(Date, index=True)
    checker: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentSheet(Base):
    """A cadre's half-year review (period "H1") or year-end sheet ("Y") for one year.

    Every mark is entered by a person; the records (days in village, logs, spot checks,
    complaints, handover) are shown beside them, read live, never turned into a score.
    marks: {"daily": 18, "half": 27, "year": 45, "org": "称职", "township": ..., ...}
    """

    __tablename__ = "assessment_sheet"
    __table_args__ = (UniqueConstraint("member_id", "year", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(4))
    marks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rating: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    total: Mapped[float | None] = mapped_column(Float)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
