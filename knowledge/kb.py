"""The knowledge base: index built once, queried many times.

A question goes through four steps:

1. **Read as asked** (``TextProcessor.query``): greetings, self-introductions and thanks
   are dropped, the clauses that ask weigh more than their context, English words become
   the base's terms, dialect and homophone typos are folded.
2. **Coverage** over every entry (numpy over posting lists): the share of the question's
   importance an entry covers — importance is the entry-level IDF of a word the base knows,
   and for a word no entry uses, how rare it is in general Chinese (``informativeness``);
   a word found only in an entry's answer, tags or basis counts less than one in a question
   phrasing (``FieldWeights``). The share is 0–1 whatever the length of the question.
3. **Candidates**: the best entries by coverage and best-phrasing coverage get the fuzzy
   comparisons (rapidfuzz over characters and pinyin) and BM25 (bm25s) per field.
4. **Score**: a logistic model over those features gives each candidate the estimated
   chance, 0–100, that it answers the question. Its coefficients were fitted on the tune
   half of bench/kb_real_set.yaml (bench/kb_tune.py); so were the verdict thresholds.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from .index import FieldWeights, Index
from .loader import KnowledgeFileError, check_unique_ids, load_file, load_paths
from .models import Entry, Match, Verdict
from .segment import DATA_DIR, Query, TextProcessor

# Features of one (question, candidate entry) pair, in the order of Weights.coef.
FEATURES = (
    "cover",      # share of the question's importance the entry covers (all fields)
    "cover_q",    # the same, counting only the entry's question phrasings
    "phrase",     # share of the best phrasing's own weight that the question covers
    "char",       # rapidfuzz ratio with the best phrasing, characters (0–1)
    "pinyin",     # the same over toneless pinyin: homophone typos
    "known",      # share of the question's importance on words the base knows at all
    "bm25",       # field-weighted BM25 relative to the best candidate's
    "lead",       # cover minus the best other candidate's cover
    "length",     # log(1 + number of question tokens)
    "miss",       # the largest share of the question's importance on one word the entry lacks
)

# --- measured constants (bench/kb_tune.py, tune half only; rerun after large data changes)
COEF = (0.8447, 0.1815, 1.6866, 2.5558, 3.3676, 0.9226, 4.3312, 4.0777, 1.0242, 0.0179)
INTERCEPT = -12.1132
ANSWER_MIN = 60.3  # estimated chance (0–100) needed to answer outright
TIE_MARGIN = 27.9  # top must beat the runner-up by this much to answer
CHOOSE_MIN = 11.1  # below this nothing is offered at all
CHOOSE_WINDOW = 19.7  # runners-up within this distance of the top are offered
CONTEXT_WEIGHT = 0.5  # weight of clauses that do not ask, next to those that do
# How topical a word is (jieba IDF, see TextProcessor.informativeness) maps linearly to a
# factor between TOPICAL_MIN (at TOPICAL_LO and below) and 1 (at TOPICAL_HI and above).
TOPICAL_LO, TOPICAL_HI, TOPICAL_MIN = 4.0, 9.0, 0.1
UNKNOWN_WEIGHT = 1.0  # a word no entry uses weighs this times the rarest known word
SINGLE_CHAR_UNKNOWN = 0.4  # … and a single character no entry uses, this much of that
PREFILTER = 40  # entries that get the fuzzy comparisons
CANDIDATES = 8  # entries that get a score


@dataclass(frozen=True, slots=True)
class Weights:
    """Logistic scorer: ``intercept + Σ coef·feature`` (a parameter for the tuning script)."""

    coef: tuple[float, ...] = COEF
    intercept: float = INTERCEPT


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Verdict cut-offs on the 0-100 score; a parameter for the tuning script."""

    answer_min: float = ANSWER_MIN
    tie_margin: float = TIE_MARGIN
    choose_min: float = CHOOSE_MIN
    choose_window: float = CHOOSE_WINDOW


@dataclass(frozen=True, slots=True)
class Options:
    """Switches for the stages, so bench/kb_ablation.py can measure what each adds."""

    reduce: bool = True  # drop courtesy, weigh the asking clauses (False: whole text)
    english: bool = True  # map English words to the base's terms
    fields: tuple[str, ...] = ("question", "tags", "answer", "basis")
    topical: bool = True  # weigh topic words above common ones (False: base IDF only)
    fuzzy: bool = True  # character and pinyin similarity features
    learned: bool = True  # logistic scorer (False: a fixed mix of the same signals)
    context_weight: float = CONTEXT_WEIGHT
    miss: bool = True  # the largest-missed-word feature (False: the column is zero)


@dataclass(frozen=True)
class Candidates:
    """Scored candidates of one question: entry positions, features, scores (best first)."""

    entries: np.ndarray
    features: np.ndarray  # len(entries) × len(FEATURES)
    scores: np.ndarray  # 0–100
    phrasing: list[int]  # best phrasing per candidate (index into Index.phr_text)


