"""Is a free text a work report or a question? (rule for the priority-50 text handler)

Rule, on purpose simple and predictable so a cadre can guess it:
* a question is text that ends with ?/？, or ends with a question particle (吗/呢/么),
  or has a question word (怎么/如何/多少/能不能/是否/为什么/什么/哪/可不可以/有没有/
  是不是/要不要/会不会/请问) among its first 6 or its last 8 characters (after trailing
  punctuation is dropped);
* a text looks like a report when it is not a command, not a question and has at least
  `min_chars` (default 40) characters that are not spaces.
Questions go on to the knowledge base (priority 60); a long statement is offered to be
saved as today's report — only offered, never saved without a press.
"""

from __future__ import annotations

import unicodedata

QUESTION_WORDS = ("怎么", "如何", "多少", "能不能", "是否", "为什么", "为啥", "什么", "哪",
                  "可不可以", "有没有", "是不是", "要不要", "会不会", "请问", "咋")
QUESTION_ENDINGS = ("吗", "呢", "么")
TRAILING = " \t\r\n。.！!~～…,，;；:：)）\"'”’"
HEAD_WINDOW, TAIL_WINDOW = 6, 8
DEFAULT_MIN_CHARS = 40


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def is_question(text: str) -> bool:
    t = _norm(text)
    if not t:
        return False
    if t.endswith("?"):  # NFKC turns ？ into ?
        return True
    body = t.rstrip(TRAILING)
    if not body:
        return False
    if body.endswith(QUESTION_ENDINGS):
        return True
    head, tail = body[:HEAD_WINDOW], body[-TAIL_WINDOW:]
    return any(w in head or w in tail for w in QUESTION_WORDS)


def content_length(text: str) -> int:
    return sum(1 for ch in _norm(text) if not ch.isspace())


def looks_like_report(text: str, min_chars: int = DEFAULT_MIN_CHARS) -> bool:
    t = _norm(text)
    if not t or t[0] == "/":
        return False
    return content_length(t) >= min_chars and not is_question(t)


# -- routing by meaning (knowledge/routing.py) -------------------------------------------
# The three text handlers (complaints 40, reports 50, knowledge 60) each ask the same pure
# classifier whether a message is theirs, so a villager's "医保费用有补贴不" is answered
# rather than offered the complaint form, and a long question that opens with a story is
# not offered as today's log. is_question / looks_like_report above stay for callers that
# want the plain punctuation rule.
def free_text_route(text: str, role: str) -> str:
    """``ask_kb`` | ``offer_report`` | ``offer_complaint`` | ``help`` (knowledge.routing)."""
    from knowledge.routing import route

    return route(text, str(role)).value


def offers_complaint(text: str) -> bool:
    """A villager's free text that should get the [我要反映问题] offer."""
    return free_text_route(text, "villager") == "offer_complaint"


def offers_report(text: str, role: str, min_chars: int = DEFAULT_MIN_CHARS) -> bool:
    """A team member's account of work to offer as today's log.

    An account that reads as work done (a work verb with a time, a count or 了) is offered
    whatever its length; any other statement only from ``min_chars`` characters on (the
    REPORT_OFFER_MIN_CHARS setting), as before.
    """
    from knowledge.routing import is_work_account

    t = _norm(text)
    if not t or t[0] == "/" or free_text_route(t, role) != "offer_report":
        return False
    return is_work_account(t) or content_length(t) >= min_chars
