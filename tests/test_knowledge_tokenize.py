"""Tokenisation keeps domain terms whole and canonicalises synonyms."""

import pytest

from knowledge import KnowledgeBase
from knowledge.segment import TextProcessor


@pytest.fixture(scope="module")
def proc() -> TextProcessor:
    # The homophone repairer learns its vocabulary from the indexed base.
    return KnowledgeBase.from_directory().proc


def toks(proc: TextProcessor, text: str) -> list[str]:
    return proc.tokens(proc.analyze(text).norm)


def test_domain_terms_stay_whole(proc: TextProcessor) -> None:
    t = toks(proc, "驻村干部和第一书记参加防返贫工作")
    assert "驻村干部" in t and "第一书记" in t and "防返贫" in t


def test_synonyms_are_canonicalised(proc: TextProcessor) -> None:
    assert toks(proc, "驻村补助") == toks(proc, "驻村补贴") == toks(proc, "驻村津贴")
    assert "驻村干部" in toks(proc, "工作队员请假")


def test_stop_words_dropped(proc: TextProcessor) -> None:
    assert "的" not in toks(proc, "低保的标准是什么") and "什么" not in toks(proc, "低保的标准是什么")


def test_homophone_typos_repaired(proc: TextProcessor) -> None:
    assert proc.analyze("低宝怎么申情").norm == "低保怎么申请"
    assert "小额信贷" in proc.analyze("小额信代").norm


def test_real_words_not_repaired(proc: TextProcessor) -> None:
    # 去|乡镇 must not become 去向; 事实 is a real word, not 实施.
    assert "乡镇" in proc.analyze("每月要去乡镇开会").norm
    assert proc.analyze("事实").norm == "事实"


def test_pinyin_key_is_toneless(proc: TextProcessor) -> None:
    assert proc.pinyin_key("帮扶") == proc.pinyin_key("邦扶") == "bang fu"
