"""Tokenisation, synonym canonicalisation, pinyin keys and homophone repair.

Everything that turns normalised text into comparable units lives here so the
index and the queries are guaranteed to go through exactly the same steps.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jieba
import yaml
from pypinyin import Style, lazy_pinyin

from .normalize import normalize
from .query import DEFAULT_ENGLISH, EnglishGlossary, question_part

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_USERDICT = DATA_DIR / "userdict.txt"
DEFAULT_SYNONYMS = DATA_DIR / "synonyms.yaml"

# Function words that appear in almost every question and only add noise to
# token overlap. Question words that change intent (多少, 几) are kept. The second
# line holds the same function words as people say them in dialect (莫得 = 没有,
# 啥子 = 什么, 咋个 = 怎么, 晓得 = 知道) and the bare 不/没 that end a spoken question.
STOP_WORDS: frozenset[str] = frozenset(
    """
    的 了 是 我 我们 你 你们 他 她 它 咱 咱们 俺 怎么 怎么样 怎样 如何 什么 啥 是不是 有没有
    咋 啥 咋办 怎么办 干嘛 干啥 回事 怎么回事 要不要 能不能 可不可以 在 和 与 及 或 或者 跟 还是 就 也 都 还 又 把 被 让 给 对 向 从
    这 那 这个 那个 这些 那些 个 么 么样 吗 呢 啊 吧 哪 哪些 哪个 哪里 哪儿 一 一个 一些 有 没 没有 会
    能 可以 应该 要 需要 得 地 着 过 之 其 该 等 等等 如果 的话 现在 目前 一般 比如 关于 请 问
    不 谁 没得 莫得 冇 啥子 么子 甚 咋个 啷个 咋样 咋整 咋弄 怎个 晓得 知道 要得 得不得 嘛 噻
    """.split()
)

# jieba's full dictionary (349k words) takes ~0.8 s to load on a small server,
# most of our start-up budget. Words seen fewer than this many times in its
# corpus are almost never typed in policy questions, so a trimmed copy (~105k
# words) is generated once and cached next to jieba's own cache.
MIN_DICT_FREQ = 10

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# Quantities (issue #12: "请四天假", "贷五万块钱", "经费一年几万"). An amount asked with 几
# (几万, 几头) asks 多少; any other number (15, 2026, 五万, 一年, 三天) says nothing about which
# policy is meant and is dropped, on both sides (an unknown "四天" used to count as evidence of
# another topic). Ages (六十岁) stay: they tell pensions from schooling. Five or more digits
# are hotlines (12317, 12345) and stay. 几天 and 多少天 are the synonym table's 天数.
_NUM = r"(?:[0-9]+(?:\.[0-9]+)?|[两一二三四五六七八九十百千万半]+)"
_HOW_MANY_RE = re.compile(r"^几(?:十|百|千|万|十万)?(?:块钱|块|元|万|千|头|只|亩|个|次|回|户|人)$")
_NUMBER_RE = re.compile(rf"^{_NUM}(?:块钱|块|元|万|千|头|只|亩|个|次|回|户|人|号|年|月|周|星期|天|日)?$|^块钱$")
_HOTLINE_RE = re.compile(r"^[0-9]{5,}$")


def quantity(tok: str) -> str | None:
    """The canonical token of a quantity (``""`` to drop it), or None if ``tok`` is not one."""
    if _HOTLINE_RE.match(tok):
        return None
    if _HOW_MANY_RE.match(tok):
        return "多少"
    if _NUMBER_RE.match(tok):
        return ""
    return None


_NUM_START = frozenset("两一二三四五六七八九十百千万半几多块")
_MAX_REPAIR_LEN = 5


def _fuzzy_syllable(s: str) -> str:
    """Fold syllables that southern-accent typists routinely confuse.

    zh/z, ch/c, sh/s, initial n/l and finals eng/en, ing/in are merged
    (an/ang stay apart: 帮 and 办 must not collide), so 申请 typed
    as 身情 or 森请 still finds the intended word.
    """
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    if s.startswith("n"):
        s = "l" + s[1:]
    if s.endswith(("eng", "ing")):
        s = s[:-1]
    return s


# jieba's keyword-extraction IDF table (jieba/analyse/idf.txt, 270k words) says how
# topical a word is in general Chinese: 一个 2.8, 时候 4.3, 到底 5.8 … 医保 8.6, 低保 10.4.
# Parsing it takes ~0.2 s, so only the words below RARE_IDF (the common ones, which are
# the ones worth down-weighting) are kept, in a marshal file next to the trimmed dict;
# every other word counts as rare.
RARE_IDF = 10.0
# Bump when tokenisation code changes: cached analyses of the base (index.py) are keyed on it.
ANALYSIS_VERSION = 3


def cache_dir() -> Path:
    return Path(os.environ.get("ZHUCUN_CACHE_DIR") or Path(tempfile.gettempdir()) / "zhucun-kb")


def _common_word_idf() -> dict[str, float]:
    """{word: jieba IDF} for words with IDF below ``RARE_IDF``, cached on first use."""
    dst = cache_dir() / f"jieba-idf-{jieba.__version__}-below{RARE_IDF:g}.marshal"
    try:
        return marshal.loads(dst.read_bytes())
    except (OSError, ValueError, EOFError):
        pass
    src = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with src.open(encoding="utf-8") as f:
        for line in f:
            word, _, value = line.rstrip("\n").rpartition(" ")
            if word and float(value) < RARE_IDF:
                table[word] = round(float(value), 2)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(marshal.dumps(table))
    tmp.replace(dst)
    return table


def _compact_dictionary() -> Path:
    """Path of the trimmed jieba dictionary, creating it on first use."""
    src = Path(jieba.__file__).resolve().parent / "dict.txt"
    directory = cache_dir()
    dst = directory / f"jieba-dict-{jieba.__version__}-min{MIN_DICT_FREQ}.txt"
    if dst.exists():
        return dst
    directory.mkdir(parents=True, exist_ok=True)
    with src.open(encoding="utf-8") as f:
        lines = [ln for ln in f if int(ln.split(" ", 2)[1]) >= MIN_DICT_FREQ]
    tmp = dst.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(dst)  # atomic: concurrent starts never see a half-written file
    return dst


@dataclass(frozen=True, slots=True)
class Analysis:
    """A piece of text in every form the matcher compares."""

    norm: str  # normalised, homophones repaired
    tokens: tuple[str, ...]  # canonical search-mode tokens, stop words removed
    canon: str  # tokens joined: character-level comparison string
    pinyin: str  # space-separated toneless syllables of ``canon``


@dataclass(frozen=True, slots=True)
class Query:
    """A message reduced to what it asks (see knowledge/query.py).

    ``weights`` maps each canonical search token to the weight of its clause: 1 for the
    clauses that ask, less for the context around them.
    """

    weights: dict[str, float]
    canon: str  # tokens of the asking clauses joined: character-level comparison string
    pinyin: str


def load_synonyms(path: Path) -> dict[str, str]:
    """Read ``canonical: [variants]`` groups into a variant→canonical map."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    mapping: dict[str, str] = {}
    for canonical, variants in raw.items():
        canonical = normalize(str(canonical), strip_fillers=False)
        for v in variants or []:
            v = normalize(str(v), strip_fillers=False)
            if v and v != canonical:
                mapping[v] = canonical
    return mapping


