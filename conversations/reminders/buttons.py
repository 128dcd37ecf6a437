"""The reminders feature's buttons as typed data (parsed by the router, never split by hand).

The reminders package builds them into digests and reminders; conversations.reminders
registers their handlers.

    SeriesButton("p", 12).pack() == "rm:p:12"        pause (p), resume (r), delete (x)
    RunButton("report").pack() == "rn:report"         run a command for the presser
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData

SeriesAction = Literal["p", "r", "x"]
# The commands a digest or reminder button may run: a forged name is refused as malformed.
RunCommand = Literal["report", "reports", "attendance", "approvals", "leaves", "handover", "events",
                     "monthly", "summary"]


@dataclass(frozen=True)
class SeriesButton(CallbackData, prefix="rm"):
    """Pause, resume or delete one reminder series (/events)."""

    action: SeriesAction
    series_id: int


@dataclass(frozen=True)
class RunButton(CallbackData, prefix="rn"):
    """Run an existing command as if the presser had typed it (with its own role check)."""

    command: RunCommand
