"""Every model module is imported here so Base.metadata holds the whole schema."""

from .base import Base, UTCDateTime
from .core import (
    ROLES,
    AuditEvent,
    County,
    DialogState,
    Identity,
    InviteCode,
    Member,
    OutboxMessage,
    ProcessedUpdate,
    Team,
    Township,
    Village,
    Villager,
)
from .reminders import EventSeries, Handover
from .reports import CheckIn, DailyReport, MonthlyRecord, PendingReportText, ReportRevision

__all__ = [
    "ROLES",
    "AuditEvent",
    "CheckIn",
    "DailyReport",
    "MonthlyRecord",
    "PendingReportText",
    "ReportRevision",
    "Base",
    "County",
    "DialogState",
    "EventSeries",
    "Handover",
    "Identity",
    "InviteCode",
    "Member",
    "OutboxMessage",
    "ProcessedUpdate",
    "Team",
    "Township",
    "UTCDateTime",
    "Village",
    "Villager",
]
