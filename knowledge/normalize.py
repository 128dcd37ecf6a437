"""Text normalisation applied identically to base phrasings and user queries.

Users type on phones: Traditional characters (Hong Kong/Taiwan keyboards or
forwarded articles), full-width digits, emoji and polite filler words. None of
that carries meaning for matching, so it is removed before anything else.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S: OpenCC | None = None  # built on first use: routing imports this module at start-up

# Multi-character politeness / hedging phrases. Longest first so that
# "我想问一下" is removed as a whole rather than leaving "一下".
FILLER_PHRASES: tuple[str, ...] = tuple(
    sorted(
        {
            "我想问一下", "想问一下", "我想问问", "我想知道", "想了解一下", "我想了解",
            "请问一下", "请问", "问一下", "问问", "我想问", "想问", "请教一下", "请教",
            "麻烦问下", "麻烦问一下", "麻烦您", "麻烦你", "麻烦", "你好", "您好", "谢谢",
            "帮我查一下", "帮我查查", "帮忙看看", "一下子", "一下", "打听一下", "咨询一下",
            "同志", "在吗", "有谁知道", "谁知道", "知道吗",
        },
        key=len,
        reverse=True,
    )
)
# Sentence-final particles: meaningless for matching wherever they occur.
FILLER_CHARS = "呢吗啊吧呀哦嘛啦哈呗哇噢喔嗯哎唉呐"

# "A-not-A" questions (管不管, 报不报, 算不算, 有没有): the doubled verb is a question
# marker, not content. Collapsing it to the verb keeps 不管 ("no matter") from turning up
# as a word and matching entries that happen to say 管.
_A_NOT_A_RE = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_FILLER_RE = re.compile("|".join(map(re.escape, FILLER_PHRASES)) + f"|[{FILLER_CHARS}]")
# Keep CJK, Latin letters and digits; everything else (punctuation, emoji,
# symbols, whitespace) becomes a separator.
_KEEP_RE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Traditional → Simplified (OpenCC t2s); cached because OpenCC is pure Python."""
    global _T2S
    if _T2S is None:
        _T2S = OpenCC("t2s")
    return _T2S.convert(text)


def normalize(text: str, *, strip_fillers: bool = True) -> str:
    """Return a canonical form: simplified, half-width, lower-case, no punctuation.

    Separators collapse to single spaces so callers can still see phrase
    boundaries; an input of only emoji/punctuation returns ``""``.
    """
    if not text:
        return ""
    # NFKC folds full-width ASCII (ＡＢＣ１２３) and compatibility forms.
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    text = _A_NOT_A_RE.sub(r"\1", text)
    if strip_fillers:
        text = _FILLER_RE.sub(" ", text)
    text = _KEEP_RE.sub(" ", text)
    return " ".join(text.split())
