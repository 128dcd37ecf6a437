"""Errors whose message is written for the user (Simplified Chinese, with a next step)."""

from __future__ import annotations


class UserError(Exception):
    """A refusal the user should read as-is; the router replies with str(exc)."""


class PermissionDenied(UserError):
    pass


class NotFound(UserError):
    pass
