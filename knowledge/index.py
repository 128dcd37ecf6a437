"""Search structures for one set of entries, built once and swapped whole on reload.

An entry is read whole: its question phrasings, its tags (the everyday words of its topic),
its answer and its basis, each a field of its own. Two views of the same fields:

* **BM25 per field** (bm25s): the classic ranking signal; field scores are summed with
  field weights (a BM25F-like mix) and used as one feature of the scorer.
* **Token presence per field** with an entry-level IDF: how much of what the question asks
  an entry covers, a share between 0 and 1 whatever the length of the question (scores
  comparable across lengths), where a word found only in the answer counts less than one
  found in a phrasing.

Phrasings are also kept one by one (canonical string and pinyin) for the fuzzy features
that catch typos and word order, and for the best-phrasing coverage.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .models import Entry
from .segment import TextProcessor, cache_dir

FIELDS = ("question", "tags", "answer", "basis")
CACHED_ANALYSES = 8  # analyses of different bases kept on disk (each import makes a new one)


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """How strongly a query word found (only) in a field counts, 0–1.

    A word in a phrasing is the strongest evidence; tags are the topic's everyday words;
    an answer mentions many things in passing; the basis is mostly document titles.
    """

    question: float = 1.0
    tags: float = 0.9
    answer: float = 0.6
    basis: float = 0.4

    def of(self, field: str) -> float:
        return float(getattr(self, field))


def _analyse(e: Entry, proc: TextProcessor) -> dict:
    """Tokens of every field of one entry (phrasings also as a canonical string)."""
    phrasings = []
    for text in e.phrasings:
        a = proc.analyze(text, repair=False)
        phrasings.append((list(a.tokens), a.canon))
    return {"phrasings": phrasings,
            "tags": [t for tag in e.tags for t in proc.field_tokens(tag)],
            "answer": proc.field_tokens(e.answer), "basis": proc.field_tokens(e.basis)}


def analysed(entries: Sequence[Entry], proc: TextProcessor) -> list[dict]:
    """Field tokens of ``entries``, from a disk cache when the same base was analysed before.

    Tokenising every answer is most of the index build, and the bot builds it at every
    start; the analysis depends only on the texts and the lexicon (``proc.fingerprint``),
    so it is cached like jieba caches its dictionary. A damaged or missing cache is rebuilt.
    """
    h = hashlib.sha1(proc.fingerprint.encode())
    for e in entries:
        for text in (*e.phrasings, *e.tags, e.answer, e.basis):
            h.update(text.encode("utf-8"))
            h.update(b"\x00")
        h.update(b"\x01")
    path = cache_dir() / f"kb-analysis-{h.hexdigest()}.marshal"
    try:
        out = marshal.loads(path.read_bytes())
        if isinstance(out, list) and len(out) == len(entries):
            return out
    except (OSError, ValueError, EOFError, TypeError):
        pass
    out = [_analyse(e, proc) for e in entries]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(out))
        tmp.replace(path)
        old = sorted(path.parent.glob("kb-analysis-*.marshal"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-CACHED_ANALYSES]:
            stale.unlink(missing_ok=True)
    except OSError:  # a read-only cache directory only costs start-up time
        pass
    return out


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One token's precomputed contribution to every entry that contains it."""

    entries: np.ndarray  # entry positions
    strength: np.ndarray  # best field weight there (FieldWeights)
    in_question: np.ndarray  # 1.0 where a question phrasing has it
    bm25: np.ndarray  # field-weighted BM25 contribution


