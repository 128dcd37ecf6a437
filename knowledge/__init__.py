"""Policy knowledge base for 驻村助手: YAML entries + fuzzy Chinese matching.

Public API (what the dialog layer calls)::

    kb = KnowledgeBase.from_directory()       # once at start-up
    verdict = kb.answer("驻村干部每月补助多少")  # per message
    kb.search(query, limit=3)                  # ranked matches
    kb.import_file(path); kb.reload()          # admin
"""

from .index import FieldWeights
from .kb import FEATURES, KnowledgeBase, Options, Thresholds, Weights
from .loader import KnowledgeFileError, load_file, load_paths
from .models import Entry, Match, Verdict
from .normalize import normalize

__all__ = [
    "FEATURES", "Entry", "FieldWeights", "KnowledgeBase", "KnowledgeFileError", "Match", "Options",
    "Thresholds", "Verdict", "Weights",
    "load_file", "load_paths", "normalize",
]
