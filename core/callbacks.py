"""Typed button data: the one place where untrusted callback strings become values.

A button's data travels through the chat platform and comes back in a press, where
anyone could have forged it. Each kind of button is a frozen dataclass subclassing
`CallbackData` with a short prefix; its fields are typed (`int`, `str`, `date` or a
`Literal` of choices) and parsed with bounds, so a 5,000-digit id or an unknown action is
refused here, as "malformed", before any handler runs. The registry accepts only such
classes, so a new prefix cannot be added without its parser.

Modelled on aiogram's `CallbackData` (prefix + typed fields joined by ':'), written
here because the core must not import a platform library.

    @dataclass(frozen=True)
    class LeaveButton(CallbackData, prefix="lv"):
        action: Literal["a", "r"]
        leave_id: int

    LeaveButton("a", 5).pack() == "lv:a:5"
    unpack("lv:a:99999999999999999999")  -> None (int too long)
"""

from __future__ import annotations

import dataclasses
import re
import typing
from datetime import date
from typing import Any, ClassVar, Literal, get_args, get_origin

MAX_CALLBACK_BYTES = 64  # Telegram's limit; the core keeps to it on every channel
MAX_INT_DIGITS = 12  # ids and offsets: far above any real row count, far below abuse
MAX_STR_CHARS = 32
SEP = ":"
_TOKEN = re.compile(r"^[A-Za-z0-9_.\-]*$")


class CallbackError(ValueError):
    """Data that does not parse: forged, truncated, or from an older version of the bot."""


def _parse_field(name: str, kind: Any, raw: str) -> Any:
    if get_origin(kind) is Literal:
        choices = {str(c): c for c in get_args(kind)}
        if raw not in choices:
            raise CallbackError(f"{name}: not one of {sorted(choices)}")
        return choices[raw]
    if kind is int:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_INT_DIGITS:
            raise CallbackError(f"{name}: not a bounded non-negative integer")
        return int(raw)
    if kind is date:
        try:
            return date.fromisoformat(raw) if len(raw) == 10 else _bad(name)
        except ValueError:
            raise CallbackError(f"{name}: not a date") from None
    if kind is str:
        if len(raw) > MAX_STR_CHARS or not _TOKEN.match(raw):
            raise CallbackError(f"{name}: not a short token")
        return raw
    raise TypeError(f"unsupported callback field type {kind!r} for {name}")


def _bad(name: str) -> Any:
    raise CallbackError(f"{name}: malformed")


class CallbackData:
    """Base of every button's data; subclasses are frozen dataclasses with a prefix."""

    prefix: ClassVar[str]
    # True: the audit trail keeps only the prefix of this kind's presses (see Router)
    private: ClassVar[bool] = False

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or SEP in prefix or not _TOKEN.match(prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        cls.prefix = prefix

    @classmethod
    def _field_types(cls) -> tuple[tuple[str, Any], ...]:
        cached = cls.__dict__.get("_fields_cache")
        if cached is None:
            hints = typing.get_type_hints(cls)
            cached = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
            cls._fields_cache = cached  # type: ignore[attr-defined]
        return cached

    def pack(self) -> str:
        parts = [self.prefix]
        for name, kind in self._field_types():
            value = getattr(self, name)
            raw = value.isoformat() if isinstance(value, date) else str(value)
            _parse_field(name, kind, raw)  # what we send must parse back
            parts.append(raw)
        data = SEP.join(parts)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    @classmethod
    def unpack(cls, payload: str) -> Any:
        """The typed value of `payload` (the data after '<prefix>:'); CallbackError if bad."""
        fields = cls._field_types()
        raw = payload.split(SEP) if payload else []
        if len(raw) != len(fields):
            raise CallbackError(f"{cls.prefix}: expected {len(fields)} fields, got {len(raw)}")
        return cls(*(_parse_field(n, k, r) for (n, k), r in zip(fields, raw, strict=True)))


def split(data: str) -> tuple[str, str]:
    """('lv', 'a:5') from 'lv:a:5'; the prefix is looked up, the rest parsed by its class."""
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise CallbackError("callback data longer than any button the bot sends")
    prefix, _, payload = data.partition(SEP)
    return prefix, payload


@dataclasses.dataclass(frozen=True)
class DialogButton(CallbackData, prefix="d"):
    """A button inside an open dialog: valid only while that dialog is open."""

    dialog: str
    value: str


def dialog_value(callback: str | None) -> str | None:
    """The value of a dialog button in a press (the router has already checked that it
    belongs to the open dialog), or None when the user typed instead."""
    if not callback:
        return None
    try:
        prefix, payload = split(callback)
        return DialogButton.unpack(payload).value if prefix == DialogButton.prefix else None
    except CallbackError:
        return None
