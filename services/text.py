"""Small text rules shared by dialogs: names, yes/no words, display splitting."""

from __future__ import annotations

import unicodedata

from services.errors import UserError

MAX_NAME = 20


def clean_name(text: str) -> str:
    """A person's name: letters (any script), spaces and the middle dot, 1-20 characters."""
    name = unicodedata.normalize("NFKC", text or "").strip()
    if not name:
        raise UserError("registration.name_empty")
    if len(name) > MAX_NAME:
        raise UserError("registration.name_too_long", limit=MAX_NAME)
    for ch in name:
        cat = unicodedata.category(ch)
        if not (cat.startswith("L") or cat.startswith("M") or ch in " ·."):
            raise UserError("registration.name_chars")
    return name


def split_for_display(text: str, limit: int = 4000) -> list[str]:
    """Split long text at line breaks for platforms with a message size limit."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    buf = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if buf:
                parts.append(buf)
                buf = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(buf) + len(line) > limit:
            parts.append(buf)
            buf = ""
        buf += line
    if buf:
        parts.append(buf)
    return parts
