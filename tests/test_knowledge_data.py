"""The shipped knowledge base itself is complete and well-formed."""

import datetime as dt

from knowledge import load_paths
from knowledge.segment import DATA_DIR


def test_shipped_entries_valid() -> None:
    entries = load_paths([DATA_DIR])
    assert len(entries) >= 80
    assert len({e.id for e in entries}) == len(entries)
    for e in entries:
        assert e.question and e.answer and e.basis, e.id
        assert 3 <= len(e.alternatives) <= 6, e.id
        assert len(e.answer) <= 320, e.id
        assert e.reviewed == dt.date(2026, 11, 23), e.id
        assert e.tags, e.id


def test_key_facts_present() -> None:
    text = " ".join(e.answer for e in load_paths([DATA_DIR]))
    for fact in ["2年", "15天", "20%", "30%", "50%", "2万元", "1100元", "100万元", "12317",
                 "20个工作日", "提前10天", "每季度", "28日", "1月5日", "7月5日", "一宣六帮", "1+2+N"]:
        assert fact in text, fact


def test_user_dictionary_and_synonyms_ship() -> None:
    words = {line.split()[0] for line in (DATA_DIR / "userdict.txt").read_text(encoding="utf-8").splitlines() if line.strip()}
    assert {"驻村干部", "第一书记", "防返贫", "监测户", "小额信贷", "雨露计划"} <= words
    assert (DATA_DIR / "synonyms.yaml").exists()
