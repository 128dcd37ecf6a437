"""Policy knowledge base for 驻村助手: YAML entries + fuzzy Chinese matching.

Public API (what the dialog layer calls)::

    kb = KnowledgeBase.from_directory()       # once at start-up
    verdict = kb.answer("驻村干部每月补助多少")  # per message
    kb.search(query, limit=3)                  # ranked matches
    kb.import_file(path); kb.reload()          # admin
    route(text, role)                          # where free text goes (knowledge.routing)

Names are loaded on first use (PEP 562): ``import knowledge.routing`` or
``knowledge.loader`` must not pull in numpy, jieba and pypinyin, which only the matcher needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "FEATURES": "kb", "KnowledgeBase": "kb", "Options": "kb", "Thresholds": "kb", "Weights": "kb",
    "FieldWeights": "index", "KnowledgeFileError": "loader", "load_file": "loader",
    "load_paths": "loader", "Entry": "models", "Match": "models", "Verdict": "models",
    "normalize": "normalize", "Route": "routing", "route": "routing",
}

__all__ = [
    "FEATURES", "Entry", "FieldWeights", "KnowledgeBase", "KnowledgeFileError", "Match", "Options",
    "Route", "Thresholds", "Verdict", "Weights", "load_file", "load_paths", "normalize", "route",
]

if TYPE_CHECKING:
    from .index import FieldWeights
    from .kb import FEATURES, KnowledgeBase, Options, Thresholds, Weights
    from .loader import KnowledgeFileError, load_file, load_paths
    from .models import Entry, Match, Verdict
    from .normalize import normalize
    from .routing import Route, route


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
