"""Projects' buttons as typed data (untrusted: each handler checks the presser).

    ProjectButton("v", 2).pack() == "pj:v:2"   details and money of project 2 (readers)
    ProjectButton("s", 2)    开工 — only with the council's approval (owner, leaders)
    ProjectButton("p", 2)    record progress or a milestone (the same)
    ProjectButton("sp", 2)   record money spent (the same)
    ProjectButton("f", 2)    ask the council for more money (the same)
    ProjectButton("d", 2)    完工 (the same)
    ProjectButton("md", 2)   its photos and voice notes (members of the team)
    ProjectButton("new", 0)  propose a project (members of the team)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData

EntryKind = Literal["p", "sp", "f", "d"]


@dataclass(frozen=True)
class ProjectButton(CallbackData, prefix="pj"):
    action: Literal["v", "s", "p", "sp", "f", "d", "md", "new"]
    project_id: int
