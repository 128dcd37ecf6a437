"""The task list's reminders and digest lines.

* kind "task_progress" (default series 民生任务进展提醒, the 22nd): each owner of open
  tasks without progress this month gets one message listing them, a button per task
  (one tap, then one message); nobody with nothing to report hears anything.
* the leaders' digest: 【民生任务】 open, waiting for a check, overdue — set-based.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.messages import Button, Reply
from reminders import digest, dispatch
from reminders.due import Due
from reminders.series import Recipient, spec_of
from services import tasks
from services.clock import local
from services.config import Settings
from storage.models import EventSeries

from . import text as T
from .buttons import TaskButton


@dispatch.kind("task_progress")
def _progress(t: dispatch.Tick, row: EventSeries, due: Due) -> None:
    day = local(due.occurrence, spec_of(row).tz).date()
    month = day.replace(day=1)
    roles = set((row.audience or {}).get("roles", []))
    by_owner = tasks.needing_progress(t.s, [row.team_id], month)
    members = {m.id: m for m in t.directory.team_members(row.team_id)}
    for owner_id, rows in sorted(by_owner.items()):
        m = members.get(owner_id)
        if m is None or (roles and m.role not in roles):
            continue
        buttons = [[Button(T.BTN_PROGRESS.format(id=x.id), TaskButton("p", x.id).pack())
                    for x in rows[i:i + 4]] for i in range(0, min(len(rows), 8), 4)]
        late = T.LATE.format(hours=max(1, round(due.late_by.total_seconds() / 3600))) \
            if due.status == "late" else ""
        t.put(f"tp:{row.id}:{month:%Y-%m}:m{m.id}",
              Reply(T.progress_reminder(m.name, month.month, rows) + late, buttons=buttons),
              Recipient(member_id=m.id), due)


@digest.section
def _digest(s: Session, digests: dict[int, digest.TeamDigest], now: datetime,
            settings: Settings) -> None:
    if not digests:
        return
    month = min(d.day for d in digests.values()).replace(day=1)
    counts = tasks.counts_by_team(s, list(digests), month)
    for tid, d in digests.items():
        c = counts.get(tid)
        # every day when something waits for a check or is overdue; the full count weekly
        if c and c["open"] and (d.weekly or c["checking"] or c["overdue"]):
            d.extra.append(T.digest_line(c))
