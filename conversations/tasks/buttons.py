"""The task list's buttons as typed data (untrusted: each handler checks the presser).

    TaskButton("v", 3).pack() == "tk:v:3"   details of task 3 (anyone who may read the list)
    TaskButton("p", 3)    write this month's progress (owner, team leader, first secretary)
    TaskButton("d", 3)    report it done with evidence (the same)
    TaskButton("ok", 3)   对账销号: the check (team leader / first secretary, not the owner)
    TaskButton("b", 3)    send it back with a reason (the same)
    TaskButton("cn", 3)   put it to the villager council (team leader / first secretary)
    TaskButton("md", 3)   its photos and voice notes (members of the team)
    TaskButton("new", 0)  add a task (members of the team)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData


@dataclass(frozen=True)
class TaskButton(CallbackData, prefix="tk"):
    action: Literal["v", "p", "d", "ok", "b", "cn", "md", "new"]
    task_id: int
