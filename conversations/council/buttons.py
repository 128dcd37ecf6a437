"""The council's buttons as typed data (parsed by the router; untrusted, so every
handler checks the presser on the server).

    CouncilButton("v", 7).pack() == "cn:v:7"   the agenda of meeting 7 (anyone who may read)
    CouncilButton("r", 7)   record the decisions of meeting 7 (team leader, first secretary)
    CouncilButton("m", 7)   the minutes and their photos of meeting 7
    CouncilButton("c", 0)   call a meeting now (加开); CouncilButton("t", 0) move the dates
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData


@dataclass(frozen=True)
class CouncilButton(CallbackData, prefix="cn"):
    action: Literal["v", "r", "m", "c", "t"]
    meeting_id: int
