"""The features the bot runs. Each module has `register(registry)`; order is irrelevant."""

from __future__ import annotations

from importlib import import_module

from conversations.registry import Registry

FEATURES: tuple[str, ...] = (
    "conversations.registration",
    "conversations.profile",
    "conversations.reports",
    "conversations.attendance",
    "conversations.complaints",
    "conversations.leave",
    "conversations.knowledge",
    "conversations.reminders",
)


def build_registry(features: tuple[str, ...] = FEATURES) -> Registry:
    reg = Registry()
    for name in features:
        import_module(name).register(reg)
    return reg
