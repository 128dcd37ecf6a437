"""Typed button data of the households feature; the router parses and bounds every field.

Who may press each kind (checked in the services on the presser's kind and id):
  HouseholdButton  hh  a member of the work team of the household's village
  VisitPickButton  hv  the member the choice was put to (the log's author)
  CaseButton       mc  view: the village's team or the county's administrators; the
                       actions: whoever acts at the case's stage (services.monitoring)
  MeetingButton    mm  the first secretary or leader of the team whose meeting it is
  ConfirmButton    vc  a 群众监督员 of the village, on the day asked
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.callbacks import CallbackData


@dataclass(frozen=True)
class HouseholdButton(CallbackData, prefix="hh"):
    action: Literal["view", "visit", "edit", "flag"]
    household_id: int


@dataclass(frozen=True)
class VisitPickButton(CallbackData, prefix="hv"):
    """household_id 0: none of them."""

    choice_id: int
    household_id: int


@dataclass(frozen=True)
class CaseButton(CallbackData, prefix="mc"):
    action: Literal["view", "pass", "no", "note", "clear", "photos"]
    case_id: int


@dataclass(frozen=True)
class MeetingButton(CallbackData, prefix="mm"):
    action: Literal["pass", "hold", "no"]
    meeting_id: int
    case_id: int


@dataclass(frozen=True)
class ConfirmButton(CallbackData, prefix="vc"):
    action: Literal["ok", "no"]
    confirmation_id: int
