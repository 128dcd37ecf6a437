"""The leave feature's buttons, as typed data the router parses before any handler runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData, dialog_value
from core.messages import Incoming


@dataclass(frozen=True)
class LeaveButton(CallbackData, prefix="lv"):
    """lv:<action>:<leave id>. a 批准 and r 驳回 (the approver's card), c 取消 and b 销假
    (the requester's /myleave and the "not reported back" notice). Untrusted: services
    check that the presser is the approver or the requester."""

    action: Literal["a", "r", "c", "b"]
    leave_id: int


def pressed(msg: Incoming) -> str | None:
    """The value of the dialog button pressed in this step, or None if typed."""
    return dialog_value(msg.callback)
