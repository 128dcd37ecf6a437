"""Typed refusals: services say *what* went wrong, the feature catalogues say it in words.

`UserError("leave.overlap", start=d1, end=d2)` carries a code and its parameters; the
template lives in the feature's `text.py` (declared with `core.words.errors`) and the
router renders it for the user. `str(exc)` renders too, so the command line and tests
read the same sentence a user would.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal the user should read; `code` names its template, `params` fill it."""

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        from core.words import render

        return render(self.code, self.params)


class PermissionDenied(UserError):
    """The actor may not do this; the router also keeps an audit row of the attempt."""


class NotFound(UserError):
    pass
