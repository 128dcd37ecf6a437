"""The complaints feature's buttons, as typed data the router parses before any handler runs.

Every press is untrusted: services.complaints checks that a supervisor may handle the
ticket, or that the presser wrote it (a rating).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conversations.complaints import text as T
from core.callbacks import CallbackData, dialog_value
from core.messages import Button, Incoming

Rating = Literal["good", "ok", "bad"]


@dataclass(frozen=True)
class TicketButton(CallbackData, prefix="tsa"):
    """tsa:<action>:<complaint id>: 受理 / 转办 / 办结 / 驳回 on a supervisor's card."""

    action: Literal["accept", "transfer", "close", "reject"]
    complaint_id: int


@dataclass(frozen=True)
class RateButton(CallbackData, prefix="ts"):
    """ts:r:<complaint id>:<rating>: [满意] [基本满意] [不满意] under a closed ticket.

    The shape the rating buttons already in villagers' chats carry: an old press keeps
    working instead of becoming a "malformed" audit row that would put an anonymous
    author's account next to the ticket id. Build it with `RateButton.of(id, rating)`.
    """

    private = True  # the author pressing it must never be tied to the ticket in the audit

    step: Literal["r"]
    complaint_id: int
    rating: Rating

    @classmethod
    def of(cls, complaint_id: int, rating: Rating) -> RateButton:
        return cls("r", complaint_id, rating)


@dataclass(frozen=True)
class NewComplaintButton(CallbackData, prefix="tsn"):
    """tsn: [我要反映问题] — opens the complaint dialog (villagers only)."""


def offer_button() -> Button:
    """[我要反映问题], for any feature that offers a villager the complaint road (the
    knowledge base's "not found" reply does)."""
    return Button(T.OFFER_BUTTON, NewComplaintButton().pack())


def rating_buttons(complaint_id: int) -> list[list[Button]]:
    return [[Button(label, RateButton.of(complaint_id, code).pack())  # type: ignore[arg-type]
             for code, label in T.RATING_CHOICES]]


def pressed(msg: Incoming) -> str | None:
    """The value of the dialog button pressed in this step, or None if typed."""
    return dialog_value(msg.callback)
