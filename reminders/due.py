"""Which reminders are due now — the per-minute scheduler tick.

``due_reminders(spec, leads, since, now)`` returns every (occurrence, lead) whose
reminder instant lies in ``(since, now]``. Callers keep ``since`` = the ``now`` of the
previous successful tick, so windows tile time; after downtime the window simply gets
longer and the backlog comes back classified:

* ``on_time`` – at most ``tolerance`` (default 5 min) behind: send normally;
* ``late``    – behind by more than ``tolerance`` but at most ``grace`` (default 6 h):
                send, ideally marked as late;
* ``missed``  – behind by more than ``grace``, *or* a lead reminder (not "at the time")
                whose occurrence has already started: record, don't send
                ("meeting in 1 hour" after the meeting began would mislead).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .engine import _require_aware, iter_occurrences
from .leads import Lead
from .spec import Recurrence

DEFAULT_GRACE = timedelta(hours=6)
DEFAULT_TOLERANCE = timedelta(minutes=5)

Status = Literal["on_time", "late", "missed"]


# ---------------------------------------------------------------------- memo
# Per (spec, lead) we remember one computed stretch of the occurrence stream:
# "the occurrences in (lo, checked] are exactly `occs`", where the stretch ends at the
# first occurrence after the queried window (or at a ~400-day horizon if none).
# A per-minute tick then answers from the memo until its window reaches past
# `checked`. Specs are immutable and the holiday calendar is fixed for the process,
# so the memo is never stale: it makes results faster, never different.
_LOOKAHEAD = timedelta(days=400)
_MEMO_MAX = 200_000
_memo: dict[tuple[Recurrence, str], tuple[datetime, tuple[datetime, ...], datetime]] = {}


def clear_memo() -> None:
    _memo.clear()


def _occurrences_memo(spec: Recurrence, slot: str, a: datetime, b: datetime) -> list[datetime]:
    """Occurrences in ``(a, b]`` (UTC), using and refreshing the memo."""
    key = (spec, slot)
    entry = _memo.get(key)
    if entry is not None:
        lo, occs, checked = entry
        if lo <= a and b <= checked:
            return [t for t in occs if a < t <= b]
    horizon = max(b, a + _LOOKAHEAD)
    out: list[datetime] = []
    checked = horizon
    for t in iter_occurrences(spec, a, horizon):
        out.append(t)
        if t > b:
            checked = t
            break
    if len(_memo) >= _MEMO_MAX:
        _memo.clear()
    _memo[key] = (a, tuple(out), checked)
    return [t for t in out if t <= b]


@dataclass(frozen=True)
class Due:
    occurrence: datetime  # aware UTC
    lead_key: str
    remind_at: datetime  # aware UTC
    status: Status
    late_by: timedelta

    def outbox_key(self, series_id: object) -> str:
        """Stable unique key, e.g. ``"42:20261009T010000Z:d1@18:00"``."""
        return f"{series_id}:{self.occurrence.strftime('%Y%m%dT%H%M%SZ')}:{self.lead_key}"


def due_reminders(
    spec: Recurrence,
    leads: Iterable[Lead],
    since: datetime,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> list[Due]:
    """Every reminder with ``since < remind_at <= now``, sorted by ``remind_at``."""
    since = _require_aware(since, "since")
    now = _require_aware(now, "now")
    if now <= since:
        return []
    tz = spec.zone
    out: list[Due] = []
    seen: set[str] = set()
    for lead in leads:
        if lead.key in seen:
            continue
        seen.add(lead.key)
        lo, hi = lead.span
        # remind_at in (since, now]  =>  occurrence in (since + lo, now + hi]
        occ_lo = since + lo - timedelta(microseconds=1)
        occ_hi = now + hi
        for occ in _occurrences_memo(spec, lead.key, occ_lo, occ_hi):
            when = lead.remind_at(occ, tz)
            if not (since < when <= now) or when > occ:
                continue
            late_by = now - when
            if late_by > grace or (when < occ <= now):
                status: Status = "missed"
            elif late_by > tolerance:
                status = "late"
            else:
                status = "on_time"
            out.append(Due(occ, lead.key, when, status, late_by))
    out.sort(key=lambda d: (d.remind_at, d.occurrence, d.lead_key))
    return out
