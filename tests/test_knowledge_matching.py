"""User-visible matching behaviour of the shipped knowledge base."""

import pytest

from knowledge import Entry, KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_directory()


def test_traditional_question_answered(kb: KnowledgeBase) -> None:
    v = kb.answer("駐村幹部每月補助多少？")
    assert v.kind == "answer"
    assert v.best is not None and v.best.entry.id == "living-allowance"
    assert "1100" in v.best.entry.answer


def test_homophone_typo_answered(kb: KnowledgeBase) -> None:
    v = kb.answer("低宝怎么申情")
    assert v.kind == "answer" and v.best is not None and v.best.entry.id == "dibao"


def test_colloquial_question_answered(kb: KnowledgeBase) -> None:
    v = kb.answer("村里干部一个月要在村里待几天")
    assert v.kind == "answer" and v.best is not None and v.best.entry.id == "days-cadre"


@pytest.mark.parametrize("q", ["今天天气怎么样", "国足今晚比赛几点开始", "手机怎么充值", "😀😀", ""])
def test_out_of_scope_gets_none(kb: KnowledgeBase, q: str) -> None:
    assert kb.answer(q).kind == "none"


def test_near_tie_offers_choice(kb: KnowledgeBase) -> None:
    v = kb.answer("小额信贷")  # policy vs how-to-apply: both plausible
    assert v.kind == "choose"
    ids = {m.entry.id for m in v.matches}
    assert {"microcredit", "microcredit-apply"} <= ids and len(v.matches) <= 3


def test_near_tie_on_custom_base(kb: KnowledgeBase) -> None:
    two = [
        Entry(id="a", question="雨露计划补助标准", answer="甲", basis="测试"),
        Entry(id="b", question="雨露计划补助申请", answer="乙", basis="测试"),
    ]
    small = KnowledgeBase(two, processor=kb.proc)
    v = small.answer("雨露计划补助")
    assert v.kind == "choose" and [m.entry.id for m in v.matches] in (["a", "b"], ["b", "a"])


def test_search_returns_distinct_entries_with_scores(kb: KnowledgeBase) -> None:
    ms = kb.search("第一书记工作经费", limit=3)
    assert ms[0].entry.id == "first-secretary-funds"
    assert len({m.entry.id for m in ms}) == len(ms)
    assert all(0 <= m.score <= 100 for m in ms)
    assert ms == sorted(ms, key=lambda m: -m.score)
    assert ms[0].phrasing in ms[0].entry.phrasings
