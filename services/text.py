"""Small text rules shared by dialogs: names, yes/no words, display splitting."""

from __future__ import annotations

import unicodedata

from services.errors import UserError

MAX_NAME = 20


def clean_name(text: str) -> str:
    """A person's name: letters (any script), spaces and the middle dot, 1-20 characters."""
    name = unicodedata.normalize("NFKC", text or "").strip()
    if not name:
        raise UserError("姓名不能为空，请回复您的姓名（例如：张三）。")
    if len(name) > MAX_NAME:
        raise UserError(f"姓名太长了（最多{MAX_NAME}个字），请回复您的真实姓名。")
    for ch in name:
        cat = unicodedata.category(ch)
        if not (cat.startswith("L") or cat.startswith("M") or ch in " ·."):
            raise UserError("姓名里只能有文字，不能有数字、表情或符号。请重新回复您的姓名。")
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
