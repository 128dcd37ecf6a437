"""The new hold-out (bench/kb_holdout2.yaml) is what its header says, and no villager
question of any question set is sent to the complaint offer (issue #12's routing goal)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from knowledge import load_paths
from knowledge.routing import Route, route
from knowledge.segment import DATA_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from kb_eval import HOLDOUT2_SET, HOLDOUT_SET, KB_SET, load_items  # noqa: E402


def test_the_new_holdout_is_big_varied_and_labelled_with_real_entries() -> None:
    items = load_items(half="holdout2")
    assert len(items) >= 200
    assert sum(it.role == "villager" and it.style == "dialect" for it in items) >= 60
    assert sum(it.style == "long" for it in items) >= 40
    assert sum(not it.in_scope for it in items) >= 50
    ids = {e.id for e in load_paths([DATA_DIR])}
    assert all(it.expected <= ids for it in items)


def test_the_new_holdout_copies_no_other_question_and_no_phrasing() -> None:
    mine = [str(r["q"]) for r in yaml.safe_load(HOLDOUT2_SET.read_text(encoding="utf-8"))]
    assert len(mine) == len(set(mine))
    others = {str(r["q"]) for p in (KB_SET, HOLDOUT_SET)
              for r in yaml.safe_load(p.read_text(encoding="utf-8"))}
    phrasings = {p for e in load_paths([DATA_DIR]) for p in e.phrasings}
    assert not set(mine) & others
    assert not set(mine) & phrasings


def test_no_villager_question_of_any_set_goes_to_the_complaint_offer() -> None:
    questions = [it for half in (None, "holdout", "holdout2") for it in load_items(half=half)
                 if it.role == "villager" and it.in_scope]
    sent = [it.q for it in questions if route(it.q, "villager") == Route.OFFER_COMPLAINT]
    assert sent == []
