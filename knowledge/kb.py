"""The knowledge base: index built once, queried many times.

Matching is two-stage so it stays fast on large bases:

1. **Prefilter** – an inverted index from canonical tokens to phrasings gives
   every phrasing an IDF-weighted overlap with the query (numpy, no Python
   loop over the base). Only the best ``CANDIDATES`` phrasings go on.
2. **Rerank** – rapidfuzz compares the query's canonical character string and
   pinyin string with the precomputed strings of those candidates only.

The final score (0-100) is a weighted mix of token Dice, query coverage,
character similarity and pinyin similarity. The weights and the verdict
thresholds were measured with ``bench/kb_tune.py`` (see that script).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from .loader import KnowledgeFileError, check_unique_ids, load_file, load_paths
from .models import Entry, Match, Verdict
from .segment import DATA_DIR, TextProcessor

# --- measured constants (bench/kb_tune.py; rerun it after large data changes)
W_DICE = 0.20  # IDF-weighted token Dice between query and phrasing
W_COVER = 0.45  # share of the query's token weight found in the phrasing
W_CHAR = 0.45  # rapidfuzz ratio over canonical character strings
W_PINYIN = 0.20  # rapidfuzz ratio over toneless pinyin strings
ANSWER_MIN = 40.0  # top score needed to answer outright
TIE_MARGIN = 4.0  # top must beat the runner-up by this much to answer
CHOOSE_MIN = 34.0  # below this nothing is offered at all
CHOOSE_WINDOW = 15.0  # runners-up within this distance of the top are offered
CANDIDATES = 120  # phrasings kept by the prefilter


@dataclass(frozen=True, slots=True)
class Weights:
    """Score mix; a parameter so the tuning script can try alternatives."""

    dice: float = W_DICE
    cover: float = W_COVER
    char: float = W_CHAR
    pinyin: float = W_PINYIN


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Verdict cut-offs on the 0-100 score; a parameter for the tuning script."""

    answer_min: float = ANSWER_MIN
    tie_margin: float = TIE_MARGIN
    choose_min: float = CHOOSE_MIN
    choose_window: float = CHOOSE_WINDOW


class _Index:
    """Immutable search structures for one set of entries (swapped on reload)."""

    def __init__(self, entries: Sequence[Entry], proc: TextProcessor) -> None:
        self.entries = list(entries)
        phr_entry: list[int] = []
        self.phr_text: list[str] = []
        self.phr_canon: list[str] = []
        phr_tokens: list[set[str]] = []
        for ei, e in enumerate(self.entries):
            seen: set[str] = set()
            for text in e.phrasings:
                a = proc.analyze(text, repair=False)
                if not a.tokens or a.canon in seen:
                    continue
                seen.add(a.canon)
                phr_entry.append(ei)
                self.phr_text.append(text)
                self.phr_canon.append(a.canon)
                phr_tokens.append(set(a.tokens))
        self.phr_entry = np.asarray(phr_entry, dtype=np.int32)
        self.phr_pinyin = [proc.pinyin_key(c) for c in self.phr_canon]

        # Document frequency per *entry*: words repeated across one entry's
        # alternatives are that entry's topic, not noise.
        df: dict[str, set[int]] = {}
        postings: dict[str, list[int]] = {}
        for pi, toks in enumerate(phr_tokens):
            for t in toks:
                df.setdefault(t, set()).add(int(self.phr_entry[pi]))
                postings.setdefault(t, []).append(pi)
        n = max(len(self.entries), 1)
        self.idf = {t: math.log((n + 1) / (len(s) + 0.5)) for t, s in df.items()}
        self.unknown_idf = math.log((n + 1) / 0.5)
        self.postings = {t: np.asarray(p, dtype=np.int32) for t, p in postings.items()}
        self.phr_weight = np.asarray([sum(self.idf[t] for t in toks) for toks in phr_tokens], dtype=np.float64)
        proc.register_vocabulary(self.idf)

    def __len__(self) -> int:
        return len(self.phr_text)


