"""Persistence of the open dialog per platform user (one row, JSON state)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import DialogState

_PEEK = select(DialogState.id).where(DialogState.platform == bindparam("platform"),
                                     DialogState.external_id == bindparam("user_id"))


UNKNOWN = -1  # `row_id` not read yet: peek asks the database


def peek(session: Session, platform: str, user_id: str,
         row_id: int | None = UNKNOWN) -> DialogState | None:
    """The user's open dialog row as stored, without expiring it.

    Every update asks and most have no open dialog, so the question is a plain indexed
    query built once, or no query at all when the caller already read the row's id
    (services.actors.resolve_status does, with who is speaking); only a row that exists
    is loaded as an object. Rows added or deleted earlier in this transaction are
    written first, as the ORM's autoflush would."""
    if row_id == UNKNOWN:
        if session.new or session.deleted:
            session.flush()
        row_id = session.connection().execute(
            _PEEK, {"platform": platform, "user_id": user_id}).scalar()
    return None if row_id is None else session.get(DialogState, row_id)


def load(session: Session, platform: str, user_id: str, now: datetime, known: set[str],
         timeout: timedelta, row_id: int | None = UNKNOWN) -> DialogState | None:
    """The user's open dialog; a stale or no-longer-existing one is dropped."""
    row = peek(session, platform, user_id, row_id)
    if row is None:
        return None
    if row.dialog not in known or row.updated_at < now - timeout:
        session.delete(row)
        session.flush()
        return None
    return row


def save(session: Session, row: DialogState | None, platform: str, user_id: str, name: str,
         state: dict[str, Any] | None, now: datetime) -> None:
    if state is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(DialogState(platform=platform, external_id=user_id, dialog=name,
                                state=state, started_at=now, updated_at=now))
    else:
        row.dialog, row.state, row.updated_at = name, state, now
