"""The handover sheet's buttons as typed data (untrusted: services.handover checks who
presses, on the typed actor).

    SheetButton("v", 3).pack() == "hs:v:3"   show sheet 3 (its parties, the approvers)
    SheetButton("n", 3)    choose a successor (team leader, the county's administrator)
    SheetButton("f", 3)    list files handed over (the outgoing member)
    SheetButton("a", 3)    confirm every item still open (the successor)
    SheetButton("so", 3)   sign as the outgoing member; SheetButton("si", 3) as the successor
    SheetButton("ok", 3)   the township's approval (an administrator of the county, or a team
                           leader of a team in the same township; neither side)
    ItemButton(12)         confirm one item (the successor)
    SuccessorButton(3, 5)  name member 5 the successor on sheet 3
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData


@dataclass(frozen=True)
class SheetButton(CallbackData, prefix="hs"):
    action: Literal["v", "n", "f", "a", "so", "si", "ok"]
    handover_id: int


@dataclass(frozen=True)
class ItemButton(CallbackData, prefix="hi"):
    item_id: int


@dataclass(frozen=True)
class SuccessorButton(CallbackData, prefix="hn"):
    handover_id: int
    member_id: int
