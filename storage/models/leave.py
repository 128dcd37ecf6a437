"""Leave (请销假): requests, their approval and return, and an append-only event trail.

Day counts are never stored: they are derived from the dates with the official
calendar (services.workdays), so a corrected holiday table fixes every figure at once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.clock import utcnow

from .base import Base
from .core import Member


class LeaveRequest(Base):
    """One leave, from request to 销假. Rows are never deleted; status moves forward.

    status: pending -> approved | rejected | cancelled; approved -> returned | cancelled.
    A report-only kind (公差/出差) starts as approved with event "reported".
    actual_end/actual_end_half: the last leave day actually taken, set at 销假
    (actual_end before start means the leave was not used at all).
    """

    __tablename__ = "leave_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    start_half: Mapped[str | None] = mapped_column(String(2))
    end_half: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    report_only: Mapped[bool] = mapped_column(default=False)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None] = mapped_column()
    actual_end: Mapped[date | None] = mapped_column(Date)
    actual_end_half: Mapped[str | None] = mapped_column(String(2))
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    approver: Mapped[Member | None] = relationship(foreign_keys=[approver_id])


class LeaveEvent(Base):
    """Who did what to a leave and when: requested, approved, rejected, cancelled, returned."""

    __tablename__ = "leave_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    leave_id: Mapped[int] = mapped_column(ForeignKey("leave_request.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))  # "member:3", "system"
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
