"""The outgoing member's projects on the handover sheet: confirmed by the successor, they
become the successor's (services.projects.transfer)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services import handover, projects
from storage.models import Member

from . import text as T


@handover.item_source("project", title=T.HANDOVER_TITLE, order=20, transfer=projects.transfer)
def open_projects(s: Session, member: Member) -> list[handover.OpenItem]:
    return [handover.OpenItem(p.id, T.handover_line(p)) for p in projects.open_of(s, member)]
