"""attendance feature: commands, dialogs and buttons."""

from .flow import register

__all__ = ["register"]
