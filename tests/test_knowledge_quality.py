"""Headline quality of the shipped matcher on the TEST half of bench/kb_real_set.yaml.

No weight or threshold was fitted on this half (bench/kb_tune.py reads only the tune half
and the earlier set). The bars are the levels the shipped matcher reaches there, so this
fails when quality regresses. The four goals of issue #12 are met (third round): top-1
overall ≥ 90 % and for villagers ≥ 85 % are asserted at the goal, top-1 on long messages
(goal 80 %) and the share answered right at the levels reached, out-of-scope false
answers ≤ 2 % at the goal; see docs/knowledge.md. The full figures, per category and
against the baselines, are printed by bench/kb_bench.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from knowledge import KnowledgeBase

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from kb_eval import Item, Tally, load_items  # noqa: E402


@pytest.fixture(scope="module")
def test_half() -> list[Item]:
    return load_items(half="test")


@pytest.fixture(scope="module")
def tallies(test_half: list[Item]) -> dict[str, Tally]:
    kb = KnowledgeBase.from_directory()
    out: dict[str, Tally] = {}
    for it in test_half:
        v = kb.answer(it.q)
        ranked = [m.entry.id for m in kb.search(it.q, 3)]
        for key in ("all", it.role, *(["long"] if it.style == "long" else [])):
            out.setdefault(key, Tally()).add(it, ranked, v.kind, [m.entry.id for m in v.matches])
    return out


def test_the_test_half_is_big_and_varied(test_half: list[Item]) -> None:
    assert len(test_half) >= 300
    assert sum(not it.in_scope for it in test_half) >= 40
    assert {it.style for it in test_half} >= {"plain", "long", "voice", "dialect", "english", "trad"}


def test_right_entry_ranked_first(tallies: dict[str, Tally]) -> None:
    assert tallies["all"].rate("top1") >= 0.90  # the goal
    assert tallies["cadre"].rate("top1") >= 0.92
    assert tallies["villager"].rate("top1") >= 0.85  # the goal
    assert tallies["long"].rate("top1") >= 0.85  # goal 0.80


def test_answers_are_given_and_rarely_wrong(tallies: dict[str, Tally]) -> None:
    t = tallies["all"]
    assert t.rate("right") >= 0.70  # answered outright with the right entry
    assert (t.right + t.chosen) / t.n_in >= 0.90  # or the right entry among the offered ones
    assert t.rate("wrong") <= 0.03
    assert t.rate("oos_answer") <= 0.02  # out-of-scope questions answered anyway: the goal


def test_beats_plain_bm25_over_the_same_phrasings(test_half: list[Item],
                                                  tallies: dict[str, Tally]) -> None:
    """The reference of issue #12: BM25 over jieba tokens of the entries' question phrasings."""
    import jieba
    import numpy as np
    from rank_bm25 import BM25Okapi

    from knowledge import load_paths
    from knowledge.segment import DATA_DIR

    entries = load_paths([DATA_DIR])
    jieba.setLogLevel(60)

    def tok(text: str) -> list[str]:
        return [t for t in jieba.lcut(text) if t.strip() and t not in "，。？！、?!,. "]

    bm25 = BM25Okapi([tok(" ".join(e.phrasings)) for e in entries])
    inscope = [it for it in test_half if it.in_scope]
    hits = sum(entries[int(np.argmax(bm25.get_scores(tok(it.q))))].id in it.expected for it in inscope)
    assert tallies["all"].rate("top1") >= hits / len(inscope) + 0.10
