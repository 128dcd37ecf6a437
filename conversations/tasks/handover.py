"""The outgoing member's open tasks on the handover sheet: confirmed by the successor,
they become the successor's (services.tasks.transfer)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services import handover, tasks
from storage.models import Member

from . import text as T


@handover.item_source("task", title=T.HANDOVER_TITLE, order=10, transfer=tasks.transfer)
def open_tasks(s: Session, member: Member) -> list[handover.OpenItem]:
    return [handover.OpenItem(t.id, T.handover_line(t)) for t in tasks.open_of(s, member)]