class KnowledgeBase:
    """Policy Q&A index. Build once at start-up; ``search``/``answer`` per message.

    Thread-safe for readers: ``reload``/``add_entries`` build a new index and
    swap it in one assignment. A long-running bot should call ``gc.collect();
    gc.freeze()`` once after start-up so full garbage collections do not walk
    the index during queries (this removes the occasional multi-ms outlier).
    """

    def __init__(self, entries: Iterable[Entry] = (), *, processor: TextProcessor | None = None,
                 weights: Weights | None = None, thresholds: Thresholds | None = None) -> None:
        self.proc = processor or TextProcessor()
        self.weights = weights or Weights()
        self.thresholds = thresholds or Thresholds()
        self._paths: list[Path] = []
        self._lock = threading.Lock()
        self._index = _Index(list(entries), self.proc)

    # ------------------------------------------------------------ construction
    @classmethod
    def load(cls, paths: Iterable[str | Path], **kwargs: object) -> KnowledgeBase:
        """Build from YAML files and/or directories (raises ``KnowledgeFileError``)."""
        paths = [Path(p) for p in paths]
        kb = cls(load_paths(paths), **kwargs)  # type: ignore[arg-type]
        kb._paths = paths
        return kb

    @classmethod
    def from_directory(cls, directory: str | Path = DATA_DIR, **kwargs: object) -> KnowledgeBase:
        """Build from every ``*.yaml`` in ``directory`` (default: the shipped base)."""
        return cls.load([directory], **kwargs)

    @property
    def entries(self) -> list[Entry]:
        return list(self._index.entries)

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self._index.entries if e.id == entry_id), None)

    def __len__(self) -> int:
        return len(self._index.entries)

    # ------------------------------------------------------------------ admin
    def add_entries(self, entries: Iterable[Entry], *, replace: bool = False) -> int:
        """Add entries and rebuild the index; returns how many were added.

        With ``replace=True`` an entry whose id already exists overwrites it
        (re-importing an edited file); otherwise duplicate ids are an error.
        """
        new = list(entries)
        with self._lock:
            old = self._index.entries
            if replace:
                ids = {e.id for e in new}
                merged = [e for e in old if e.id not in ids] + new
            else:
                merged = old + new
            problems: list[str] = []
            check_unique_ids(merged, problems)
            if problems:
                raise KnowledgeFileError(new[0].source_file if new else "导入内容", problems)
            self._index = _Index(merged, self.proc)
        return len(new)

    def import_file(self, path: str | Path, *, replace: bool = True) -> int:
        """Validate and add one admin-supplied YAML file; it survives ``reload``."""
        path = Path(path)
        n = self.add_entries(load_file(path), replace=replace)
        if path not in self._paths:
            self._paths.append(path)
        return n

    def reload(self) -> int:
        """Re-read all source files (e.g. after editing); the old index stays on error."""
        entries = load_paths(self._paths)
        index = _Index(entries, self.proc)
        with self._lock:
            self._index = index
        return len(entries)

    # ------------------------------------------------------------------ query
    def _scored(self, query: str) -> tuple[np.ndarray, np.ndarray, _Index]:
        """Return (phrasing ids, scores) of prefiltered candidates, best first."""
        idx = self._index
        a = self.proc.analyze(query)
        empty = np.empty(0, dtype=np.int64)
        if not a.tokens or not len(idx):
            return empty, np.empty(0), idx
        acc = np.zeros(len(idx), dtype=np.float64)
        qw = 0.0
        for t in set(a.tokens):
            p = idx.postings.get(t)
            if p is None:
                qw += idx.unknown_idf
            else:
                w = idx.idf[t]
                qw += w
                acc[p] += w
        cand = np.flatnonzero(acc)
        if not cand.size:
            return empty, np.empty(0), idx
        dice = 2.0 * acc[cand] / (qw + idx.phr_weight[cand])
        if cand.size > CANDIDATES:
            keep = np.argpartition(-(dice + acc[cand] / qw), CANDIDATES)[:CANDIDATES]
            cand, dice = cand[keep], dice[keep]
        cover = acc[cand] / qw
        w = self.weights
        canon = [idx.phr_canon[i] for i in cand]
        chars = process.cdist([a.canon], canon, scorer=fuzz.ratio, dtype=np.float32)[0]
        score = 100.0 * (w.dice * dice + w.cover * cover) + w.char * chars
        if w.pinyin:
            pys = [idx.phr_pinyin[i] for i in cand]
            score += w.pinyin * process.cdist([a.pinyin], pys, scorer=fuzz.ratio, dtype=np.float32)[0]
        total = w.dice + w.cover + w.char + w.pinyin
        score = score / total
        order = np.argsort(-score, kind="stable")
        return cand[order], score[order], idx

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """Best ``limit`` distinct entries for ``query``, best first (score 0-100)."""
        cand, scores, idx = self._scored(query)
        out: list[Match] = []
        seen: set[int] = set()
        for pi, sc in zip(cand.tolist(), scores.tolist(), strict=True):
            ei = int(idx.phr_entry[pi])
            if ei in seen:
                continue
            seen.add(ei)
            out.append(Match(entry=idx.entries[ei], score=round(min(max(sc, 0.0), 100.0), 1),
                             phrasing=idx.phr_text[pi]))
            if len(out) >= limit:
                break
        return out

    def answer(self, query: str) -> Verdict:
        """Decide between answering, asking the user to choose, or admitting ignorance."""
        th = self.thresholds
        matches = self.search(query, limit=3)
        if not matches or matches[0].score < th.choose_min:
            return Verdict("none")
        top = matches[0].score
        runner = matches[1].score if len(matches) > 1 else 0.0
        if top >= th.answer_min and top - runner >= th.tie_margin:
            return Verdict("answer", (matches[0],))
        close = tuple(m for m in matches if m.score >= max(th.choose_min, top - th.choose_window))
        return Verdict("choose", close)
