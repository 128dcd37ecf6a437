"""Half-year and annual work reports, and the deadline reminders (issue #15)."""

from .flow import register

__all__ = ["register"]
