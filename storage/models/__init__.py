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
from .council import (
    CouncilItem,
    CouncilMeeting,
    HandoverItem,
    HandoverSheet,
    LivelihoodTask,
    Project,
    ProjectEntry,
    TaskUpdate,
    WorkSummary,
)
from .knowledge import KbImport, KbQuestion, KbVersion
from .leave import LeaveEvent, LeaveRequest
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
    "Complaint",
    "ComplaintEvent",
    "County",
    "CouncilItem",
    "CouncilMeeting",
    "DialogState",
    "EventSeries",
    "Handover",
    "HandoverItem",
    "HandoverSheet",
    "Identity",
    "InboxUpdate",
    "InviteCode",
    "KbImport",
    "KbQuestion",
    "KbVersion",
    "LeaveEvent",
    "LeaveRequest",
    "LivelihoodTask",
    "Member",
    "OutboxMessage",
    "Project",
    "ProjectEntry",
    "TaskUpdate",
    "Team",
    "Township",
    "UTCDateTime",
    "Village",
    "Villager",
    "WorkSummary",
]