class KnowledgeBase:
    """Policy Q&A index. Build once at start-up; ``search``/``answer`` per message.

    Thread-safe for readers: ``reload``/``add_entries`` build a new index and
    swap it in one assignment. A long-running bot should call ``gc.collect();
    gc.freeze()`` once after start-up so full garbage collections do not walk
    the index during queries (this removes the occasional multi-ms outlier).
    """

    def __init__(self, entries: Iterable[Entry] = (), *, processor: TextProcessor | None = None,
                 weights: Weights | None = None, thresholds: Thresholds | None = None,
                 options: Options | None = None, field_weights: FieldWeights | None = None) -> None:
        self.proc = processor or TextProcessor()
        self.weights = weights or Weights()
        self.thresholds = thresholds or Thresholds()
        self.options = options or Options()
        self.field_weights = field_weights or FieldWeights()
        self._paths: list[Path] = []
        self._lock = threading.Lock()
        self._index = Index(list(entries), self.proc, self.field_weights, self.options.fields)

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
            self._index = Index(merged, self.proc, self.field_weights, self.options.fields)
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
        index = Index(entries, self.proc, self.field_weights, self.options.fields)
        with self._lock:
            self._index = index
        return len(entries)

    # ------------------------------------------------------------------ query
    def read(self, query: str) -> Query:
        """The question as the matcher reads it (see ``TextProcessor.query``)."""
        o = self.options
        if o.reduce:
            return self.proc.query(query, o.context_weight, english=o.english)
        return self.proc.query(query, 1.0, english=o.english, reduce=False)

    def _importance(self, idx: Index, token: str) -> float:
        """How much a question word matters: topic words above common ones.

        A word of the topic lexicon (the entries' tags, the user dictionary) counts with its
        IDF over the base; any other word is scaled down by how common it is in general
        Chinese (时候, 到底, 情况 say nothing about which policy is meant). A word no entry
        uses counts like the rarest known word, scaled the same way: a rare one (党费,
        快递) is evidence that the question is about something the base does not cover.
        """
        if not self.options.topical or token in idx.topic_words or token in self.proc.curated_words:
            topical = 1.0
        else:
            j = self.proc.informativeness(token)
            topical = min(1.0, max(TOPICAL_MIN, (j - TOPICAL_LO) / (TOPICAL_HI - TOPICAL_LO)))
        idf = idx.idf.get(token)
        if idf is None:
            # A lone character no entry uses is mostly a leftover of segmentation (告, 调,
            # 截), weaker evidence of another topic than an unknown word (村官, 彩礼).
            single = SINGLE_CHAR_UNKNOWN if len(token) == 1 else 1.0
            return UNKNOWN_WEIGHT * idx.max_idf * topical * single
        return idf * topical

    def candidates(self, query: str, limit: int = CANDIDATES) -> tuple[Candidates, Index]:
        """Features and scores of the best ``limit`` entries for ``query`` (best first)."""
        idx = self._index
        q = self.read(query)
        empty = Candidates(np.empty(0, dtype=np.int64), np.empty((0, len(FEATURES))),
                           np.empty(0), [])
        n = len(idx)
        if not q.weights or not n:
            return empty, idx
        imp = {t: w * self._importance(idx, t) for t, w in q.weights.items()}
        total = sum(imp.values())
        if total <= 0:
            return empty, idx
        known = sum(w for t, w in imp.items() if t in idx.idf) / total
        cover = np.zeros(n)
        cover_q = np.zeros(n)
        bm = np.zeros(n)
        phr = np.zeros(len(idx.phr_text))
        # (importance, entries, how strongly each covers it) per word, for the "miss" feature
        covered: list[tuple[float, np.ndarray, np.ndarray]] = []
        for t, w in imp.items():
            row = idx.rows.get(t)
            if row is None:
                covered.append((w, _NONE, _NONE_F))
                continue
            ids = row.entries
            cover[ids] += w * row.strength
            cover_q[ids] += w * row.in_question
            bm[ids] += q.weights[t] * row.bm25
            covered.append((w, ids, row.strength))
            pp = idx.phr_postings.get(t)
            if pp is not None:
                phr[pp] += idx.idf[t] * min(1.0, q.weights[t])
        cover /= total
        cover_q /= total
        phrase = np.zeros(n)
        if len(idx.phr_text):
            phrase[idx.phr_entries] = np.maximum.reduceat(
                phr / np.maximum(idx.phr_weight, 1e-9), idx.phr_starts)
        pre = cover + 0.5 * phrase
        hit = np.flatnonzero(pre > 0)
        if not hit.size:
            return empty, idx
        if hit.size > PREFILTER:
            hit = hit[np.argpartition(-pre[hit], PREFILTER)[:PREFILTER]]
        char = np.zeros(hit.size)
        pinyin = np.zeros(hit.size)
        best_phr = [-1] * hit.size
        if self.options.fuzzy and q.canon:
            sel = np.flatnonzero(np.isin(idx.phr_owner, hit))
            if sel.size:
                canon = [idx.phr_canon[i] for i in sel]
                cs = process.cdist([q.canon], canon, scorer=fuzz.ratio, dtype=np.float32)[0] / 100
                ps = process.cdist([q.pinyin], [idx.phr_pinyin[i] for i in sel],
                                   scorer=fuzz.ratio, dtype=np.float32)[0] / 100
                slot = np.full(n, -1, dtype=np.int64)
                slot[hit] = np.arange(hit.size)
                k = slot[idx.phr_owner[sel]]  # candidate slot of each phrasing
                np.maximum.at(char, k, cs)
                np.maximum.at(pinyin, k, ps)
                first = np.lexsort((-cs, k))  # per slot, its most similar phrasing first
                keep = first[np.r_[True, k[first][1:] != k[first][:-1]]]
                for kk, pi in zip(k[keep].tolist(), sel[keep].tolist(), strict=True):
                    best_phr[kk] = pi
        order = np.argsort(-(pre[hit] + 0.3 * char + 0.1 * pinyin), kind="stable")[:limit]
        cand = hit[order]
        bm = bm[cand]
        bm_rel = bm / bm.max() if bm.size and bm.max() > 0 else np.zeros(cand.size)
        cov_c = cover[cand]
        if cand.size > 1:  # cover minus the best *other* candidate's cover
            top2 = np.sort(cov_c)[-2:]
            lead = cov_c - np.where(cov_c >= top2[1], top2[0], top2[1])
        else:
            lead = cov_c.copy()
        feats = np.column_stack([
            cov_c, cover_q[cand], phrase[cand], char[order], pinyin[order],
            np.full(cand.size, known), bm_rel, lead,
            np.full(cand.size, math.log(1 + len(q.weights))),
            _largest_miss(covered, cand, n) / total if self.options.miss else np.zeros(cand.size)])
        if self.options.learned:
            z = self.weights.intercept + feats @ np.asarray(self.weights.coef)
            scores = 100.0 / (1.0 + np.exp(-z))
        else:  # the signals mixed by hand, for comparison (bench/kb_ablation.py)
            scores = 100.0 * (feats[:, 0] + 0.5 * feats[:, 2] + 0.3 * feats[:, 3] + 0.1 * feats[:, 4]) / 1.9
        rank = np.argsort(-scores, kind="stable")
        phrasing = [best_phr[i] for i in order]
        return Candidates(cand[rank], feats[rank], scores[rank], [phrasing[i] for i in rank]), idx

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """Best ``limit`` distinct entries for ``query``, best first (score 0-100)."""
        c, idx = self.candidates(query)
        out: list[Match] = []
        for k, ei in enumerate(c.entries.tolist()[:limit]):
            e = idx.entries[ei]
            pi = c.phrasing[k]
            out.append(Match(entry=e, score=round(float(c.scores[k]), 1),
                             phrasing=idx.phr_text[pi] if pi >= 0 else e.question))
        return out

    def answer(self, query: str) -> Verdict:
        """Decide between answering, asking the user to choose, or admitting ignorance."""
        return decide(self.search(query, limit=3), self.thresholds)


