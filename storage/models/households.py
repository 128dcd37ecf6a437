"""Households of a village, visits to them, poverty-return monitoring cases (防返贫监测),
villager supervisors who confirm a cadre's visit (群众监督员签到) and each village's
board settings (去向公示牌).

A household is a row of the village's register, not a bot user: most heads of household
never talk to the bot. `last_visited_on` is kept on the household (the latest Visit)
so the leaders' digest finds the households not visited for N days with one scan, for a
whole prefecture, without grouping every visit ever made.

A monitoring case keeps the villager's own words (`request_text`) when they asked
themselves; those words are shown to the village's work team only — never to the county
supervisors, never to other villagers, never in complaint exports.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (Index("ix_household_village_head", "village_id", "head_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(32))  # 户主
    members: Mapped[str | None] = mapped_column(String(500))  # 家庭成员 as written
    size: Mapped[int | None] = mapped_column(Integer)  # 人口
    category: Mapped[str] = mapped_column(String(16))  # 属性: 脱贫户 / 监测户 / 一般户 ...
    grid: Mapped[str | None] = mapped_column(String(32))  # 网格
    contact_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_visited_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Visit(Base):
    """A team member went to a household on a day (one row per member, household, day)."""

    __tablename__ = "household_visit"
    __table_args__ = (UniqueConstraint("household_id", "member_id", "visited_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # log | command | case
    report_id: Mapped[int | None] = mapped_column(ForeignKey("daily_report.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitLogScan(Base):
    """A daily log already read for household names, at the version it had then: an
    edited log is read again, an unchanged one never twice."""

    __tablename__ = "household_log_scan"
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_report.id"), primary_key=True)
    report_updated_at: Mapped[datetime] = mapped_column()
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitChoice(Base):
    """A name in a log that fits several households: the author picks one with a tap.

    The button carries this row's id and a household id; the row says whose it is."""

    __tablename__ = "household_visit_choice"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("daily_report.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(32))
    candidates: Mapped[list[Any]] = mapped_column(default=list)  # household ids
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()


class MonitoringCase(Base):
    """One identification of a possible monitored household (监测对象识别).

    Stages: check (入户核实) → review (村级民主评议、公示) → township (乡镇审核) →
    county (县级审批) → closed. `due_on` is the last working day of the clock
    (20 working days from `opened_on` by default, China's calendar)."""

    __tablename__ = "monitoring_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    applicant_villager_id: Mapped[int | None] = mapped_column(ForeignKey("villager.id"))
    source: Mapped[str] = mapped_column(String(16))  # self | visit | warning
    request_text: Mapped[str | None] = mapped_column(Text)  # the villager's own words
    risk: Mapped[str | None] = mapped_column(String(500))  # why: a cadre's or a department's
    stage: Mapped[str] = mapped_column(String(16), default="check")
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))  # included | not_included | cleared
    outcome_reason: Mapped[str | None] = mapped_column(String(500))
    opened_by: Mapped[str] = mapped_column(String(32))  # "villager:5", "member:3", "cli"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class CaseEvent(Base):
    """What happened to a case: stage passed, note or photos added, decision, outcome."""

    __tablename__ = "monitoring_case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("monitoring_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # opened | passed | note | outcome | hold
    stage: Mapped[str] = mapped_column(String(16))  # the stage it happened in
    note: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[Any]] = mapped_column(default=list)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_meeting.id"))


class MonitoringMeeting(Base):
    """A monthly monitoring meeting (每月防返贫监测会议) whose decisions were recorded."""

    __tablename__ = "monitoring_meeting"
    __table_args__ = (UniqueConstraint("team_id", "held_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VillageOverseer(Base):
    """A registered villager named 群众监督员 of the village (seed 003)."""

    __tablename__ = "village_overseer"
    __table_args__ = (UniqueConstraint("village_id", "villager_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    villager_id: Mapped[int] = mapped_column(ForeignKey("villager.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VisitConfirmation(Base):
    """A cadre's day in the village, put to the village's 群众监督员 to confirm.

    One per member and day; `code` is the short number the cadre may show in person."""

    __tablename__ = "visit_confirmation"
    __table_args__ = (UniqueConstraint("member_id", "local_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    code: Mapped[str] = mapped_column(String(8))
    work: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # confirmed | declined
    overseer_villager_id: Mapped[int | None] = mapped_column(ForeignKey("villager.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class VillageBoard(Base):
    """Per-village settings of these features, set by the administrator: the phones on
    the whereabouts board, whether visits are put to 群众监督员, the visit interval."""

    __tablename__ = "village_board"
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)
    team_phone: Mapped[str | None] = mapped_column(String(32))
    supervision_phone: Mapped[str | None] = mapped_column(String(32))
    confirm_visits: Mapped[bool] = mapped_column(Boolean, default=False)
    unvisited_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
