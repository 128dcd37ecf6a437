"""What a free text outside a dialog asks of this feature: one small, predictable rule
(to be folded into the free-text classifier of knowledge/, issue #12).

`classify(kind, text)` answers, for a registered person of `kind` ("villager" | "member"):
* "monitoring" — a villager asks to apply for poverty-return monitoring: the text names
  monitoring (防返贫 / 返贫 / 防贫监测 / 监测户 / 监测对象 / 纳入监测) AND asks for it
  (申请 / 申报 / 报名 / 想 / 要 / 帮我 / 能不能 / 可以 / 怎么). A cadre asking the same
  is asking the knowledge base, so members never get this answer.
* "whereabouts" — anyone asks where the team is, in at most 30 characters: a word for
  the team (驻村 / 工作队 / 干部 / 第一书记 / 书记 / 组长 / 队长) AND a question about
  presence (在不在 / 在没在 / 在村吗 / 在村里吗 / 在村没 / 在哪 / 去哪 / 去向 / 在吗 /
  来了没 / 来没来 / 来了吗); or 去向公示. ("驻村干部在村里的时候补助多少" is policy.)
* "sign" — a villager types 签到 / 确认签到 / 确认 followed by an optional 4-digit code
  (a 群众监督员 confirming a cadre's visit); `code_of` returns the code.
* None — anything else (complaint offer, knowledge base... decide).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Intent = Literal["monitoring", "whereabouts", "sign"]

MONITOR_WORDS = ("防返贫", "返贫", "防贫监测", "监测户", "监测对象", "纳入监测")
ASK_WORDS = ("申请", "申报", "报名", "想", "要", "帮我", "能不能", "可以", "怎么")
TEAM_WORDS = ("驻村", "工作队", "干部", "第一书记", "书记", "组长", "队长")
PRESENCE_WORDS = ("在不在", "在没在", "在村吗", "在村里吗", "在村没", "在村里没", "在哪", "去哪",
                  "去向", "在吗", "来了没", "来没来", "来了吗")
_SIGN = re.compile(r"^(?:确认)?签到(?:确认)?\s*(\d{4})?$|^确认\s*(\d{4})$")
MAX_CHARS = 120  # a long message is a story for the complaint form or the team, not a query
MAX_WHEREABOUTS_CHARS = 30  # "where is the team" is a short question; a longer one is policy


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def classify(kind: str | None, text: str) -> Intent | None:
    t = _norm(text)
    if not t or t.startswith("/"):
        return None
    if kind == "villager" and _SIGN.match(t):
        return "sign"
    if len(t) > MAX_CHARS:
        return None
    if kind == "villager" and any(w in t for w in MONITOR_WORDS) and any(w in t for w in ASK_WORDS):
        return "monitoring"
    if len(t) <= MAX_WHEREABOUTS_CHARS and ("去向公示" in t or (
            any(w in t for w in TEAM_WORDS) and any(w in t for w in PRESENCE_WORDS))):
        return "whereabouts"
    return None


def code_of(text: str) -> str | None:
    m = _SIGN.match(_norm(text))
    return (m.group(1) or m.group(2)) if m else None