_NONE = np.empty(0, dtype=np.int64)
_NONE_F = np.empty(0)


def _largest_miss(covered: Sequence[tuple[float, np.ndarray, np.ndarray]], cand: np.ndarray,
                  n: int) -> np.ndarray:
    """Per candidate, the largest importance of one question word it does not cover.

    Coverage is a share: an entry can reach 60 % of a question while missing the one word
    that says what it is about (村医补助 against the cadres' 生活补助, 婚假 against 休假).
    An answer to that question is wrong, so the largest single miss is a feature of its own.
    """
    slot = np.full(n, -1, dtype=np.int64)
    slot[cand] = np.arange(cand.size)
    out = np.zeros(cand.size)
    for w, ids, strength in covered:
        have = np.zeros(cand.size)
        if ids.size:
            k = slot[ids]
            sel = k >= 0
            have[k[sel]] = strength[sel]
        np.maximum(out, w * (1.0 - have), out=out)
    return out


def decide(matches: Sequence[Match], th: Thresholds) -> Verdict:
    """The answer / choose / decline rule on scored matches (best first)."""
    if not matches or matches[0].score < th.choose_min:
        return Verdict("none")
    top = matches[0].score
    runner = matches[1].score if len(matches) > 1 else 0.0
    if top >= th.answer_min and top - runner >= th.tie_margin:
        return Verdict("answer", (matches[0],))
    close = tuple(m for m in matches if m.score >= max(th.choose_min, top - th.choose_window))
    return Verdict("choose", close)
