"""The work report's buttons (untrusted: services.summaries checks the owner on kind and id).

    SummaryButton("submit", 4).pack() == "sm:submit:4"    SummaryButton("later", 4)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData


@dataclass(frozen=True)
class SummaryButton(CallbackData, prefix="sm"):
    action: Literal["submit", "later"]
    summary_id: int