class TextProcessor:
    """Owns a private jieba tokenizer plus synonym and homophone tables.

    A private ``jieba.Tokenizer`` keeps our user dictionary from leaking into
    (or being altered by) other code that uses the global jieba instance.
    """

    def __init__(
        self,
        userdict: Path | None = DEFAULT_USERDICT,
        synonyms: Path | None = DEFAULT_SYNONYMS,
        english: Path | None = DEFAULT_ENGLISH,
    ) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer(str(_compact_dictionary()))
        self._jieba.tmp_dir = str(_compact_dictionary().parent)
        self._jieba.initialize()  # marshal cache of the trimmed dict: ~0.25 s
        user_words: list[str] = []
        self.curated_words = frozenset()
        if userdict and userdict.exists():
            self._jieba.load_userdict(str(userdict))
            lines = userdict.read_text(encoding="utf-8").splitlines()
            user_words = [ln.split()[0] for ln in lines if ln.strip()]
        # Topic lexicon, part 2: the domain terms of the user dictionary (驻村干部, 低保 …).
        self.curated_words: frozenset[str] = frozenset(user_words)
        self.synonyms: dict[str, str] = load_synonyms(synonyms) if synonyms and synonyms.exists() else {}
        for word in {*self.synonyms, *self.synonyms.values()}:
            if len(word) > 1:
                self._jieba.add_word(word, freq=50000)
        self._curated_canon: frozenset[str] = frozenset(self.synonyms.values())
        self.english = EnglishGlossary(english)
        self._idf = _common_word_idf()
        # What the tokens of a text depend on, so analyses can be cached on disk (index.py).
        h = hashlib.sha1(f"{ANALYSIS_VERSION}|{jieba.__version__}|{MIN_DICT_FREQ}|".encode())
        for path in (userdict, synonyms):
            h.update(path.read_bytes() if path and path.exists() else b"-")
        h.update(" ".join(sorted(STOP_WORDS)).encode())
        self.fingerprint = h.hexdigest()
        self._char_py: dict[str, str] = {}
        self._vocab: set[str] = set()
        self._homophones: dict[tuple[str, ...], str] = {}
        self.register_vocabulary([*self.synonyms.values(), *self.synonyms, *user_words])

    # ------------------------------------------------------------------ pinyin
    def _syllables(self, chars: str) -> list[str]:
        """Per-character toneless pinyin, memoised (pypinyin is slow-ish)."""
        out: list[str] = []
        cache = self._char_py
        for ch in chars:
            py = cache.get(ch)
            if py is None:
                py = lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0]
                cache[ch] = py
            out.append(py)
        return out

    def pinyin_key(self, text: str) -> str:
        """Space-separated toneless pinyin of ``text`` (non-CJK kept as is)."""
        return " ".join(self._syllables(text.replace(" ", "")))

    # -------------------------------------------------------------- vocabulary
    def register_vocabulary(self, words: Iterable[str]) -> None:
        """Teach the homophone repairer the words the knowledge base uses.

        The first registration of a pinyin key wins, so curated words
        (synonym canonicals, user dictionary) take precedence.
        """
        vocab = self._vocab
        for w in dict.fromkeys(words):  # each word once, in order (a base repeats its words)
            if w in vocab or not (2 <= len(w) <= _MAX_REPAIR_LEN) or not _CJK_RUN.fullmatch(w):
                continue
            self._vocab.add(w)
            key = tuple(_fuzzy_syllable(s) for s in self._syllables(w))
            self._homophones.setdefault(key, w)

    def _is_known_word(self, w: str) -> bool:
        return w in self._vocab or self._jieba.FREQ.get(w, 0) > 0

    def repair_homophones(self, text: str) -> str:
        """Replace non-words whose pinyin equals a known word (申情→申请, 低宝→低保).

        jieba falls back to single characters where it meets an unknown word,
        so only spans containing such single-character tokens are candidates,
        and a span must start and end on token boundaries. That keeps real
        words that merely sound alike (事实 vs 实施) and words split across a
        boundary (去|乡镇 is not 去向) untouched.
        """
        return " ".join(fixed for fixed, _ in self._repair_chunks(text))

    def repair_and_cut(self, text: str) -> list[str]:
        """`repair_homophones` and the words of its result, cutting each chunk once where
        nothing was repaired (most chunks): the query path used to cut every chunk twice."""
        words: list[str] = []
        for fixed, toks in self._repair_chunks(text):
            words.extend(toks if toks is not None else self._jieba.lcut(fixed, HMM=False))
        return words

    def _repair_chunks(self, text: str) -> Iterator[tuple[str, list[str] | None]]:
        """Each space-separated chunk repaired, with its words when it came out unchanged
        (None when a repair changed it and it must be cut again)."""
        for chunk in text.split():
            toks = self._jieba.lcut(chunk, HMM=False)
            fixed = self._fix_chunk(chunk, toks)
            yield fixed, (toks if fixed == chunk else None)

    def _fix_chunk(self, chunk: str, toks: list[str]) -> str:
        """One chunk of `repair_homophones`, given jieba's cut of it."""
        if all(len(t) > 1 for t in toks):
            return chunk
        bounds = {0}
        single = [False] * len(chunk)
        pos = 0
        for t in toks:
            if len(t) == 1 and _CJK_RUN.match(t):
                single[pos] = True
            pos += len(t)
            bounds.add(pos)
        fuzzy = [_fuzzy_syllable(s) for s in self._syllables(chunk)]
        out: list[str] = []
        i, n = 0, len(chunk)
        while i < n:
            if i in bounds:
                for length in range(min(_MAX_REPAIR_LEN, n - i), 1, -1):
                    j = i + length
                    if j not in bounds or not any(single[i:j]):
                        continue
                    w = chunk[i:j]
                    if not _CJK_RUN.fullmatch(w) or self._is_known_word(w):
                        continue
                    cand = self._homophones.get(tuple(fuzzy[i:j]))
                    if cand is not None:
                        out.append(cand)
                        i = j
                        break
                else:
                    out.append(chunk[i])
                    i += 1
                continue
            out.append(chunk[i])
            i += 1
        return "".join(out)

    # ---------------------------------------------------------------- analysis
    def _canonical(self, toks: Iterable[str]) -> list[str]:
        syn = self.synonyms
        out = []
        for tok in toks:
            tok = syn.get(tok, tok)
            if tok and (tok[0].isdigit() or tok[0] in _NUM_START):
                q = quantity(tok)
                tok = q if q is not None else tok
            if tok and tok not in STOP_WORDS and not tok.isspace():
                out.append(tok)
        return out

    def tokens(self, norm: str) -> list[str]:
        """Canonical tokens in reading order (jieba precise mode, synonyms mapped)."""
        return self._canonical(t for chunk in norm.split() for t in self._jieba.cut(chunk, HMM=False))

    def _search_from_words(self, words: Iterable[str]) -> list[str]:
        freq = self._jieba.FREQ
        curated = self.synonyms
        out: list[str] = []
        for w in words:
            if len(w) > 2 and w not in curated and w not in self._curated_canon:
                for n in (2, 3):
                    for i in range(len(w) - n + 1):
                        gram = w[i : i + n]
                        if gram != w and freq.get(gram):
                            out.append(gram)
            out.append(w)
        return self._canonical(out)

    def search_tokens(self, norm: str) -> list[str]:
        """Tokens plus the sub-words of long words (like jieba search mode).

        Indexing 饮水安全 also as 饮水 + 安全 lets “饮水不安全” overlap with it;
        both the index and queries use this, so the expansion is symmetric.
        Curated terms (synonym groups) are *not* split: 医疗保险 means 医保,
        and its part 保险 must not pull in 养老保险.
        """
        return self._search_from_words(w for chunk in norm.split()
                                       for w in self._jieba.cut(chunk, HMM=False))

    def field_tokens(self, text: str) -> list[str]:
        """Search tokens of an entry's answer, basis or tag (no repair, no pinyin: cheaper)."""
        return self.search_tokens(normalize(text))

    def analyze(self, text: str, *, repair: bool = True) -> Analysis:
        """Full pipeline for one query or phrasing."""
        norm = normalize(text)
        if repair and norm:
            norm = self.repair_homophones(norm)
        canon = "".join(self.tokens(norm))
        toks = self.search_tokens(norm)
        return Analysis(norm=norm, tokens=tuple(toks), canon=canon, pinyin=self.pinyin_key(canon))

    def query(self, text: str, context_weight: float = 0.5, *, english: bool = True,
              reduce: bool = True) -> Query:
        """Analyse a message as asked: question part, English mapped, typos repaired.

        ``english=False`` / ``reduce=False`` switch those steps off (bench/kb_ablation.py):
        without reduction the whole message is one clause.
        """
        weights: dict[str, float] = {}
        asking: list[str] = []
        glossary = self.english if english else None
        parts = question_part(text, context_weight, glossary) if reduce else \
            [(glossary.translate(text.lower()) if glossary else text, 1.0)]
        for clause, w in parts:
            norm = normalize(clause)
            if not norm:
                continue
            words = self.repair_and_cut(norm)
            for t in self._search_from_words(words):  # one cut serves both views
                weights[t] = max(weights.get(t, 0.0), w)
            if w >= 1.0:
                asking.append("".join(self._canonical(words)))
        canon = "".join(asking)
        return Query(weights=weights, canon=canon, pinyin=self.pinyin_key(canon))

    def informativeness(self, token: str) -> float:
        """How topical a word is in general Chinese: its IDF in jieba's keyword table.

        Common words (时候 4.3, 到底 5.8, 情况 4.0) say little about which policy is meant;
        rare ones (医保 8.6, 危房 11.1) say a lot, and for a word the knowledge base does
        not contain (党费, 快递, 户口) a high value is evidence the question is about
        something else. Words not in the table (rarer than ``RARE_IDF``) get ``RARE_IDF``.
        """
        return self._idf.get(token, RARE_IDF)
