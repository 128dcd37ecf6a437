"""The livelihood task list (民生任务表, issue #15). Importing the package registers the
"task" item source of the handover sheet (handover.py)."""

from . import handover as _handover  # noqa: F401  (registers the handover item source)
from .flow import register

__all__ = ["register"]
