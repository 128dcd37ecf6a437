"""Append-only audit trail; nothing in it is ever updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import AuditEvent


def record(session: Session, actor: str, action: str, now: datetime,
           subject: str | None = None, **detail: Any) -> None:
    session.add(AuditEvent(at=now, actor=actor, action=action, subject=subject, detail=detail))
