"""Build the registry from the feature packages listed in conversations.FEATURES."""

from __future__ import annotations

from importlib import import_module

from core.registry import Registry


def build_registry(features: tuple[str, ...] | None = None) -> Registry:
    from conversations import FEATURES

    reg = Registry()
    for name in features or FEATURES:
        import_module(name).register(reg)
    return reg
