"""The village council (村民议事会), the livelihood task list (民生任务表), projects and
their funds, and the half-year / annual work summaries (issue #15).

Seed 000: projects, the use of funds and the carrying-out of policies are discussed and
approved by the villager council, and their progress and spending are published.
Seed 003: a task list on the village notice board, progress filled in monthly, each task
closed one by one (对账销号). Amounts are kept in fen (分) as integers: exact on every
database, no float rounding in a ledger villagers will read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class CouncilMeeting(Base):
    """One meeting of the villager representatives (quarterly) or of all villagers
    (yearly): created when its first notice goes out, with the agenda fixed then."""

    __tablename__ = "council_meeting"
    __table_args__ = (UniqueConstraint("team_id", "kind", "scheduled_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id"))
    kind: Mapped[str] = mapped_column(String(16))  # representative | villager
    scheduled_at: Mapped[datetime] = mapped_column()
    # planned -> recorded (decisions and minutes written after the meeting)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_media: Mapped[list[Any]] = mapped_column(default=list)  # [{"kind", "file_id"}]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    recorded_at: Mapped[datetime | None] = mapped_column()
    recorded_by: Mapped[str | None] = mapped_column(String(64))


class CouncilItem(Base):
    """One item of a meeting's agenda and, after the meeting, its decision.

    `subject_kind` names the agenda source (project, fund, task) and `subject_id` its row;
    `title`, `amount_fen` and `info` keep what the villagers were shown, so the record
    stays true when the subject is edited later."""

    __tablename__ = "council_item"
    __table_args__ = (UniqueConstraint("meeting_id", "subject_kind", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("council_meeting.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    info: Mapped[str | None] = mapped_column(String(128))
    decision: Mapped[str | None] = mapped_column(String(16))  # approved | rejected | deferred
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(String(64))


class LivelihoodTask(Base):
    """A line of the 民生任务表: a problem, who answers for it, by which month.

    status: open -> checking (the owner says it is done, with evidence) -> closed (the
    leader checked it: 对账销号); checking -> open when the leader sends it back;
    dropped when the council rejects it. `council`: None, or waiting / approved /
    rejected when the task was put to the villager council."""

    __tablename__ = "livelihood_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16), default="other")
    owner_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    due_month: Mapped[date] = mapped_column(Date)  # the first day of the month
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    council: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    done_note: Mapped[str | None] = mapped_column(Text)
    done_media: Mapped[list[Any]] = mapped_column(default=list)
    done_at: Mapped[datetime | None] = mapped_column()
    returned_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class TaskUpdate(Base):
    """A month's progress on a task, in one message (text, photos, voice notes)."""

    __tablename__ = "task_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("livelihood_task.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[Any]] = mapped_column(default=list)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    """A project and its money: proposed -> approved (a council decision) -> active
    (started) -> done; or rejected. `budget_fen` is what the council approved (the
    project's amount plus approved fund uses); spending may not pass it."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    fund_source: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("council_item.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class ProjectEntry(Base):
    """What happened to a project: progress, a milestone, money spent, a fund use put to
    the council (status waiting -> approved | rejected), its start and completion."""

    __tablename__ = "project_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # progress | milestone | spend | fund | start | done
    text: Mapped[str] = mapped_column(Text, default="")
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    media: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str | None] = mapped_column(String(16))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("council_item.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkSummary(Base):
    """A half-year (h1) or annual (year) work report, drafted by the bot from the
    period's logs, tasks and projects, reviewed and submitted by the member."""

    __tablename__ = "work_summary"
    __table_args__ = (UniqueConstraint("member_id", "year", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8))  # h1 | year
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | submitted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()


class HandoverSheet(Base):
    """What the 交接表 of one handover (services.handover) holds beyond its dates: the
    named successor, both signatures and the township's approval."""

    __tablename__ = "handover_sheet"
    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id"), unique=True)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    named_by: Mapped[str | None] = mapped_column(String(64))
    named_at: Mapped[datetime | None] = mapped_column()
    out_signed_at: Mapped[datetime | None] = mapped_column()
    in_signed_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))


class HandoverItem(Base):
    """One thing handed over: an open task, a project, a household, a monitoring case
    (from the features' item sources, `ref_id` their row) or a file the outgoing member
    listed (`ref_id` None). Confirmed by the successor, one by one."""

    __tablename__ = "handover_item"
    __table_args__ = (UniqueConstraint("handover_id", "kind", "ref_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(64), default="system")
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