class Index:
    """Immutable search structures for ``entries`` (see the module docstring)."""

    def __init__(self, entries: Sequence[Entry], proc: TextProcessor,
                 field_weights: FieldWeights | None = None,
                 fields: Sequence[str] = FIELDS) -> None:
        import bm25s  # imported here: only building an index needs it

        self.entries = list(entries)
        self.fw = field_weights or FieldWeights()
        n = len(self.entries)
        owner: list[int] = []
        self.phr_text: list[str] = []
        self.phr_canon: list[str] = []
        phr_tokens: list[set[str]] = []
        docs: dict[str, list[list[str]]] = {f: [] for f in FIELDS}
        for ei, (e, a) in enumerate(zip(self.entries, analysed(self.entries, proc), strict=True)):
            seen: set[str] = set()
            q_tokens: list[str] = []
            for text, (tokens, canon) in zip(e.phrasings, a["phrasings"], strict=True):
                q_tokens.extend(tokens)
                if not tokens or canon in seen:
                    continue
                seen.add(canon)
                owner.append(ei)
                self.phr_text.append(text)
                self.phr_canon.append(canon)
                phr_tokens.append(set(tokens))
            docs["question"].append(q_tokens)
            for f in ("tags", "answer", "basis"):
                docs[f].append(a[f])
        self.phr_owner = np.asarray(owner, dtype=np.int64)
        self.phr_pinyin = [proc.pinyin_key(c) for c in self.phr_canon]
        # Entries own contiguous runs of phrasings: reduceat over these starts gives the
        # best phrasing per entry (an entry without a usable phrasing gets none).
        self.has_phrasing = np.zeros(n, dtype=bool)
        self.has_phrasing[self.phr_owner] = True
        self.phr_starts = np.flatnonzero(np.r_[True, self.phr_owner[1:] != self.phr_owner[:-1]]) \
            if len(owner) else np.zeros(0, dtype=np.int64)
        self.phr_entries = self.phr_owner[self.phr_starts] if len(owner) else self.phr_owner

        # Every (token, entry, field) occurrence once, as integer arrays: document frequency,
        # the per-token rows and the topic lexicon are computed from them with numpy (the
        # loops over 10,000 entries' tokens in Python were most of a large build).
        vocab: dict[str, int] = {}
        tok_l: list[int] = []
        ent_l: list[int] = []
        fld_l: list[int] = []
        for fi, f in enumerate(FIELDS):
            for ei, toks in enumerate(docs[f]):
                ids = [vocab.setdefault(t, len(vocab)) for t in set(toks)]
                tok_l.extend(ids)
                ent_l.extend([ei] * len(ids))
                fld_l.extend([fi] * len(ids))
        self.vocab = vocab
        tok = np.asarray(tok_l, dtype=np.int64)
        ent = np.asarray(ent_l, dtype=np.int64)
        fld = np.asarray(fld_l, dtype=np.int64)
        words = list(vocab)
        # Document frequency per *entry* over all fields: a word that many entries use
        # (脱贫户, 申请) tells entries apart less than a topic word (医保, 危房).
        pair = np.sort(tok * max(n, 1) + ent)  # sort-based: numpy's hash unique is slower here
        pair = pair[np.r_[True, pair[1:] != pair[:-1]]] if pair.size else pair
        df = np.bincount(pair // max(n, 1), minlength=len(words))
        idf = np.log((n + 1) / (df + 0.5))
        self.idf = dict(zip(words, idf.tolist(), strict=True))
        self.max_idf = math.log((n + 1) / 1.5)
        # Topic lexicon, part 1: the everyday words administrators gave each entry as tags.
        self.topic_words = frozenset(words[i] for i in np.unique(tok[fld == FIELDS.index("tags")]).tolist())
        phr_post: dict[str, list[int]] = {}
        for pi, toks in enumerate(phr_tokens):
            for t in toks:
                phr_post.setdefault(t, []).append(pi)
        self.phr_postings = {t: np.asarray(v, dtype=np.int64) for t, v in phr_post.items()}
        self.phr_weight = np.asarray([sum(self.idf[t] for t in toks) for toks in phr_tokens],
                                     dtype=np.float64)

        bm25: dict[str, bm25s.BM25] = {}
        for f in FIELDS:
            if not any(docs[f]):  # e.g. a small imported base without tags
                continue
            r = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
            r.index(docs[f], show_progress=False)
            bm25[f] = r
        used = [fi for fi, f in enumerate(FIELDS) if f in fields]
        self.rows = self._token_rows(words, tok, ent, fld, used, bm25)
        # The homophone repairer learns the words people are meant to ask with.
        proc.register_vocabulary([*(t for d in docs["question"] for t in d),
                                  *(t for d in docs["tags"] for t in d)])

    def __len__(self) -> int:
        return len(self.entries)

    def _token_rows(self, words: list[str], tok: np.ndarray, ent: np.ndarray, fld: np.ndarray,
                    used: Sequence[int], bm25: dict[str, object]) -> dict[str, TokenRow]:
        """Per token, everything a question needs from it, precomputed (one numpy step each
        at query time instead of one per field): the entries that have it, how strongly it
        counts there (the best field's weight), whether a phrasing has it, and its
        field-weighted BM25 contribution (from bm25s's score matrices).

        Built from the (token, entry, field) arrays in a few sorts rather than per token
        in Python: the build of a 10,000-entry base stays a few seconds."""
        n = max(len(self.entries), 1)
        keep = np.isin(fld, np.asarray(used, dtype=np.int64))
        tok, ent, fld = tok[keep], ent[keep], fld[keep]
        if not tok.size:
            return {}
        weight = np.asarray([self.fw.of(f) for f in FIELDS])[fld]
        key = tok * n + ent
        order = np.argsort(key, kind="stable")
        key, weight, fld = key[order], weight[order], fld[order]
        first = np.r_[True, key[1:] != key[:-1]]
        starts = np.flatnonzero(first)
        ukey = key[starts]
        strength = np.maximum.reduceat(weight, starts)
        qi = FIELDS.index("question")
        in_q = np.zeros(ukey.size)
        if qi in used:
            in_q = np.maximum.reduceat((fld == qi).astype(np.float64), starts)
        bm = np.zeros(ukey.size)
        for fi in used:
            r = bm25.get(FIELDS[fi])
            if r is None:
                continue
            vd: dict[str, int] = r.vocab_dict  # type: ignore[attr-defined]
            indptr = np.asarray(r.scores["indptr"])  # type: ignore[attr-defined]
            to_global = np.full(len(vd), -1, dtype=np.int64)
            for w, j in vd.items():
                to_global[j] = self.vocab.get(w, -1)
            counts = np.diff(indptr)
            rows_g = np.repeat(to_global[: counts.size], counts)
            docs = np.asarray(r.scores["indices"], dtype=np.int64)  # type: ignore[attr-defined]
            vals = np.asarray(r.scores["data"], dtype=np.float64) * self.fw.of(FIELDS[fi])  # type: ignore[attr-defined]
            ok = rows_g >= 0
            k = rows_g[ok] * n + docs[ok]
            pos = np.searchsorted(ukey, k)
            pos = np.minimum(pos, ukey.size - 1)
            hit = ukey[pos] == k
            np.add.at(bm, pos[hit], vals[ok][hit])
        utok = ukey // n
        uent = ukey % n
        bounds = np.flatnonzero(np.r_[True, utok[1:] != utok[:-1], True])
        rows: dict[str, TokenRow] = {}
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            rows[words[int(utok[a])]] = TokenRow(uent[a:b], strength[a:b], in_q[a:b], bm[a:b])
        return rows
