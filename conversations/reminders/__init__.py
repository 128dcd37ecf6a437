"""reminders feature: commands, dialogs and buttons.

`register` imports the flow only when the bot is assembled: the reminders package uses
this feature's catalogue and buttons, and the flow uses the reminders package, so an
eager import here would go round in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.registry import Registry


def register(reg: Registry) -> None:
    from .flow import register as register_flow

    register_flow(reg)


__all__ = ["register"]
