"""From a message as typed to the part that asks: clauses, courtesy dropped, English mapped.

People do not type "低保怎么申请". They type "领导您好，我是五组的老王，……想问问我这种情况能不
能吃上低保，谢谢". Everything around the question — greetings, who they are, thanks, "I want
to ask" — is noise to the matcher, and on a long message it used to outweigh the question
(a 75-character question scored below the floor of any reply). So a message is cut into
clauses; courtesy, self-introduction and "let me ask" clauses are dropped; and the clauses
that ask (question words, a final 吗/不/没…) weigh more than the context around them.

English words cadres mix in ("请假要谁approve", "有没有training") are mapped to the base's
Chinese terms from a glossary (data/english.yaml) written from the base's vocabulary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .normalize import to_simplified

DEFAULT_ENGLISH = Path(__file__).resolve().parent / "data" / "english.yaml"

# Clause boundaries: punctuation of either width, line breaks, and spaces (phone users
# separate clauses with a space instead of a comma: "我是脱贫户 医保费用有补贴不").
_CLAUSE_RE = re.compile(r"[，,。．！!？?；;、：:\n\r\t…~～()（）【】\[\]“”\"'‘’]+|\s+")

# A clause made only of courtesy: greetings, thanks, apologies, "are you there", "got it".
_COURTESY_PIECE = (
    r"各位|尊敬的|领导|老师|同志|书记|干部|大家|你们|您们|您|你|亲|老乡|师傅|大哥|大姐|阿姨|"
    r"早上好|上午好|中午好|下午好|晚上好|新年好|过年好|好呀|好啊|好哦|们好|好的|好滴|好|早|"
    r"哈喽|嗨|喂|在吗|在不在|打扰了|打扰一下|打扰您了|打扰你了|打扰|不好意思|麻烦了|麻烦您了|"
    r"麻烦你了|麻烦大家了|谢谢|感谢|多谢|万分|非常|辛苦了|辛苦|拜托了|啦|了|嗯|哦|噢|收到|明白了|"
    r"明白|知道了|晓得了|懂了|行|ok|okay|hi|hello|thanks|thank you|👍")
_COURTESY_RE = re.compile(rf"^(?:{_COURTESY_PIECE})+$")
# "I want to ask / let me tell you a situation / please answer": no content of their own.
_META_RE = re.compile(
    r"^(?:我)?(?:想|要)?(?:问|请问|问问|请教|咨询|了解|打听|反映)(?:一下|下|个事情?|个问题|一个事情?|一个问题|一件事)?$|"
    r"^(?:说|问|请教)(?:个|一个)(?:情况|事|事情|问题)$|^有(?:个|一个)(?:问题|事情?)(?:想问|请教)?$|"
    r"^(?:麻烦|请|劳烦)?(?:帮忙|帮我|给我|大家)?(?:看看|看一下|解答|解答一下|介绍一下|介绍下|告知|"
    r"告诉我|指点|指点一下|指导|指导一下|解释一下|说一下|答复)(?:一下)?(?:谢谢)?$|^谢谢指导$|^请(?:大家)?指点$")
# Who is typing: "我是刚到村里的驻村干部", "我是五组的老王", "本人是第一书记".
_INTRO_RE = re.compile(r"^(?:我|本人|俺)(?:是|叫|姓)|^(?:刚|才|新)(?:来|到|下来|被派|派来|派下来|上任)")
# Question markers: words anywhere in a clause, or a final particle. 好多 asks "how much"
# at the end of a clause, after a verb of giving, paying or comparing (给好多, 低于好多,
# 提前好多天) or before 以下/以上, not where it means "many" (好多人没领到, 等了好多天了). 啥/什么 followed by
# 也/都 is "nothing/everything" (啥事也不办), not a question; 好久 asks "how long" unless a
# negation follows (好久没来 = "has not come for long"); 还是 asks "A or B" unless what
# follows is negated or done (水管还是没人修, 还是扣了 = "still").
_QUESTION_WORDS = re.compile(
    r"怎么|怎样|怎么样|如何|多少|好多.{0,2}$|(?:是|给|交|要|补|报|低于|高于|超过|不到|提前|算|领|贷)好多(?![^，。]{0,3}[了过])|"
    r"好多(?:以下|以上|以内|之内)|好久(?![没不])|(?<![好十这那])几(?!乎)|"
    r"啥(?!.{0,2}[也都])|什么(?!.{0,2}[也都])|哪|谁|能不能|能否|可不可以|可以不|是否|要不要|还是(?![^，。]*[没不了])|"
    r"有没有|有无|是不是|会不会|算不算|行不行|用不用|管不管|给不给|咋|为什么|为啥|咋个|啷个|么子|"
    r"还有没|多久|多长|吗|嘛|么|呢|([\u4e00-\u9fff]{1,2})[不没]\1")
_QUESTION_END = re.compile(r"(?:不|没|没有|没得|莫得|否|吗|嘛|么|呢|哇|不咯|没嘛)$")
_ENGLISH_RE = re.compile(r"[a-z][a-z\-']*(?: [a-z][a-z\-']*)*")


@dataclass(frozen=True, slots=True)
class Clause:
    text: str  # simplified, NFKC, lower-case; punctuation removed
    asks: bool  # carries a question marker


def _prepare(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text or "")).lower()


def clauses(text: str, english: EnglishGlossary | None = None) -> list[Clause]:
    """Content clauses of a message: courtesy, "let me ask" and self-introductions dropped.

    A self-introduction is kept when it asks something itself ("我是脱贫户能贷款不").
    If nothing but courtesy is left, the result is empty.
    """
    out: list[Clause] = []
    for raw in _CLAUSE_RE.split(english.translate(_prepare(text)) if english else _prepare(text)):
        c = raw.strip()
        if not c or _COURTESY_RE.match(c) or _META_RE.match(c):
            continue
        asks = bool(_QUESTION_WORDS.search(c) or _QUESTION_END.search(c))
        if _INTRO_RE.match(c) and not asks:
            continue
        out.append(Clause(c, asks))
    return out


def question_part(text: str, context_weight: float,
                  english: EnglishGlossary | None = None) -> list[tuple[str, float]]:
    """Clauses with a weight: 1 for those that ask, ``context_weight`` for the others.

    When no clause asks (a bare topic such as "小额信贷", or "帮我查一下低保政策"),
    every content clause weighs 1.
    """
    cs = clauses(text, english)
    if not any(c.asks for c in cs):
        return [(c.text, 1.0) for c in cs]
    return [(c.text, 1.0 if c.asks else context_weight) for c in cs]


class EnglishGlossary:
    """English words and phrases → the base's Chinese terms (longest phrase first)."""

    def __init__(self, path: Path | None = DEFAULT_ENGLISH) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path and path.exists() else {}
        self.terms: dict[str, str] = {str(k).lower(): str(v or "") for k, v in (raw or {}).items()}
        self._longest = max((len(k.split()) for k in self.terms), default=1)

    def translate(self, text: str) -> str:
        """Replace known English words in ``text`` (already lower-case); others stay."""
        if not self.terms:
            return text
        return _ENGLISH_RE.sub(lambda m: self._run(m.group(0)), text)

    def _run(self, run: str) -> str:
        words = run.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                hit = self.terms.get(" ".join(words[i:i + n]))
                if hit is not None:
                    if hit:
                        out.append(hit)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)
