"""User-facing words: the templates of every feature's error catalogue, and how commands
are named on each channel.

Services raise `UserError("leave.overlap", start=..., end=...)`: a code and parameters,
never a sentence. Each feature's `text.py` declares its templates with `errors(...)`;
the router (or the command line) turns the error into words with `render`. A code with
no template is a bug, reported by a test that raises every declared code once.

Commands are written in the catalogues the Telegram way, "发送 /myleave"; a channel
without slash commands (DingTalk) shows them by their Chinese name, "发送「我的请假」",
through `name_commands`, applied once at the door of the channel.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from importlib import import_module

_TEMPLATES: dict[str, str] = {}
_LOADED = False


def errors(feature: str, templates: Mapping[str, str]) -> dict[str, str]:
    """Declare a feature's error templates under '<feature>.<key>'; returns them by code."""
    out = {}
    for key, template in templates.items():
        code = f"{feature}.{key}"
        if code in _TEMPLATES and _TEMPLATES[code] != template:
            raise ValueError(f"error code {code} declared twice")
        _TEMPLATES[code] = out[code] = template
    return out


def load_all() -> None:
    """Import every catalogue (the command line renders errors without building a bot)."""
    global _LOADED
    if _LOADED:
        return
    from conversations import FEATURES

    for feature in ("core",) + FEATURES:
        try:
            import_module(f"{feature}.text")
        except ModuleNotFoundError as exc:
            if exc.name != f"{feature}.text":
                raise
    _LOADED = True


def template(code: str) -> str | None:
    load_all()
    return _TEMPLATES.get(code)


def codes() -> dict[str, str]:
    load_all()
    return dict(_TEMPLATES)


def fields(code: str) -> set[str]:
    """The parameters a template expects (for the test that renders every code)."""
    t = template(code) or ""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(t) if name}


def render(code: str, params: Mapping[str, object]) -> str:
    """The sentence for an error code; a code without a template is shown as is (a bug the
    catalogue test catches, but never a crash in front of a user)."""
    t = template(code)
    if t is None:
        return code
    return t.format(**params)


_SLASH = re.compile(r" ?(?<![A-Za-z0-9_/])/([a-z][a-z0-9_]{1,31})\b ?")


def name_commands(text: str, names: Mapping[str, str]) -> str:
    """'发送 /myleave 查看' -> '发送「我的请假」查看' for channels without slash commands.

    `names` maps a command to its Chinese name (its first alias); words that merely look
    like commands (a URL path, an unknown name) are left alone.
    """
    def sub(m: re.Match[str]) -> str:
        name = names.get(m.group(1))
        return f"「{name}」" if name else m.group(0)

    return _SLASH.sub(sub, text)
