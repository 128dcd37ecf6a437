"""Every model module is imported here so Base.metadata holds the whole schema."""

from .base import Base, UTCDateTime
from .complaints import Complaint, ComplaintEvent
from .core import (
    ROLES,
    AuditEvent,
    County,
    DialogState,
    Identity,
    InboxUpdate,
    InviteCode,
    Member,
    OutboxMessage,
    Team,
    Township,
    Village,
    Villager,
)
from .households import (
    CaseEvent,
    Household,
    MonitoringCase,
    MonitoringMeeting,
    VillageBoard,
    VillageOverseer,
    Visit,
    VisitChoice,
    VisitConfirmation,
    VisitLogScan,
)
from .knowledge import KbImport, KbQuestion, KbVersion
from .leave import LeaveEvent, LeaveRequest
from .reminders import EventSeries, Handover
from .reports import CheckIn, DailyReport, MonthlyRecord, PendingReportText, ReportRevision
from .web import AssessmentSheet, SpotCheck, TownshipLead, WebLoginToken, WebSession

__all__ = [
    "ROLES",
    "AssessmentSheet",
    "SpotCheck",
    "TownshipLead",
    "WebLoginToken",
    "WebSession",
    "AuditEvent",
    "CaseEvent",
    "Household",
    "MonitoringCase",
    "MonitoringMeeting",
    "VillageBoard",
    "VillageOverseer",
    "Visit",
    "VisitChoice",
    "VisitConfirmation",
    "VisitLogScan",
    "CheckIn",
    "DailyReport",
    "MonthlyRecord",
    "PendingReportText",
    "ReportRevision",
    "Base",
    "Complaint",
    "ComplaintEvent",
    "County",
    "DialogState",
    "EventSeries",
    "Handover",
    "Identity",
    "InboxUpdate",
    "InviteCode",
    "KbImport",
    "KbQuestion",
    "KbVersion",
    "LeaveEvent",
    "LeaveRequest",
    "Member",
    "OutboxMessage",
    "Team",
    "Township",
    "UTCDateTime",
    "Village",
    "Villager",
]
