"""The handover sheet (交接表) at rotation, handing over real things (issue #15).

`register` imports the flow only when the bot is assembled: reminders.dispatch imports
this package's catalogue for the rotation notice, and the flow uses the reminders
package, so an eager import here would go round in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.registry import Registry


def register(reg: Registry) -> None:
    from .flow import register as register_flow

    register_flow(reg)


__all__ = ["register"]
