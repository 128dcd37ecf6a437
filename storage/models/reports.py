"""Daily work reports (驻村日志), village check-ins (到村打卡) and monthly work records.

Report fields are stored separately (not one blob) so exports, the monthly record and
leaders' views can use them; every edit first copies the old text to ReportRevision,
so nothing a cadre wrote is ever lost.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class DailyReport(Base):
    """One report per member per day; `submitted` False while it is only a draft."""

    __tablename__ = "daily_report"
    __table_args__ = (UniqueConstraint("member_id", "report_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    report_date: Mapped[date] = mapped_column(Date, index=True)
    done: Mapped[str] = mapped_column(Text, default="")
    # Households visited: a number, names, or both ("3户：张三、李四").
    households: Mapped[str | None] = mapped_column(Text)
    households_count: Mapped[int | None] = mapped_column(Integer)
    problems: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[Any]] = mapped_column(default=list)  # Telegram file ids
    voices: Mapped[list[Any]] = mapped_column(default=list)  # voice notes, by file id (#15)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()


class ReportRevision(Base):
    """The previous content of a report, saved just before each edit or append."""

    __tablename__ = "report_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_report.id"), index=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(16))  # "edit" | "append"
    content: Mapped[dict[str, Any]] = mapped_column()


class PendingReportText(Base):
    """Free text a member typed outside a dialog, kept while we ask "save as report?".

    Button data is limited to 64 bytes, so the button carries this row's id, not the text.
    """

    __tablename__ = "pending_report_text"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column()


class CheckIn(Base):
    """One location shared for check-in, inside the village fence or not (both are kept)."""

    __tablename__ = "check_in"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    local_date: Mapped[date] = mapped_column(Date, index=True)  # in the team's time zone
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    inside: Mapped[bool] = mapped_column(Boolean, default=False)


class MonthlyRecord(Base):
    """驻村工作记实: a draft compiled by the bot, reviewed and submitted by the member."""

    __tablename__ = "monthly_record"
    __table_args__ = (UniqueConstraint("member_id", "year", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | submitted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
