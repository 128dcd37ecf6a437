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
from .leave import LeaveEvent, LeaveRequest

__all__ = [
    "ROLES",
    "AuditEvent",
    "Base",
    "County",
    "DialogState",
    "Identity",
    "InviteCode",
    "LeaveEvent",
    "LeaveRequest",
    "Member",
    "OutboxMessage",
    "ProcessedUpdate",
    "Team",
    "Township",
    "UTCDateTime",
    "Village",
    "Villager",
]
