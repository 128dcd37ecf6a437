"""Households, visits, poverty-return monitoring, 群众监督员 and the whereabouts board.

register_flow.py: the register and visits; cases.py: monitoring cases and the meeting;
oversight.py: confirmations, the board and the free-text entry; digest.py: digest lines
and the meeting's agenda; sheets.py: export sheets; handover.py: households and cases on the handover sheet
(imported with the package, as services.handover asks). Everything is registered here,
so the feature plugs in with one line in conversations.FEATURES.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import handover as _handover  # noqa: F401  (the handover sheet's household and case items)

if TYPE_CHECKING:
    from core.registry import Registry


def register(reg: Registry) -> None:
    from core.registry import Command
    from services.roles import TEAM_ROLES, Role

    from . import ask, cases, digest, oversight  # noqa: F401  (digest registers its section)
    from . import register_flow as rf
    from . import text as T
    from .buttons import CaseButton, ConfirmButton, HouseholdButton, MeetingButton, VisitPickButton

    team = frozenset(TEAM_ROLES)
    leaders = frozenset({Role.FIRST_SECRETARY, Role.TEAM_LEADER})
    villager = frozenset({Role.VILLAGER})
    from services.attendance import add_village_day_source
    from services.oversight import confirmed_days

    add_village_day_source(confirmed_days)  # a confirmed day counts as a day in the village
    cases.register_kinds()
    oversight.register_kinds()
    reg.dialog(ask.DIALOG)
    reg.dialog(rf.EDIT)
    reg.command(Command("households", T.HOUSEHOLDS_CMD, team, run=rf.households_command,
                        aliases=T.HOUSEHOLDS_ALIASES, order=20))
    reg.command(Command("visit", T.VISIT_CMD, team, run=rf.visit_command,
                        aliases=T.VISIT_ALIASES, order=21))
    reg.command(Command("addhousehold", T.ADD_CMD, team, run=rf.add_command,
                        aliases=T.ADD_ALIASES, order=22))
    reg.command(Command("cases", T.CASES_CMD, team | {Role.ADMIN}, run=cases.cases_command,
                        aliases=T.CASES_ALIASES, order=23))
    reg.command(Command("meeting", T.MEETING_CMD, leaders, run=cases.meeting_command,
                        aliases=T.MEETING_ALIASES, order=24))
    reg.command(Command("confirmvisit", T.CONFIRM_CMD, team, run=oversight.confirm_command,
                        aliases=T.CONFIRM_ALIASES, order=25))
    reg.command(Command("apply", T.APPLY_CMD, villager, run=cases.start_request,
                        aliases=T.APPLY_ALIASES, order=4))
    reg.command(Command("whereabouts", T.BOARD_CMD, team | villager, run=oversight.board_command,
                        aliases=T.BOARD_ALIASES, order=6))
    # 「签到」 was attendance's alias of /checkin alone; /sign keeps it for team members
    # (the same check-in dialog) and gives it to 群众监督员. Registered after attendance,
    # so this alias is the one the router finds.
    reg.command(Command("sign", T.SIGN_CMD, team | villager, run=oversight.sign_command,
                        aliases=T.SIGN_ALIASES, hidden=True, order=99))
    reg.callback(HouseholdButton, rf.on_household)
    reg.callback(VisitPickButton, rf.on_pick)
    reg.callback(CaseButton, cases.on_case)
    reg.callback(MeetingButton, cases.on_meeting)
    reg.callback(ConfirmButton, oversight.on_confirm)
    reg.text(35, oversight.free_text)
    reg.tick("households.logs", rf.logs_tick)


__all__ = ["register"]
